package dev.storyloop.console;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A headless Chromium for the console's browser tests: Debian's {@code chromium} driven through its
 * {@code chromedriver}, both found on this machine (Selenium never downloads a browser or driver).
 *
 * <p>Without them the tests are skipped with one line, except under {@code CI=true}, where they
 * fail: CI installs both ({@code .ci/run}), so their absence there is a broken setup, not a skip.
 */
final class Chromium {
    static final List<String> BROWSERS = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");
    static final List<String> DRIVERS = List.of("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");

    private Chromium() {}

    /** A headless browser, or the test is skipped (failed under CI=true) with one line saying what to install. */
    static WebDriver start() {
        Optional<String> browser = first(BROWSERS);
        Optional<String> driver = first(DRIVERS);
        if (browser.isEmpty() || driver.isEmpty()) {
            String missing = "no " + (browser.isEmpty() ? "chromium" : "chromedriver") + " on this machine (apt-get install chromium chromium-driver)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new IllegalStateException(missing + "; required because CI=true");
            Assumptions.abort(missing);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(browser.get());
        // Root in a container has no user namespaces for Chromium's sandbox; /dev/shm may be tiny.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--no-first-run", "--disable-extensions");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(driver.get())).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    static void screenshot(WebDriver driver, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    private static Optional<String> first(List<String> candidates) {
        return candidates.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst();
    }
}
