package dev.storyloop.gateway;

import dev.storyloop.gateway.core.GatewayConfig;
import dev.storyloop.gateway.core.GatewayMetric;
import dev.storyloop.testsupport.MosquittoBroker;
import dev.storyloop.testsupport.MosquittoExtension;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway's stats JSON and its Prometheus output use exactly the names {@link GatewayMetric}
 * declares: a metric added to either output without its declaration, or a declaration neither
 * output carries, fails here.
 */
class GatewayMetricNamesTest {
    static final String TOKEN = "test-token-0123456789abcdef";
    private static final String PREFIX = "storyloop_gateway_";

    @RegisterExtension
    final MosquittoExtension mosquitto = MosquittoExtension.withDefaults();

    Vertx vertx;
    GatewayApp gateway;

    @BeforeEach
    void start(MosquittoBroker broker) throws Exception {
        vertx = Vertx.vertx(GatewayApp.vertxOptions());
        gateway = GatewayApp.start(vertx, GatewayOptions.local(broker.host(), broker.port(), TOKEN).withCore(GatewayConfig.defaults()))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> "connected".equals(stats().getString("mqtt")));
    }

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) gateway.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void shouldNameEveryStatsKeyAsGatewayMetricDeclaresIt() throws Exception {
        Set<String> declared = Arrays.stream(GatewayMetric.values()).map(GatewayMetric::json).filter(n -> n != null)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(new TreeSet<>(stats().fieldNames())).isEqualTo(declared);
    }

    @Test
    void shouldNameEveryPrometheusMeterAsGatewayMetricDeclaresIt() throws Exception {
        HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + gateway.httpPort() + "/metrics")).header("Authorization", "Bearer " + TOKEN)
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.statusCode()).isEqualTo(200);
        Set<String> produced = scrape.body().lines().filter(l -> l.startsWith(PREFIX)).map(l -> family(l.split("[{ ]", 2)[0]))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> declared = Arrays.stream(GatewayMetric.values()).map(GatewayMetric::prometheus).filter(n -> n != null)
                .map(GatewayMetricNamesTest::family).collect(Collectors.toCollection(TreeSet::new));
        assertThat(produced).isEqualTo(declared);
    }

    /** A sample's metric family: the name without Prometheus's counter and timer suffixes. */
    private static String family(String sample) {
        return sample.replaceAll("_(total|count|sum|max|bucket)$", "");
    }

    private JsonObject stats() throws Exception {
        return gateway.api().stats().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
