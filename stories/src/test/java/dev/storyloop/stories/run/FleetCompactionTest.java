package dev.storyloop.stories.run;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.storyloop.stories.scenario.Scenario;
import dev.storyloop.stories.scenario.ScenarioFile;
import org.junit.jupiter.api.Test;

import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A fleet's boot is compacted (SimRunner.COMPACT_FROM_DEVICES, {@link Compactor}) after the devices are built and
 * after the first simulated second, unless the JVM collected in between; fewer devices never are. Counted from the
 * collectors' notifications of collections caused by {@code System.gc()}, which nothing else in these runs asks for.
 * Each run has a JVM of its own under the serial collector, whose young generation's size decides whether a young
 * collection comes between the steps.
 */
class FleetCompactionTest {
    private static final String FLEET = """
            title: compaction
            duration: 2s
            devices:
              count: %d
              id: m-{n}
              firmware: {period: 1m, qos: 1, keepalive: 60s}
            expect:
              - {id: all, claim: "every reading arrives", metric: run.gateway.missing, op: "==", value: 0}
            """;

    /** An explicit collection: the collector that made it, and its number among that collector's collections. */
    private record Collection(String collector, long id) {}

    /** Runs a fleet of {@code devices} and returns how many explicit collections the run asked for. */
    private static int explicitCollections(int devices) throws Exception {
        List<Collection> explicit = new CopyOnWriteArrayList<>();
        NotificationListener listener = (notification, handback) -> {
            if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) return;
            GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
            if ("System.gc()".equals(info.getGcCause())) explicit.add(new Collection(info.getGcName(), info.getGcInfo().getId()));
        };
        List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
        for (GarbageCollectorMXBean gc : collectors) ((NotificationEmitter) gc).addNotificationListener(listener, null, null);
        try {
            Scenario scenario = ScenarioFile.parse("fleet.yaml", FLEET.formatted(devices));
            RunResult result = SimRunner.run(scenario, scenario.variants().get(0), 1);
            assertThat(result.metrics()).containsEntry("gateway.missing", 0L);
            // A closing explicit collection of this test's own, numbered past every collection its collector made so
            // far: notifications come in order, so once it has come, every one before it has.
            Map<String, Long> before = new HashMap<>();
            for (GarbageCollectorMXBean gc : collectors) before.put(gc.getName(), gc.getCollectionCount());
            Predicate<Collection> closing = c -> c.id() > before.getOrDefault(c.collector(), Long.MAX_VALUE);
            System.gc();
            await().atMost(Duration.ofSeconds(30)).until(() -> explicit.stream().anyMatch(closing));
            return (int) explicit.stream().filter(closing.negate()).count();
        } finally {
            for (GarbageCollectorMXBean gc : collectors) ((NotificationEmitter) gc).removeNotificationListener(listener);
        }
    }

    /** The child JVM's entry: runs a fleet of {@code args[0]} devices and prints the explicit collections it asked for. */
    public static void main(String[] args) throws Exception {
        System.out.println("explicit collections: " + explicitCollections(Integer.parseInt(args[0])));
        System.exit(0); // nothing the run left behind keeps this JVM
    }

    /** Runs {@link #main} in a JVM of its own with a young generation of {@code young}, and returns what it printed. */
    private static int explicitCollectionsInAJvmWith(String young, int devices) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path output = Files.createTempFile("fleet-compaction", ".out");
        Process child = new ProcessBuilder(java, "-XX:+UseSerialGC", "-Xms1g", "-Xmx1g", "-Xmn" + young,
                "-cp", System.getProperty("java.class.path"), FleetCompactionTest.class.getName(), String.valueOf(devices))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            boolean ended = child.waitFor(120, TimeUnit.SECONDS);
            String printed = Files.readString(output);
            assertThat(ended).as("the child ended within 120 s: %s", printed).isTrue();
            assertThat(child.exitValue()).as(printed).isZero();
            Matcher count = Pattern.compile("explicit collections: (\\d+)").matcher(printed);
            assertThat(count.find()).as(printed).isTrue();
            return Integer.parseInt(count.group(1));
        } finally {
            child.destroyForcibly();
            Files.deleteIfExists(output);
        }
    }

    @Test
    void shouldCompactAFleetTwiceWhenItsBootFitsTheYoungGeneration() throws Exception {
        assertThat(explicitCollectionsInAJvmWith("640m", SimRunner.COMPACT_FROM_DEVICES)).isEqualTo(2);
    }

    @Test
    void shouldNotCompactAFleetThatAYoungCollectionHasAlreadyCopied() throws Exception {
        assertThat(explicitCollectionsInAJvmWith("8m", SimRunner.COMPACT_FROM_DEVICES)).isZero();
    }

    @Test
    void shouldNotCompactOneDeviceFewerThanTheThreshold() throws Exception {
        assertThat(explicitCollectionsInAJvmWith("640m", SimRunner.COMPACT_FROM_DEVICES - 1)).isZero();
    }
}
