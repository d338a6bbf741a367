package dev.storyloop.device.hal;

/**
 * The device's two GPIO lines: an LED output and a button input whose presses arrive as interrupts.
 */
public interface Gpio extends AutoCloseable {

    void led(boolean on);

    /**
     * Sets the interrupt handler for button presses. It runs on whatever thread sees the edge (the
     * GPIO event thread on a Pi), so it must only hand the event to the loop (a {@code Signal}).
     */
    void onButton(Runnable handler);

    /** One line saying what this GPIO is, for the device's boot log. */
    String description();

    @Override
    void close();
}
