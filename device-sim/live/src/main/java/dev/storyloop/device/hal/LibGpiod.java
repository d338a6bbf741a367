package dev.storyloop.device.hal;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

import java.util.List;
import java.util.Optional;

/**
 * GPIO through libgpiod v1 ({@code libgpiod.so.2}: Debian 12, Raspberry Pi OS), reached with JNA.
 *
 * <p>The LED line is requested as an output. The button line is requested for falling-edge
 * events with the internal pull-up (a button wired from the pin to ground); a daemon thread waits
 * on the line's events with a 100 ms timeout, so it notices {@link #close()}, and calls the handler
 * for each press: that thread is the interrupt, the handler hands the press to the loop.
 */
public final class LibGpiod implements Gpio {
    public static final String LIBRARY_NAME = "gpiod";
    static final String CONSUMER = "storyloop";
    static final int REQUEST_FLAG_BIAS_PULL_UP = 1 << 5;     // GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP in gpiod.h v1.6
    private static final long EVENT_WAIT_NANOS = 100_000_000L;
    private static final int EVENT_STRUCT_BYTES = 64;           // struct gpiod_line_event: a timespec and an int, padded

    /** The libgpiod v1 functions used; {@link #FUNCTIONS} lists them for the symbol check. */
    public interface Api extends Library {
        Pointer gpiod_chip_open_by_name(String name);
        void gpiod_chip_close(Pointer chip);
        Pointer gpiod_chip_get_line(Pointer chip, int offset);
        int gpiod_line_request_output(Pointer line, String consumer, int defaultValue);
        int gpiod_line_request_falling_edge_events_flags(Pointer line, String consumer, int flags);
        int gpiod_line_set_value(Pointer line, int value);
        int gpiod_line_event_wait(Pointer line, Pointer timeout);
        int gpiod_line_event_read(Pointer line, Pointer event);
        void gpiod_line_release(Pointer line);
    }

    public static final List<String> FUNCTIONS = List.of("gpiod_chip_open_by_name", "gpiod_chip_close",
            "gpiod_chip_get_line", "gpiod_line_request_output", "gpiod_line_request_falling_edge_events_flags",
            "gpiod_line_set_value", "gpiod_line_event_wait", "gpiod_line_event_read", "gpiod_line_release");

    private final Api api;
    private final Pointer chip;
    private final Pointer ledLine;
    private final Pointer buttonLine;
    private final String description;
    private final Thread events;
    private volatile Runnable buttonHandler = () -> {};
    private volatile boolean closed;
    private volatile long eventErrors;

    private LibGpiod(Api api, Pointer chip, Pointer ledLine, Pointer buttonLine, String description) {
        this.api = api;
        this.chip = chip;
        this.ledLine = ledLine;
        this.buttonLine = buttonLine;
        this.description = description;
        this.events = new Thread(this::waitForEdges, "gpio-button");
        this.events.setDaemon(true);
        this.events.start();
    }

    /** libgpiod, if this machine has it. */
    public static Optional<Api> library() {
        try {
            return Optional.of(Native.load(LIBRARY_NAME, Api.class));
        } catch (UnsatisfiedLinkError e) {
            return Optional.empty();
        }
    }

    /**
     * Opens {@code chipName} and requests the two lines; throws {@link IllegalStateException} with
     * the step that failed (no chip, line busy, no permission) so the caller can fall back.
     */
    public static LibGpiod open(String chipName, int ledOffset, int buttonOffset) {
        Api api = library().orElseThrow(() -> new IllegalStateException("libgpiod (libgpiod.so.2) is not installed"));
        Pointer chip = api.gpiod_chip_open_by_name(chipName);
        if (chip == null) throw new IllegalStateException("cannot open GPIO chip '" + chipName + "' (errno " + Native.getLastError() + ")");
        Pointer led = null;
        try {
            led = api.gpiod_chip_get_line(chip, ledOffset);
            if (led == null || api.gpiod_line_request_output(led, CONSUMER, 0) < 0) {
                throw new IllegalStateException("cannot request line " + ledOffset + " of " + chipName + " as output (errno " + Native.getLastError() + ")");
            }
            Pointer button = api.gpiod_chip_get_line(chip, buttonOffset);
            if (button == null || api.gpiod_line_request_falling_edge_events_flags(button, CONSUMER, REQUEST_FLAG_BIAS_PULL_UP) < 0) {
                throw new IllegalStateException("cannot request line " + buttonOffset + " of " + chipName + " for edge events (errno " + Native.getLastError() + ")");
            }
            return new LibGpiod(api, chip, led, button,
                    "libgpiod " + chipName + ": LED on line " + ledOffset + ", button on line " + buttonOffset + " (falling edge, pull-up)");
        } catch (RuntimeException e) {
            if (led != null) api.gpiod_line_release(led);
            api.gpiod_chip_close(chip);
            throw e;
        }
    }

    @Override
    public void led(boolean on) {
        api.gpiod_line_set_value(ledLine, on ? 1 : 0);
    }

    @Override
    public void onButton(Runnable handler) {
        buttonHandler = handler == null ? () -> {} : handler;
    }

    @Override
    public String description() {
        return description;
    }

    public long eventErrors() {
        return eventErrors;
    }

    private void waitForEdges() {
        int longBytes = NativeLong.SIZE;
        Memory timeout = new Memory(2L * longBytes);
        Memory event = new Memory(EVENT_STRUCT_BYTES);
        while (!closed) {
            timeout.setNativeLong(0, new NativeLong(0));
            timeout.setNativeLong(longBytes, new NativeLong(EVENT_WAIT_NANOS));
            int ready = api.gpiod_line_event_wait(buttonLine, timeout);
            if (closed) return;
            if (ready < 0) {
                eventErrors++;
                return; // the line is gone; the LED still works
            }
            if (ready == 0) continue;
            if (api.gpiod_line_event_read(buttonLine, event) < 0) {
                eventErrors++;
                continue;
            }
            buttonHandler.run();
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            events.join(2 * EVENT_WAIT_NANOS / 1_000_000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        api.gpiod_line_release(buttonLine);
        api.gpiod_line_release(ledLine);
        api.gpiod_chip_close(chip);
    }
}
