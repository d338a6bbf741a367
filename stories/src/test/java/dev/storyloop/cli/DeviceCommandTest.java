package dev.storyloop.cli;

import dev.storyloop.testsupport.MosquittoBroker;
import dev.storyloop.testsupport.MosquittoExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class DeviceCommandTest {

    @RegisterExtension
    static final MosquittoExtension MOSQUITTO = MosquittoExtension.withDefaults();

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = StoryloopCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void shouldRunDevicesAgainstTheBrokerAndPrintASummary(MosquittoBroker broker) {
        int exit = run("device", "--broker", broker.url(), "--count", "2", "--period", "50ms", "--duration", "3s", "--status-every", "1s");

        assertThat(exit).as(err.toString()).isZero();
        Matcher summary = Pattern.compile("summary .* connected 0/2 sampled (\\d+) sent (\\d+) acked (\\d+) buffered 0 dropped 0 .*wake p50")
                .matcher(out.toString());
        assertThat(summary.find()).as(out.toString()).isTrue();
        assertThat(Long.parseLong(summary.group(1))).isGreaterThan(60); // two devices, 3 s at 50 ms, less the connect
        assertThat(summary.group(3)).isEqualTo(summary.group(1));
        assertThat(out.toString()).contains("status ");
    }

    @Test
    void shouldRejectBadArgumentsWithExitCodeTwo() {
        assertThat(run("device", "--broker", "http://127.0.0.1:1883")).isEqualTo(2);
        assertThat(err.toString()).contains("--broker must be a tcp:// or ssl:// URL");
        assertThat(run("device", "--broker", "tcp://127.0.0.1:1883", "--policy", "sometimes")).isEqualTo(2);
        assertThat(err.toString()).contains("--policy must be block, drop-oldest or drop-newest");
        assertThat(run("device", "--broker", "tcp://127.0.0.1:1883", "--period", "fast")).isEqualTo(2);
        assertThat(err.toString()).contains("is not a duration");
        assertThat(run("device", "--broker", "tcp://127.0.0.1:1883", "--qos", "2")).isEqualTo(2);
        assertThat(err.toString()).contains("qos must be in 0..1");
        assertThat(run("device", "--broker", "tcp://127.0.0.1:1883", "--id", "bad id")).isEqualTo(2);
        assertThat(run("device")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--broker=<broker>'");
    }

    @Test
    void shouldRefuseAQueueThatDoesNotFitTheRamWithTheMemoryMap() {
        assertThat(run("device", "--broker", "tcp://127.0.0.1:1", "--capacity", "5000", "--ram", "64KiB")).isEqualTo(2);
        assertThat(err.toString()).contains("RAM overflowed by", "uplink queue 5000 x");
    }
}
