package dev.storyloop.stories.run;

/**
 * The value of a metric that has nothing to measure, such as a ratio whose denominator is empty
 * (no command sent): a claim on it fails saying so, instead of passing on a vacuous 0.
 */
public record NoData(String why) {
    @Override
    public String toString() {
        return "no data (" + why + ")";
    }
}
