package dev.storyloop.device.hal;

import com.sun.jna.NativeLibrary;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class GpioTest {

    @Test
    void shouldRecordTheLedAndRaiseButtonInterruptsOnTheSimulatedGpio() throws Exception {
        SimulatedGpio gpio = new SimulatedGpio();
        AtomicInteger presses = new AtomicInteger();
        gpio.onButton(presses::incrementAndGet);
        gpio.led(true);
        gpio.led(true);
        gpio.led(false);
        Thread other = new Thread(gpio::press); // an interrupt arrives on whatever thread saw the edge
        other.start();
        other.join();

        assertThat(gpio.ledToggles()).isEqualTo(2);
        assertThat(gpio.ledOn()).isFalse();
        assertThat(presses.get()).isEqualTo(1);
        assertThat(gpio.presses()).isEqualTo(1);
        gpio.close();
        gpio.press();
        assertThat(presses.get()).as("no handler after close").isEqualTo(1);
    }

    @Test
    void shouldFallBackToSimulatedGpioWhenTheChipCannotBeOpened() {
        try (LiveBoard board = LiveBoard.withGpio("pi-1", "gpiochip-that-does-not-exist", 17, 27)) {
            assertThat(board.gpio()).isInstanceOf(SimulatedGpio.class);
            board.gpio().led(true); // still usable
        }
    }

    @Test
    void shouldResolveEveryLibgpiodFunctionTheBindingUses() {
        assumeTrue(LibGpiod.library().isPresent(), "libgpiod.so.2 is not installed (apt-get install libgpiod2)");
        NativeLibrary library = NativeLibrary.getInstance(LibGpiod.LIBRARY_NAME);
        for (String function : LibGpiod.FUNCTIONS) {
            assertThat(library.getFunction(function)).as(function).isNotNull();
        }
        assertThat(LibGpiod.FUNCTIONS).hasSize(LibGpiod.Api.class.getDeclaredMethods().length);
    }

    @Test
    void shouldExplainWhyWhenNoChipExists() {
        assumeTrue(LibGpiod.library().isPresent(), "libgpiod.so.2 is not installed");
        try {
            LibGpiod.open("gpiochip-that-does-not-exist", 17, 27).close();
        } catch (IllegalStateException e) {
            assertThat(e).hasMessageContaining("cannot open GPIO chip 'gpiochip-that-does-not-exist'");
            return;
        }
        throw new AssertionError("a missing chip must not open");
    }
}
