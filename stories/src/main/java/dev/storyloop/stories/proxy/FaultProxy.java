package dev.storyloop.stories.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * A TCP proxy between live clients and the broker that realises a scenario's network section as
 * the simulated links model it: latency, seeded jitter, bandwidth, loss (as retransmission delay),
 * and partitions one way or both, per route or for all, scheduled or open until healed.
 *
 * <p>Each route (a device, or the gateway) gets its own listening port on 127.0.0.1; a client that
 * connects to it is connected to the broker, and each direction of that connection is a
 * {@link ProxyDirection}. A route's partition outlives its connections: a client that reconnects
 * during a partition reaches the proxy, but its packets wait, as in the simulated world.
 *
 * <p>A shell: it reads the clock and owns sockets and one event loop thread, on which every route,
 * connection and counter lives (so nothing here needs a lock, and a route's PRNG draws in the order
 * packets arrive). Closing the proxy closes every route and connection.
 */
public final class FaultProxy implements AutoCloseable {
    /** The most routes one proxy serves (one per device, plus the gateway). */
    public static final int ROUTES_MAX = 10_000;
    /** The longest the caller waits for the event loop to run a command. */
    private static final long COMMAND_WAIT_SECONDS = 30;

    private final InetSocketAddress broker;
    private final long seed;
    private final EventLoopGroup loop;
    private final LongSupplier clock = System::nanoTime;
    private final Map<String, Route> routes = new TreeMap<>(); // by name: sorted, so totals and closing go in one order

