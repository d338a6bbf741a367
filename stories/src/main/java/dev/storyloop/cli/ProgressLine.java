package dev.storyloop.cli;

import dev.storyloop.stories.run.SimRunner;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress line on standard error for runs that take a while: the variant, simulated time done
 * of the total, and world events per wall second. Silent for the first {@link #QUIET_NANOS} and
 * redrawn at most every {@link #REDRAW_NANOS}, so short runs print nothing. It redraws in place
 * with {@code \r}, so it draws only on a terminal: redirected to a file or a CI log it stays silent
 * rather than fill the log with half lines.
 */
final class ProgressLine implements SimRunner.Progress {
    static final long QUIET_NANOS = 2_000_000_000L;
    static final long REDRAW_NANOS = 500_000_000L;
    private static final int BAR_WIDTH = 30;

    private final PrintWriter err;
    private final long started = System.nanoTime();
    private long lastDrawn;
    private long lastEvents;
    private long lastEventsAt = started;
    private boolean drawn;
    private final boolean terminal;

    ProgressLine(PrintWriter err) {
        this(err, System.console() != null);
    }

    ProgressLine(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public void update(String variant, double simulatedSeconds, double totalSeconds, long events) {
        long now = System.nanoTime();
        if (!terminal || now - started < QUIET_NANOS || now - lastDrawn < REDRAW_NANOS) return;
        double rate = (events - lastEvents) / ((now - lastEventsAt) / 1e9);
        if (events < lastEvents) rate = events / ((now - lastEventsAt) / 1e9); // a new variant's world
        lastEvents = events;
        lastEventsAt = now;
        lastDrawn = now;
        int filled = (int) Math.round(BAR_WIDTH * simulatedSeconds / totalSeconds);
        err.printf(Locale.ROOT, "\r  %-14s [%s%s] %6.1f / %.0f s simulated, %,.0f events/s ", variant, "#".repeat(filled),
                " ".repeat(BAR_WIDTH - filled), simulatedSeconds, totalSeconds, rate);
        err.flush();
        drawn = true;
    }

    /** For runs counted in items (e.g. swarm seeds): done of total and the rate per wall second. */
    void items(String label, long done, long total, String unit) {
        long now = System.nanoTime();
        if (!terminal || now - started < QUIET_NANOS || now - lastDrawn < REDRAW_NANOS) return;
        lastDrawn = now;
        int filled = (int) Math.round(BAR_WIDTH * (double) done / total);
        err.printf(Locale.ROOT, "\r  %-14s [%s%s] %,d / %,d %s, %,.0f/s ", label, "#".repeat(filled), " ".repeat(BAR_WIDTH - filled),
                done, total, unit, done / ((now - started) / 1e9));
        err.flush();
        drawn = true;
    }

    /** Clears the line once the run is over (when one was drawn). */
    void finish() {
        if (!drawn) return;
        err.print("\r" + " ".repeat(100) + "\r");
        err.flush();
    }
}
