package dev.storyloop.protocol;

/** What a telemetry reading measures, and its unit (values travel as integers in milli-units). */
public enum Sensor {
    TEMPERATURE(1, "m°C"), HUMIDITY(2, "m%RH"), BATTERY(3, "mV"), COUNTER(4, "count");

    private final int code;
    private final String unit;

    Sensor(int code, String unit) {
        this.code = code;
        this.unit = unit;
    }

    public int code() { return code; }
    public String unit() { return unit; }

    private static final Sensor[] BY_CODE = {null, TEMPERATURE, HUMIDITY, BATTERY, COUNTER};

    public static Sensor ofCode(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
