package dev.storyloop.testsupport;

import java.util.ArrayDeque;

/** The last {@code capacityLines} lines a broker printed; older lines are counted, not kept. */
final class BoundedLog {
    private final int capacityLines;
    private final ArrayDeque<String> lines;
    private long droppedLines;
    private long runningLines;

    BoundedLog(int capacityLines) {
        if (capacityLines <= 0) throw new IllegalArgumentException("capacityLines must be > 0");
        this.capacityLines = capacityLines;
        this.lines = new ArrayDeque<>(capacityLines);
    }

    synchronized void add(String line) {
        if (lines.size() == capacityLines) {
            lines.removeFirst();
            droppedLines++;
        }
        lines.addLast(line);
        // Mosquitto announces readiness with "mosquitto version X running".
        if (line.contains("mosquitto version") && line.endsWith(" running")) {
            runningLines++;
            notifyAll();
        }
    }

    /** Waits until the broker has announced it is running {@code times} times in all. */
    synchronized boolean awaitRunning(long times, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (runningLines < times) {
            long leftMillis = (deadline - System.nanoTime()) / 1_000_000L;
            if (leftMillis <= 0) return false;
            wait(leftMillis);
        }
        return true;
    }

    synchronized long runningCount() {
        return runningLines;
    }

    synchronized String text() {
        StringBuilder out = new StringBuilder();
        if (droppedLines > 0) out.append("[").append(droppedLines).append(" earlier lines not kept]\n");
        for (String line : lines) out.append(line).append('\n');
        return out.toString();
    }
}