    private FaultProxy(InetSocketAddress broker, long seed) {
        this.broker = broker;
        this.seed = seed;
        this.loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    /** A proxy in front of the broker at {@code host:port}; jitter and loss draw from PRNGs seeded from {@code seed}. */
    public static FaultProxy start(String host, int port, long seed) {
        return new FaultProxy(new InetSocketAddress(host, port), seed);
    }

    /**
     * Opens a route named {@code name} with these faults towards the broker ({@code up}) and towards
     * the client ({@code down}); returns its port on 127.0.0.1.
     */
    public int open(String name, LinkFaults up, LinkFaults down) {
        Objects.requireNonNull(up, "up");
        Objects.requireNonNull(down, "down");
        return call(() -> {
            if (routes.containsKey(name)) throw new IllegalArgumentException("route '" + name + "' is already open");
            if (routes.size() >= ROUTES_MAX) throw new IllegalStateException("the proxy serves at most " + ROUTES_MAX + " routes");
            Route route = new Route(name, up, down, new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (routes.size() + 1))));
            routes.put(name, route);
            return route;
        }).bind();
    }

    /** Partitions the route {@code name} (null: every route) in the directions given, for {@code forNanos} from now (Long.MAX_VALUE: until healed). */
    public void partition(String name, boolean up, boolean down, long forNanos) {
        if (forNanos <= 0) throw new IllegalArgumentException("a partition lasts > 0 ns");
        run(() -> {
            long until = forNanos == Long.MAX_VALUE ? Long.MAX_VALUE : clock.getAsLong() + forNanos;
            for (Route route : select(name)) route.partition(up, down, until);
        });
    }

    /** Ends the partitions of route {@code name} (null: every route) now. */
    public void heal(String name) {
        run(() -> {
            for (Route route : select(name)) route.heal();
        });
    }

    /** From now on the route {@code name} (null: every route) has no jitter, loss or bandwidth limit; latency stays (the scenario's heals-at). */
    public void healFaults(String name) {
        run(() -> {
            for (Route route : select(name)) route.healFaults();
        });
    }

    /** The counters of route {@code name}, or of every route when null. */
    public ProxyCounters counters(String name) {
        return call(() -> {
            ProxyCounters sum = ProxyCounters.ZERO;
            for (Route route : select(name)) sum = sum.plus(route.counters());
            return sum;
        });
    }

    @Override
    public void close() {
        try {
            run(() -> {
                for (Route route : routes.values()) route.close();
            });
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private List<Route> select(String name) {
        if (name == null) return List.copyOf(routes.values());
        Route route = routes.get(name);
        if (route == null) throw new IllegalArgumentException("no route named '" + name + "'; open: " + routes.keySet());
        return List.of(route);
    }

    private void run(Runnable command) {
        call(() -> {
            command.run();
            return null;
        });
    }

    private <T> T call(Callable<T> command) {
        try {
            return loop.next().submit(command).get(COMMAND_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) throw runtime;
            throw new IllegalStateException("fault proxy: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("fault proxy: interrupted", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("fault proxy: its event loop did not answer in " + COMMAND_WAIT_SECONDS + " s", e);
        }
    }

    /** One route: a listening port, its faults and partitions, its connections (event loop thread only). */
    private final class Route {
        final String name;
        LinkFaults up;
        LinkFaults down;
        final SplittableRandom random;
        long upCutUntil;
        long downCutUntil;
        Channel server;
        final List<Connection> connections = new ArrayList<>();
        long accepted;
        long brokerRefused;
        long unframed;
        ProxyCounters closedTotals = ProxyCounters.ZERO;

        Route(String name, LinkFaults up, LinkFaults down, SplittableRandom random) {
            this.name = name;
            this.up = up;
            this.down = down;
            this.random = random;
        }

        int bind() {
            ChannelFuture bound = new ServerBootstrap().group(loop).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.AUTO_READ, false) // until the broker side is connected
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel client) {
                            accept(client);
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly();
            Channel channel = bound.channel();
            call(() -> server = channel);
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        void accept(SocketChannel client) {
            accepted++;
            Connection connection = new Connection(this, client);
            connections.add(connection);
            new Bootstrap().group(client.eventLoop()).channel(NioSocketChannel.class)
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel toBroker) {
                            connection.attach(toBroker);
                        }
                    })
                    .connect(broker).addListener((ChannelFutureListener) done -> {
                        if (done.isSuccess()) {
                            connection.start();
                        } else {
                            brokerRefused++;
                            client.close();
                        }
                    });
            client.closeFuture().addListener(f -> connection.clientClosed());
        }

        void partition(boolean upward, boolean downward, long until) {
            if (upward) upCutUntil = Math.max(upCutUntil, until);
            if (downward) downCutUntil = Math.max(downCutUntil, until);
            for (Connection c : connections) c.partitioned(upward ? upCutUntil : -1, downward ? downCutUntil : -1);
        }

        void heal() {
            upCutUntil = 0;
            downCutUntil = 0;
            for (Connection c : connections) c.healed();
        }

        void healFaults() {
            up = up.healed();
            down = down.healed();
            for (Connection c : connections) c.reprofile(up, down);
        }

        void retire(Connection connection) {
            if (connections.remove(connection)) closedTotals = closedTotals.plus(connection.counters());
        }

        ProxyCounters counters() {
            ProxyCounters sum = closedTotals.plus(new ProxyCounters(accepted, brokerRefused, 0, 0, 0, 0, 0, 0, 0, 0, 0, unframed));
            for (Connection c : connections) sum = sum.plus(c.counters());
            return sum;
        }

        void close() {
            if (server != null) server.close();
            for (Connection c : List.copyOf(connections)) c.closeBoth();
        }
    }

    /** Writes wait (not writable) past 256 KiB queued in Netty towards a slow reader; the direction then holds, up to its own bound. */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(128 * 1024, 256 * 1024);

    /** One client's connection and its connection to the broker (event loop thread only). */
    private final class Connection {
        final Route route;
        final SocketChannel client;
        final MqttFramer clientFramer = new MqttFramer();
        final MqttFramer brokerFramer = new MqttFramer();
        SocketChannel toBroker;
        ProxyDirection upward;   // client -> broker
        ProxyDirection downward; // broker -> client
        boolean retired;

        Connection(Route route, SocketChannel client) {
            this.route = route;
            this.client = client;
        }

        /** The broker side's channel exists: both directions are wired (reading starts in {@link #start}). */
        void attach(SocketChannel broker) {
            toBroker = broker;
            upward = new ProxyDirection(client, broker, route.up, route.random, clock, () -> route.upCutUntil);
            downward = new ProxyDirection(broker, client, route.down, route.random, clock, () -> route.downCutUntil);
            client.pipeline().addLast(clientFramer, new Reader(upward, downward));
            broker.pipeline().addLast(brokerFramer, new Reader(downward, upward));
            broker.closeFuture().addListener(f -> brokerClosed());
        }

        void start() {
            if (!client.isActive()) {
                toBroker.close();
                return;
            }
            client.config().setAutoRead(true);
            toBroker.config().setAutoRead(true);
        }

        void clientClosed() {
            if (upward != null && downward != null) {
                upward.offerClose();   // the broker hears of it behind the data already on the way
                downward.targetClosed(); // nothing more can reach the client
            }
            retireIfDone();
        }

        void brokerClosed() {
            downward.offerClose();
            upward.targetClosed();
            retireIfDone();
        }

        /** Once both sides are closed the connection's counters move into the route's totals. */
        void retireIfDone() {
            if (retired || client.isOpen() || (toBroker != null && toBroker.isOpen())) return;
            retired = true;
            if (clientFramer.unframed() || brokerFramer.unframed()) route.unframed++;
            route.retire(this);
        }

        void partitioned(long upUntil, long downUntil) {
            if (upward == null) return;
            if (upUntil >= 0) upward.partitioned(upUntil);
            if (downUntil >= 0) downward.partitioned(downUntil);
        }

        void healed() {
            if (upward == null) return;
            upward.healed();
            downward.healed();
        }

        void reprofile(LinkFaults up, LinkFaults down) {
            if (upward == null) return;
            upward.reprofile(up);
            downward.reprofile(down);
        }

        void closeBoth() {
            client.close();
            if (toBroker != null) toBroker.close();
        }

        ProxyCounters counters() {
            if (upward == null) return ProxyCounters.ZERO;
            return new ProxyCounters(0, 0, upward.packetsRead + downward.packetsRead,
                    upward.packetsForwarded + downward.packetsForwarded, upward.bytesForwarded + downward.bytesForwarded,
                    upward.retransmits + downward.retransmits, upward.heldByPartition + downward.heldByPartition,
                    upward.pausesAtBound + downward.pausesAtBound, Math.max(upward.peakHeldBytes, downward.peakHeldBytes),
                    upward.lostOnClose + downward.lostOnClose, upward.held() + downward.held(), 0);
        }
    }

    /** Hands each packet a side reads to the direction that carries it; writability to the direction writing to this side. */
    private static final class Reader extends ChannelInboundHandlerAdapter {
        private final ProxyDirection from;
        private final ProxyDirection to;

        Reader(ProxyDirection from, ProxyDirection to) {
            this.from = from;
            this.to = to;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            from.offer((ByteBuf) msg);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            to.targetWritable();
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset connection: the other side hears of it as a close, behind the data on the way
        }
    }
}
