package dev.storyloop.cli;

import dev.storyloop.testsupport.MosquittoBroker;
import dev.storyloop.testsupport.MosquittoExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class GatewayCommandTest {

    @RegisterExtension
    static final MosquittoExtension MOSQUITTO = MosquittoExtension.withDefaults();

    @TempDir
    Path dir;

    private final Cli cli = new Cli();

    private Path file(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void shouldServeItsHttpApiWhileRunning(MosquittoBroker broker) throws Exception {
        Path token = file("token", "cli-test-token-0123456789\n");
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cli.run("gateway", "--broker", broker.url(),
                "--http-port", "0", "--token-file", token.toString(), "--dev-fleet", "--duration", "20s", "--status-every", "1s"));
        // The duration only has to outlast start-up and three requests on a loaded machine; nothing is timed.
        Pattern address = Pattern.compile("HTTP API on (http://127\\.0\\.0\\.1:\\d+)");
        await().atMost(Duration.ofSeconds(20)).until(() -> address.matcher(cli.out.toString()).find());
        Matcher m = address.matcher(cli.out.toString());
        assertThat(m.find()).isTrue();
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                http.send(HttpRequest.newBuilder(URI.create(m.group(1) + "/health")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        HttpResponse<String> devices = http.send(HttpRequest.newBuilder(URI.create(m.group(1) + "/api/devices")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(devices.statusCode()).isEqualTo(200);
        assertThat(devices.body()).contains("\"devices\"");

        assertThat(exit.get()).as(cli.err.toString()).isZero();
        assertThat(cli.out.toString()).contains("summary mqtt closed devices 0 received 0 missing 0");
    }

    @Test
    void shouldRejectBadArgumentsWithExitCodeTwo() throws Exception {
        Path token = file("token", "cli-test-token-0123456789");
        Path shortToken = file("short", "abc");
        Path badKeys = file("keys", "pi-1 not-hex\n");
        assertThat(cli.run("gateway", "--broker", "tcp://127.0.0.1:1883", "--token-file", token.toString())).isEqualTo(2);
        assertThat(cli.err.toString()).contains("device keys are needed");
        assertThat(cli.run("gateway", "--broker", "http://127.0.0.1:1883", "--token-file", token.toString(), "--dev-fleet")).isEqualTo(2);
        assertThat(cli.err.toString()).contains("--broker must be tcp://HOST:PORT");
        assertThat(cli.run("gateway", "--broker", "tcp://127.0.0.1:1883", "--token-file", shortToken.toString(), "--dev-fleet")).isEqualTo(2);
        assertThat(cli.err.toString()).contains("at least 16 characters");
        assertThat(cli.run("gateway", "--broker", "tcp://127.0.0.1:1883", "--token-file", dir.resolve("missing").toString(), "--dev-fleet")).isEqualTo(2);
        assertThat(cli.err.toString()).contains("cannot read");
        assertThat(cli.run("gateway", "--broker", "tcp://127.0.0.1:1883", "--token-file", token.toString(), "--keys", badKeys.toString())).isEqualTo(2);
        assertThat(cli.err.toString()).contains("keys:1: the key is not hex");
        assertThat(cli.run("gateway", "--broker", "tcp://127.0.0.1:1883", "--token-file", token.toString(), "--dev-fleet", "--http-port", "70000")).isEqualTo(2);
        assertThat(cli.run("gateway", "--broker", "tcp://127.0.0.1:1883", "--token-file", token.toString(), "--dev-fleet", "--throttle-rate", "-1")).isEqualTo(2);
        assertThat(cli.run("gateway", "--broker", "tcp://127.0.0.1:1883", "--token-file", token.toString(), "--dev-fleet", "--throttle-rate", "5",
                "--no-flow-control")).isEqualTo(2);
        assertThat(cli.run("gateway", "--broker", "tcp://127.0.0.1:1883", "--token-file", token.toString(), "--dev-fleet", "--evict-after", "1s")).isEqualTo(2);
        assertThat(cli.run("gateway", "--broker", "tcp://127.0.0.1:1883", "--token-file", token.toString(), "--dev-fleet", "--client-id", "a/b")).isEqualTo(2);
    }
}
