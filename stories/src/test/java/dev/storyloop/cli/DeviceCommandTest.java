package dev.storyloop.cli;

import dev.storyloop.testsupport.MosquittoBroker;
import dev.storyloop.testsupport.MosquittoExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class DeviceCommandTest {

    @RegisterExtension
    static final MosquittoExtension MOSQUITTO = MosquittoExtension.withDefaults();

    private final Cli cli = new Cli();

    @Test
    void shouldRunDevicesAgainstTheBrokerAndPrintASummary(MosquittoBroker broker) {
        int exit = cli.run("device", "--broker", broker.url(), "--count", "2", "--period", "50ms", "--duration", "3s", "--status-every", "1s");

        assertThat(exit).as(cli.err.toString()).isZero();
        Matcher summary = Pattern.compile("summary .* connected 0/2 sampled (\\d+) sent (\\d+) acked (\\d+) buffered 0 dropped 0 .*wake p50")
                .matcher(cli.out.toString());
        assertThat(summary.find()).as(cli.out.toString()).isTrue();
        assertThat(Long.parseLong(summary.group(1))).isGreaterThan(60); // two devices, 3 s at 50 ms, less the connect
        assertThat(summary.group(3)).isEqualTo(summary.group(1));
        assertThat(cli.out.toString()).contains("status ");
    }

    @Test
    void shouldRejectBadArgumentsWithExitCodeTwo() {
        assertThat(cli.run("device", "--broker", "http://127.0.0.1:1883")).isEqualTo(2);
        assertThat(cli.err.toString()).contains("--broker must be a tcp:// or ssl:// URL");
        assertThat(cli.run("device", "--broker", "tcp://127.0.0.1:1883", "--policy", "sometimes")).isEqualTo(2);
        assertThat(cli.err.toString()).contains("--policy must be block, drop-oldest or drop-newest");
        assertThat(cli.run("device", "--broker", "tcp://127.0.0.1:1883", "--period", "fast")).isEqualTo(2);
        assertThat(cli.err.toString()).contains("is not a duration");
        assertThat(cli.run("device", "--broker", "tcp://127.0.0.1:1883", "--qos", "2")).isEqualTo(2);
        assertThat(cli.err.toString()).contains("qos must be in 0..1");
        assertThat(cli.run("device", "--broker", "tcp://127.0.0.1:1883", "--id", "bad id")).isEqualTo(2);
        assertThat(cli.run("device")).isEqualTo(2);
        assertThat(cli.err.toString()).contains("Missing required option: '--broker=<broker>'");
    }

    @Test
    void shouldRefuseAQueueThatDoesNotFitTheRamWithTheMemoryMap() {
        assertThat(cli.run("device", "--broker", "tcp://127.0.0.1:1", "--capacity", "5000", "--ram", "64KiB")).isEqualTo(2);
        assertThat(cli.err.toString()).contains("RAM overflowed by", "uplink queue 5000 x");
    }
}
