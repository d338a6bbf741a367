package dev.storyloop.device.hal;

import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.Sensor;

import java.util.SplittableRandom;

/**
 * Sensors without hardware: temperature and humidity wander around a set point with seeded noise,
 * the battery drains slowly, and a counter counts readings. The same seed gives the same readings.
 */
public final class SimulatedSensors {
    private static final int TEMPERATURE_SET_MILLI = 21_500;   // 21.5 °C
    private static final int HUMIDITY_SET_MILLI = 45_000;      // 45 %RH
    private static final int BATTERY_FULL_MV = 4_200;
    private static final int BATTERY_EMPTY_MV = 3_300;
    private final SplittableRandom random;
    private int temperatureMilli = TEMPERATURE_SET_MILLI;
    private int humidityMilli = HUMIDITY_SET_MILLI;
    private int batteryMv = BATTERY_FULL_MV;
    private long counter;

    public SimulatedSensors(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** Takes one reading of every sensor into {@code frame} (a TELEMETRY frame just reset). */
    public void read(Frame frame) {
        // A random walk pulled back towards the set point, so values stay plausible for any run length.
        temperatureMilli += random.nextInt(-50, 51) + (TEMPERATURE_SET_MILLI - temperatureMilli) / 50;
        humidityMilli += random.nextInt(-200, 201) + (HUMIDITY_SET_MILLI - humidityMilli) / 50;
        if (batteryMv > BATTERY_EMPTY_MV && random.nextInt(100) == 0) batteryMv--;
        counter++;
        frame.addReading(Sensor.TEMPERATURE, temperatureMilli)
                .addReading(Sensor.HUMIDITY, humidityMilli)
                .addReading(Sensor.BATTERY, batteryMv)
                .addReading(Sensor.COUNTER, (int) counter);
    }
}
