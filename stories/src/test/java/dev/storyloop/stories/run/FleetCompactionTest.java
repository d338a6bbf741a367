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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A fleet's boot is compacted (SimRunner.COMPACT_FROM_DEVICES, {@link Compactor}) after the devices are built and
 * after the first simulated second, unless the JVM collected in between; a story's few devices never are. Counted
 * from the collectors' notifications of collections caused by {@code System.gc()}, which nothing else in these runs
 * asks for. The fleets run in a JVM of their own under the serial collector, whose young generation's size decides
 * whether a young collection comes between the steps; this JVM's collector sizes its own as it likes.
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

    /** Runs a fleet of {@code devices} and returns how many explicit collections the run asked for. */
    private static int explicitCollections(int devices) throws Exception {
        // The collections System.gc() caused, as "collector#id" (each collector numbers its own from 1).
        List<String> explicit = new CopyOnWriteArrayList<>();
        NotificationListener listener = (notification, handback) -> {
            if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) return;
            GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
            if ("System.gc()".equals(info.getGcCause())) explicit.add(info.getGcName() + "#" + info.getGcInfo().getId());
        };
        List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
        for (GarbageCollectorMXBean gc : collectors) ((NotificationEmitter) gc).addNotificationListener(listener, null, null);
        try {
            Scenario scenario = ScenarioFile.parse("fleet.yaml", FLEET.formatted(devices));
            RunResult result = SimRunner.run(scenario, scenario.variants().get(0), 1);
            assertThat(result.metrics()).containsEntry("gateway.missing", 0L);
            // A closing collection of this test's own, numbered past every collection so far: notifications come in
            // order, so once its own has come, every one before it has.
            Set<String> closing = new HashSet<>();
            for (GarbageCollectorMXBean gc : collectors) closing.add(gc.getName() + "#" + (gc.getCollectionCount() + 1));
            System.gc();
            await().until(() -> explicit.stream().anyMatch(closing::contains));
            return (int) explicit.stream().filter(collection -> !closing.contains(collection)).count();
        } finally {
            for (GarbageCollectorMXBean gc : collectors) ((NotificationEmitter) gc).removeNotificationListener(listener);
        }
    }

    /** The child JVM's entry: runs a fleet of {@code args[0]} devices and prints the explicit collections it asked for. */
    public static void main(String[] args) throws Exception {
        System.out.println("explicit collections: " + explicitCollections(Integer.parseInt(args[0])));
    }

    /** Runs {@link #main} in a JVM of its own with a young generation of {@code young}, and returns what it printed. */
    private static int explicitCollectionsInAJvmWith(String young, int devices) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-XX:+UseSerialGC", "-Xms1g", "-Xmx1g", "-Xmn" + young,
                "-cp", System.getProperty("java.class.path"), FleetCompactionTest.class.getName(), String.valueOf(devices))
                .redirectErrorStream(true).start();
        try {
            String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(child.waitFor(120, TimeUnit.SECONDS)).as(output).isTrue();
            assertThat(child.exitValue()).as(output).isZero();
            Matcher count = Pattern.compile("explicit collections: (\\d+)").matcher(output);
            assertThat(count.find()).as(output).isTrue();
            return Integer.parseInt(count.group(1));
        } finally {
            child.destroyForcibly();
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
    void shouldNotCompactAStorysFewDevices() throws Exception {
        assertThat(explicitCollections(3)).isZero();
    }
}
