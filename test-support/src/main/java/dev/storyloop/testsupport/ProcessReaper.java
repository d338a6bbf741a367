package dev.storyloop.testsupport;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Ends every broker process the fixture started when the JVM exits, however the tests ended.
 *
 * <p>The extension closes brokers after each class; this is the net under it for a test run
 * that is interrupted, times out or dies in a way that skips the callbacks.
 */
final class ProcessReaper {
    private static final Set<Process> LIVE = new LinkedHashSet<>();
    private static boolean hookInstalled;

    private ProcessReaper() {}

    static synchronized void track(Process process) {
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(ProcessReaper::killAll, "storyloop-broker-reaper"));
            hookInstalled = true;
        }
        LIVE.add(process);
    }

    static synchronized void untrack(Process process) {
        LIVE.remove(process);
    }

    private static synchronized void killAll() {
        for (Process process : LIVE) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        LIVE.clear();
    }
}
