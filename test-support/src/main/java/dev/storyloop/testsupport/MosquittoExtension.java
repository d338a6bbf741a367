package dev.storyloop.testsupport;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestWatcher;
import org.testcontainers.DockerClientFactory;

import java.nio.file.Path;

/**
 * Gives a test class a running Mosquitto broker, chosen by {@link BrokerChoice}.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final MosquittoExtension MOSQUITTO = MosquittoExtension.with(BrokerConfig.defaults().withMaxQueuedMessages(0));
 *
 * @Test void shouldDeliver() { connect(MOSQUITTO.broker().url()); ... }
 * }</pre>
 *
 * <p>The broker starts before the first test and is closed after the last. A test that killed or
 * paused it hands the next test a running broker again (same port). When a test fails, the
 * broker's recent log is printed with it. Test methods may also take a {@link MosquittoBroker}
 * parameter.
 */
public final class MosquittoExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback,
        AfterAllCallback, ParameterResolver, TestWatcher {

    private static Boolean dockerAvailable; // asked once per JVM: the check can take a second

    private final BrokerConfig config;
    private MosquittoBroker broker;
    private boolean startedForOneTest;
    private String skipReason; // set when no broker can be had: every test of the class is reported skipped

    private MosquittoExtension(BrokerConfig config) {
        this.config = config;
    }

    public static MosquittoExtension withDefaults() {
        return new MosquittoExtension(BrokerConfig.defaults());
    }

    public static MosquittoExtension with(BrokerConfig config) {
        return new MosquittoExtension(config);
    }

    /** The running broker; only valid inside a test or a lifecycle method after this extension's. */
    public MosquittoBroker broker() {
        if (broker == null) throw new IllegalStateException("the broker starts in beforeAll/beforeEach; none is running now");
        return broker;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        broker = open();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (broker == null && skipReason == null) { // registered on an instance field: one broker per test
            broker = open();
            startedForOneTest = broker != null;
        } else if (broker != null && broker.controllable()) {
            // An earlier test may have paused or killed it; every test starts with a running broker.
            broker.resume();
            if (!broker.isRunning()) broker.restart();
        }
        if (skipReason != null) Assumptions.abort(skipReason);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (startedForOneTest) closeBroker();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        closeBroker();
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        if (broker == null) return;
        System.err.println("---- broker log (" + broker.description() + ") for failed test " + context.getDisplayName() + " ----");
        System.err.print(broker.recentLog());
        System.err.println("---- end of broker log ----");
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == MosquittoBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return broker();
    }

    private void closeBroker() {
        if (broker == null) return;
        try {
            broker.close();
        } finally {
            broker = null;
            startedForOneTest = false;
        }
    }

    private MosquittoBroker open() {
        BrokerChoice choice = BrokerChoice.decide(System.getenv(), MosquittoExtension::isDockerAvailable,
                () -> Executables.find("mosquitto"));
        switch (choice.kind()) {
            case EXTERNAL:
                Assumptions.assumeFalse(config.needsOwnBroker(),
                        "this test sets " + config + ", which an external broker (STORYLOOP_BROKER_URL) does not have");
                return new ExternalBroker(choice.detail());
            case CONTAINER:
                return ContainerMosquitto.start(config);
            case LOCAL:
                return LocalMosquitto.start(Path.of(choice.detail()), config);
            case SKIP:
                // Aborting here would hide the class from the report; each test is aborted instead, and the
                // reason is printed once so the build output says why the broker tests did not run.
                if (skipReason == null) System.err.println("storyloop: broker tests skipped: " + choice.detail());
                skipReason = choice.detail();
                return null;
            case FAIL:
                throw new ExtensionConfigurationException(choice.detail());
            default:
                throw new AssertionError(choice.kind());
        }
    }

    private static synchronized boolean isDockerAvailable() {
        if (dockerAvailable == null) {
            boolean available;
            try {
                available = DockerProbe.mightBeAvailable() && DockerClientFactory.instance().isDockerAvailable();
            } catch (Throwable e) { // a broken Docker set-up means "no Docker", not a failed test
                available = false;
            }
            dockerAvailable = available;
        }
        return dockerAvailable;
    }
}
