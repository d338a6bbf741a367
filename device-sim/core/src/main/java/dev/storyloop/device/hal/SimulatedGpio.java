package dev.storyloop.device.hal;

/**
 * GPIO without hardware: the LED's state and toggles are recorded, and {@link #press()} raises a
 * button interrupt from whatever thread calls it (a test, a scenario's timed event).
 */
public final class SimulatedGpio implements Gpio {
    private volatile boolean ledOn;
    private volatile long ledToggles;
    private volatile long presses;
    private volatile Runnable buttonHandler = () -> {};

    @Override
    public void led(boolean on) {
        if (on == ledOn) return; // a volatile write is a fence: none when nothing changes
        ledToggles++;
        ledOn = on;
    }

    @Override
    public void onButton(Runnable handler) {
        buttonHandler = handler == null ? () -> {} : handler;
    }

    /** A button press: the edge interrupt fires on the calling thread. */
    public void press() {
        presses++;
        buttonHandler.run();
    }

    public boolean ledOn() { return ledOn; }
    /** How many times the LED changed state (a blink is two). */
    public long ledToggles() { return ledToggles; }
    public long presses() { return presses; }

    @Override
    public String description() {
        return "simulated GPIO (LED and button in memory)";
    }

    @Override
    public void close() {
        buttonHandler = () -> {};
    }
}
