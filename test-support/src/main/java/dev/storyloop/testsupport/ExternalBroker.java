package dev.storyloop.testsupport;

import org.junit.jupiter.api.Assumptions;

import java.net.URI;

/** A broker named by {@code STORYLOOP_BROKER_URL}: used as it is; fault tests that need control skip. */
public final class ExternalBroker implements MosquittoBroker {
    private final String host;
    private final int port;
    private final String url;

    public ExternalBroker(String url) {
        URI uri = URI.create(url.trim());
        if (!"tcp".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("STORYLOOP_BROKER_URL must look like tcp://host:1883, got '" + url + "'");
        }
        this.host = uri.getHost();
        this.port = uri.getPort() > 0 ? uri.getPort() : 1883;
        this.url = "tcp://" + host + ":" + port;
    }

    @Override public String url() { return url; }
    @Override public String host() { return host; }
    @Override public int port() { return port; }
    @Override public String description() { return "external broker " + url + " (STORYLOOP_BROKER_URL)"; }
    @Override public boolean controllable() { return false; }
    @Override public boolean isRunning() { return true; }
    @Override public String recentLog() { return "(an external broker's log is not visible to the fixture)"; }
    @Override public void close() {}

    @Override public void stop() { uncontrolled("stop"); }
    @Override public void kill() { uncontrolled("kill"); }
    @Override public void restart() { uncontrolled("restart"); }
    @Override public void pause() { uncontrolled("pause"); }
    @Override public void resume() { uncontrolled("resume"); }

    private void uncontrolled(String action) {
        Assumptions.abort("cannot " + action + " " + description() + "; fault tests need a broker the fixture starts");
    }
}
