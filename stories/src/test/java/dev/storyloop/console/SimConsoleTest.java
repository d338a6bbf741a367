package dev.storyloop.console;

import dev.storyloop.stories.run.RunResult;
import dev.storyloop.stories.run.SimRunner;
import dev.storyloop.stories.scenario.Scenario;
import dev.storyloop.stories.scenario.ScenarioFile;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class SimConsoleTest {

    private static Scenario storyOne(String duration) throws Exception {
        String yaml = Files.readString(Path.of("the-waker-that-never-came", "scenario.yaml"));
        return ScenarioFile.parse("story 1", yaml.replaceFirst("(?m)^duration: .*$", "duration: " + duration));
    }

    private static HttpResponse<String> send(HttpClient client, ConsoleServer server, String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldHoldVirtualTimeStillWhilePausedAndGiveTheSameRunOnceResumed() throws Exception {
        Scenario scenario = storyOne("4s");
        Scenario.Variant at210 = scenario.variants().stream().filter(v -> v.name().equals("at-210")).findFirst().orElseThrow();
        RunResult unwatched = SimRunner.run(scenario, at210, scenario.seed());
        SimConsole sim = new SimConsole(SimRunner.Progress.NONE, 0);
        HttpClient client = HttpClient.newHttpClient();
        try (ConsoleServer server = ConsoleServer.sim("127.0.0.1", 0, null, "story 1", sim)) {
            assertThat(send(client, server, "POST", "/api/pause").statusCode()).isEqualTo(200);
            CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(() -> SimRunner.run(scenario, at210, scenario.seed(), sim));

            // Held after its first simulated second: the page sees that second's devices, and time stands.
            await().atMost(Duration.ofSeconds(60)).until(() -> new JsonObject(send(client, server, "GET", "/tasks").body())
                    .getJsonArray("devices").size() == 20);
            JsonObject held = new JsonObject(send(client, server, "GET", "/tasks").body());
            assertThat(held.getBoolean("paused")).isTrue();
            assertThat(held.getString("variant")).isEqualTo("at-210");
            assertThat(held.getJsonArray("devices").getJsonObject(0).getJsonArray("tasks").encode()).contains("\"task\":\"sampler#");
            assertThat(run).isNotDone();
            assertThat(new JsonObject(send(client, server, "GET", "/tasks").body()).getDouble("nowS")).isEqualTo(held.getDouble("nowS"));

            assertThat(send(client, server, "POST", "/api/resume").statusCode()).isEqualTo(200);
            RunResult watched = run.get();

            assertThat(watched.digest()).as("pausing changes nothing the run computes").isEqualTo(unwatched.digest());
            JsonObject after = new JsonObject(send(client, server, "GET", "/tasks").body());
            assertThat(after.getJsonArray("warnings").encode()).contains("\"kind\":\"lost-waker\"", "request#");
            assertThat(send(client, server, "POST", "/tasks").statusCode()).as("everything else stays read-only").isEqualTo(405);
        }
    }

    @Test
    void shouldAskForATokenWhenBoundBeyondLoopback() {
        assertThat(ConsoleServer.requiredToken("127.0.0.1", null)).as("loopback needs none").isNull();
        assertThat(ConsoleServer.requiredToken("::1", null)).isNull();
        assertThat(ConsoleServer.requiredToken("0.0.0.0", null)).as("made at random").hasSize(32)
                .isNotEqualTo(ConsoleServer.requiredToken("0.0.0.0", null));
        assertThat(ConsoleServer.requiredToken("192.0.2.7", "s3cret")).isEqualTo("s3cret");
    }

    @Test
    void shouldRefuseRequestsWithoutTheTokenWhenOneIsSet() throws Exception {
        SimConsole sim = new SimConsole(SimRunner.Progress.NONE, 0);
        HttpClient client = HttpClient.newHttpClient();
        try (ConsoleServer server = ConsoleServer.sim("127.0.0.1", 0, "s3cret", "story 1", sim)) {
            assertThat(server.url()).endsWith("/?token=s3cret");
            assertThat(send(client, server, "GET", "/tasks").statusCode()).isEqualTo(401);
            assertThat(send(client, server, "GET", "/tasks?token=wrong").statusCode()).isEqualTo(401);
            assertThat(send(client, server, "POST", "/api/pause").statusCode()).isEqualTo(401);
            assertThat(send(client, server, "GET", "/tasks?token=s3cret").statusCode()).isEqualTo(200);
            assertThat(send(client, server, "GET", "/?token=s3cret").body()).contains("<title>storyloop console</title>");
        }
    }
}
