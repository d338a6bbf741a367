package dev.storyloop.console;

import dev.storyloop.device.diag.LostWakerReport;
import dev.storyloop.device.firmware.FirmwareConfig;
import dev.storyloop.device.hal.LiveBoard;
import dev.storyloop.device.live.LiveDevice;
import dev.storyloop.stories.run.SimRunner;
import dev.storyloop.stories.scenario.Scenario;
import dev.storyloop.stories.scenario.ScenarioFile;
import dev.storyloop.testsupport.MosquittoBroker;
import dev.storyloop.testsupport.MosquittoExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The console in a real headless Chromium: a live device with the token-refresh bug, and a
 * replayed trace of story 1. Assertions are on what the page shows; waits are generous and no
 * time is asserted (the machine is shared).
 */
class ConsoleBrowserTest {
    private static final Duration PAGE_WAIT = Duration.ofSeconds(60);
    private static final Path SCREENSHOTS = Path.of("target", "console");

    @RegisterExtension
    static final MosquittoExtension MOSQUITTO = MosquittoExtension.withDefaults();

    @Test
    void shouldShowALiveDevicesStuckTaskItsWaitChainAndTheLostWakerWarning(MosquittoBroker broker) throws Exception {
        // Every HMAC call takes the slow path, and the slow path forgets the waker: the boot's token refresh hangs.
        FirmwareConfig config = FirmwareConfig.builder("console-1").refreshLosesWake(true)
                .hmacTiming(2_000_000L, 40_000_000L, 1).build();
        List<LiveProbe> probes = new CopyOnWriteArrayList<>();
        AtomicLong reportedAtNanos = new AtomicLong();
        WebDriver browser = Chromium.start();
        // The page is open before the device boots, so the warning reaches it by the push stream.
        ConsoleServer console = ConsoleServer.live("127.0.0.1", 0, null, "storyloop device console-1", probes);
        browser.get(console.url());
        await().atMost(PAGE_WAIT).ignoreExceptions().until(() -> browser.findElement(By.id("mode")).getText().equals("LIVE"));
        try (console; LiveDevice device = LiveDevice.start(config, broker.url(), LiveBoard.withSimulatedGpio("console-1"), (d, diagnostics) -> {
                LiveProbe probe = LiveProbe.attach("console-1", d.executor(), diagnostics, d.budget().report());
                diagnostics.onReport(report -> {
                    probe.report(report);
                    if (report instanceof LostWakerReport) reportedAtNanos.compareAndSet(0, System.nanoTime());
                });
                probes.add(probe);
            })) {

            await().atMost(PAGE_WAIT).ignoreExceptions().untilAsserted(() -> {
                WebElement stuck = browser.findElement(By.cssSelector("tr.no-waker[data-task^='token-refresh#']"));
                assertThat(stuck.getText()).contains("PENDING", "HMAC refresh from the source of truth (board worker) [no waker held]",
                        "NO WAKER HELD");
            });
            await().atMost(PAGE_WAIT).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
                    .untilAsserted(() -> assertThat(browser.findElement(By.id("warnings")).getText())
                            .contains("lost-waker: token-refresh#", "HMAC refresh from the source of truth"));
            // A figure for the log, not an assertion: the machine is shared.
            System.out.printf("console: the page showed the lost-waker warning %.0f ms after the device reported it%n",
                    (System.nanoTime() - reportedAtNanos.get()) / 1e6);
            // The loop keeps running around the stuck task: its timers fire and the page says so as it updates.
            await().atMost(PAGE_WAIT).ignoreExceptions().untilAsserted(() -> assertThat(browser.findElement(By.cssSelector("section.device")).getText())
                    .contains("poll time", "schedule delay", "self-wake share").containsPattern("wakes by source [^\\n]*timer \\d+"));
            Chromium.screenshot(browser, SCREENSHOTS.resolve("live-device.png"));

            String tasks = new String(new java.net.URL("http://127.0.0.1:" + console.port() + "/tasks").openStream().readAllBytes(),
                    StandardCharsets.UTF_8);
            assertThat(tasks).contains("\"task\":\"token-refresh#", "\"noWaker\":true");
        } finally {
            browser.quit();
        }
    }

    @Test
    void shouldShowTheHungRequestAndWhatItWaitedOnWhenAReplayOfStoryOneIsScrubbedToItsWarning(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("story1-at-210.jsonl");
        recordStoryOne(trace);
        TraceIndex index = TraceIndex.load(trace);
        WebDriver browser = Chromium.start();
        try (ConsoleServer console = ConsoleServer.replay("127.0.0.1", 0, null, "the-waker-that-never-came · at-210", index)) {
            browser.get(console.url());
            // It opens at the first warning of the run.
            TraceIndex.Warning first = index.warnings().get(0);
            await().atMost(PAGE_WAIT).ignoreExceptions().untilAsserted(() -> assertThat(browser.findElement(By.id("clock")).getText())
                    .isEqualTo(String.format(java.util.Locale.ROOT, "%.6f s", first.atNanos() / 1e9)));

            // Scrub to the first warning about a request: its link in the warning list.
            WebElement requestWarning = browser.findElements(By.cssSelector("#warnings li.lost-waker")).stream()
                    .filter(li -> li.getText().contains(" request#")).findFirst().orElseThrow();
            String device = requestWarning.getText().split(" ")[2];
            requestWarning.findElement(By.tagName("a")).click();

            await().atMost(PAGE_WAIT).ignoreExceptions().untilAsserted(() -> {
                List<WebElement> hung = browser.findElements(By.cssSelector("tr.no-waker.marked[data-task^='request#']"));
                assertThat(hung).as("the warned request's row").hasSize(1);
                assertThat(hung.get(0).getAttribute("data-device")).isEqualTo(device);
                assertThat(hung.get(0).getText()).contains("PENDING", "HMAC refresh from the source of truth (board worker) [no waker held]",
                        "NO WAKER HELD");
            });
            assertThat(browser.findElements(By.cssSelector("tr[data-device]"))).as("the table shows the warned device only")
                    .allSatisfy(row -> assertThat(row.getAttribute("data-device")).isEqualTo(device));
            assertThat(browser.findElement(By.id("warnings")).getText()).contains(device + " lost-waker: request#");
            Chromium.screenshot(browser, SCREENSHOTS.resolve("replay-story1.png"));
        } finally {
            browser.quit();
        }
    }

    /** Story 1's at-210 variant, cut to 5 simulated seconds (its first hung request comes at about 3 s). */
    private static void recordStoryOne(Path trace) throws Exception {
        String yaml = Files.readString(Path.of("the-waker-that-never-came", "scenario.yaml"));
        String shorter = yaml.replaceFirst("(?m)^duration: .*$", "duration: 5s");
        assertThat(shorter).as("story 1 names its duration on a line of its own").contains("duration: 5s");
        Scenario scenario = ScenarioFile.parse("story 1, 5 s", shorter);
        Scenario.Variant at210 = scenario.variants().stream().filter(v -> v.name().equals("at-210")).findFirst().orElseThrow();
        try (BufferedWriter out = Files.newBufferedWriter(trace, StandardCharsets.UTF_8)) {
            SimRunner.run(scenario, at210, scenario.seed(), SimRunner.Progress.NONE, out);
        }
    }
}
