package dev.storyloop.stories.scenario;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A story's world and claims, as its {@code scenario.yaml} says: read by {@link ScenarioFile}.
 *
 * <p>Every field has a default, so a scenario says only what its story is about. Ranges are
 * checked as the file is read; a value out of range fails with the file, line and field.
 * {@code variants} run the same world again with any section changed ({@code devices}, {@code network},
 * {@code broker}, {@code gateway}, {@code load}, and the {@code firmware} and {@code commands-every}
 * shorthands): maps merge key by key, lists replace. A claim names its variant's metrics as
 * {@code variant.metric}. {@code plots} lists the per-second series to plot and {@code compare}
 * the metrics summary.md compares across variants (both from the metric catalog; checked before a run).
 */
public record Scenario(String title, String summary, long seed, Duration duration, Devices devices, Network network,
                       Broker broker, Gateway gateway, List<LoadChange> load, List<Variant> variants, List<Claim> expect,
                       List<String> plots, List<String> compare) {
    public static final long DURATION_MAX_NANOS = 24 * 3_600_000_000_000L;
    /** A million: issue 18's fleet in one JVM (about 16 kB of heap a device, bench/README.md). */
    public static final int DEVICES_MAX = 1_000_000;

    @JsonCreator
    public Scenario(@JsonProperty(value = "title", required = true) String title, @JsonProperty("summary") String summary,
                    @JsonProperty("seed") Long seed, @JsonProperty(value = "duration", required = true) Duration duration,
                    @JsonProperty("devices") Devices devices, @JsonProperty("network") Network network,
                    @JsonProperty("broker") Broker broker, @JsonProperty("gateway") Gateway gateway,
                    @JsonProperty("load") List<LoadChange> load, @JsonProperty("variants") List<Variant> variants,
                    @JsonProperty(value = "expect", required = true) List<Claim> expect,
                    @JsonProperty("plots") List<String> plots, @JsonProperty("compare") List<String> compare) {
        this(title, summary == null ? "" : summary.strip(), seed == null ? 1 : seed, duration,
                devices == null ? Devices.DEFAULT : devices, network == null ? Network.DEFAULT : network,
                broker == null ? Broker.DEFAULT : broker, gateway == null ? Gateway.DEFAULT : gateway,
                load == null ? List.of() : List.copyOf(load),
                variants == null || variants.isEmpty() ? List.of(Variant.DEFAULT) : List.copyOf(variants),
                List.copyOf(expect), plots == null ? List.of() : List.copyOf(plots), compare == null ? List.of() : List.copyOf(compare));
    }

    /** This scenario with its variants replaced (each with its own world). */
    public Scenario withVariants(List<Variant> replaced) {
        return new Scenario(title, summary, seed, duration, devices, network, broker, gateway, load, replaced, expect, plots, compare);
    }

    /**
     * This scenario, and each variant's world, cut to {@code shorter} (load changes from then on
     * left out): the simulated twin of a live run shortened with {@code --duration}.
     */
    public Scenario shortenedTo(Duration shorter) {
        if (shorter.nanos() >= duration.nanos()) return this;
        List<Variant> cut = new java.util.ArrayList<>();
        for (Variant v : variants) cut.add(v.world() == null ? v : v.in(v.world().shortenedTo(shorter)));
        List<LoadChange> kept = load.stream().filter(c -> c.at().nanos() < shorter.nanos()).toList();
        return new Scenario(title, summary, seed, shorter, devices, network, broker, gateway, kept, cut, expect, plots, compare);
    }

    /** The world {@code variant} runs: the scenario with the variant's sections merged over it. */
    public Scenario world(Variant variant) {
        return variant.world() != null ? variant.world() : this;
    }

    public Scenario {
        require(!title.isBlank(), "title must not be empty");
        require(duration.nanos() > 0 && duration.nanos() <= DURATION_MAX_NANOS, "duration must be more than 0 and at most 24h");
        require(!expect.isEmpty(), "expect must list at least one claim: a story without claims proves nothing");
        for (LoadChange change : load) require(change.at().nanos() < duration.nanos(), "a load change at " + change.at() + " is after the end");
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (Claim claim : expect) require(ids.add(claim.id()), "claim id '" + claim.id() + "' is used twice; ids must be unique in the file");
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Variant variant : variants) require(names.add(variant.name()), "variant name '" + variant.name() + "' is used twice; names must be different");
        for (Variant variant : variants) {
            require(variant.commandsEvery() == null || gateway.commands() != null, "variant '" + variant.name()
                    + "' sets commands-every, but gateway.commands is not set");
        }
    }

    static void require(boolean condition, String message) {
        if (!condition) throw new IllegalArgumentException(message);
    }

    /** A duration written {@code 250ms}, {@code 1s}, {@code 2m}, {@code 1h}, {@code 40us}. */
    public record Duration(long nanos) {
        private static final Pattern TEXT = Pattern.compile("(\\d{1,12})(ns|us|ms|s|m|h)");

        @JsonCreator
        public static Duration parse(String text) {
            Matcher m = TEXT.matcher(text.trim());
            if (!m.matches()) throw new IllegalArgumentException("'" + text + "' is not a duration like 250ms, 1s, 2m or 1h");
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            return new Duration(Math.multiplyExact(Long.parseLong(m.group(1)), unit));
        }

        @Override
        public String toString() {
            if (nanos % 1_000_000_000L == 0) return nanos / 1_000_000_000L + "s";
            if (nanos % 1_000_000L == 0) return nanos / 1_000_000L + "ms";
            return nanos / 1_000L + "us";
        }
    }

    /** A size written {@code 512}, {@code 64KiB}, {@code 1MiB}. */
    public record Size(long bytes) {
        private static final Pattern TEXT = Pattern.compile("(\\d{1,12})(B|KiB|MiB)?");

        @JsonCreator
        public static Size parse(String text) {
            Matcher m = TEXT.matcher(text.trim());
            if (!m.matches()) throw new IllegalArgumentException("'" + text + "' is not a size like 65536, 64KiB or 1MiB");
            int shift = m.group(2) == null || m.group(2).equals("B") ? 0 : m.group(2).equals("KiB") ? 10 : 20;
            return new Size(Long.parseLong(m.group(1)) << shift);
        }

        /** A plain number is bytes. */
        @JsonCreator
        public static Size ofBytes(long bytes) {
            if (bytes < 0) throw new IllegalArgumentException("a size cannot be negative: " + bytes);
            return new Size(bytes);
        }

        @Override
        public String toString() {
            return bytes % 1024 == 0 ? bytes / 1024 + "KiB" : bytes + "B";
        }
    }

    /**
     * How many devices and what firmware they run; ids are {@code id} with {@code {n}} replaced by 1..count.
     * {@code power-cuts}: boards that lose power at a time (no DISCONNECT), and get it back after a while or never.
     */
    public record Devices(int count, String id, Firmware firmware, List<PowerCut> powerCuts) {
        static final Devices DEFAULT = new Devices(1, "pi-{n}", Firmware.NONE, List.of());

        @JsonCreator
        public Devices(@JsonProperty("count") Integer count, @JsonProperty("id") String id, @JsonProperty("firmware") Firmware firmware,
                       @JsonProperty("power-cuts") List<PowerCut> powerCuts) {
            this(count == null ? 1 : count, id == null ? "pi-{n}" : id, firmware == null ? Firmware.NONE : firmware,
                    powerCuts == null ? List.of() : List.copyOf(powerCuts));
        }

        public Devices {
            require(count >= 1 && count <= DEVICES_MAX, "devices.count must be 1.." + DEVICES_MAX);
            require(count == 1 || id.contains("{n}"), "devices.id needs {n} when there is more than one device");
            for (PowerCut cut : powerCuts) {
                require(cut.device() <= count, "devices.power-cuts: device " + cut.device() + " is beyond devices.count " + count);
            }
        }

        public String idOf(int n) {
            return id.replace("{n}", Integer.toString(n));
        }
    }

    /**
     * Firmware options; a null field keeps the default (or, in a variant, the scenario's value).
     * Names follow {@link dev.storyloop.device.firmware.FirmwareConfig}.
     */
    public record Firmware(@JsonProperty("period") Duration period, @JsonProperty("qos") Integer qos,
                           @JsonProperty("capacity") Integer capacity, @JsonProperty("policy") String policy,
                           @JsonProperty("window") Integer window, @JsonProperty("ram") Size ram,
                           @JsonProperty("keepalive") Duration keepalive, @JsonProperty("backoff-base") Duration backoffBase,
                           @JsonProperty("backoff-cap") Duration backoffCap, @JsonProperty("jitter") Boolean jitter,
                           @JsonProperty("token-refresh") Duration tokenRefresh, @JsonProperty("token-lifetime") Duration tokenLifetime,
                           @JsonProperty("hmac-fast") Duration hmacFast, @JsonProperty("hmac-source-of-truth") Duration hmacSourceOfTruth,
                           @JsonProperty("source-of-truth-one-in") Integer sourceOfTruthOneIn,
                           @JsonProperty("hmac-inline") Boolean hmacInline, @JsonProperty("refresh-loses-wake") Boolean refreshLosesWake,
                           @JsonProperty("loop") String loop, @JsonProperty("request-signing") Boolean requestSigning,
                           @JsonProperty("request-slots") Integer requestSlots, @JsonProperty("request-timeout") Duration requestTimeout,
                           @JsonProperty("hmac-budget-per-second") Integer hmacBudgetPerSecond,
                           @JsonProperty("last-will") Boolean lastWill) {
        static final Firmware NONE = new Firmware(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null);

        public Firmware {
            require(policy == null || List.of("block", "drop-oldest", "drop-newest").contains(policy),
                    "policy must be block, drop-oldest or drop-newest, got '" + policy + "'");
            require(qos == null || qos == 0 || qos == 1, qos != null && qos == 2
                    ? "qos 2 is not modelled: the simulated broker delivers QoS 0 and 1 only (see device-sim/README.md, \"The simulated broker\"); use 0 or 1"
                    : "qos must be 0 or 1");
            require(capacity == null || capacity > 0, "capacity must be > 0");
            require(window == null || window > 0, "window must be > 0");
            require(sourceOfTruthOneIn == null || sourceOfTruthOneIn > 0, "source-of-truth-one-in must be > 0");
            require(loop == null || List.of("tasks", "select-loses-reading", "select-keeps-reading").contains(loop),
                    "loop must be tasks, select-loses-reading or select-keeps-reading, got '" + loop + "'");
        }

        /** This firmware with {@code override}'s non-null fields taking precedence. */
        public Firmware with(Firmware override) {
            if (override == null) return this;
            return new Firmware(pick(override.period, period), pick(override.qos, qos), pick(override.capacity, capacity),
                    pick(override.policy, policy), pick(override.window, window), pick(override.ram, ram),
                    pick(override.keepalive, keepalive), pick(override.backoffBase, backoffBase), pick(override.backoffCap, backoffCap),
                    pick(override.jitter, jitter), pick(override.tokenRefresh, tokenRefresh), pick(override.tokenLifetime, tokenLifetime),
                    pick(override.hmacFast, hmacFast), pick(override.hmacSourceOfTruth, hmacSourceOfTruth),
                    pick(override.sourceOfTruthOneIn, sourceOfTruthOneIn), pick(override.hmacInline, hmacInline),
                    pick(override.refreshLosesWake, refreshLosesWake), pick(override.loop, loop),
                    pick(override.requestSigning, requestSigning), pick(override.requestSlots, requestSlots),
                    pick(override.requestTimeout, requestTimeout), pick(override.hmacBudgetPerSecond, hmacBudgetPerSecond),
                    pick(override.lastWill, lastWill));
        }

        private static <T> T pick(T preferred, T fallback) {
            return preferred != null ? preferred : fallback;
        }
    }

    /**
     * Device number {@code device} (the {@code {n}} of its id) loses power {@code at} into the run: no
     * flush, no "offline", no DISCONNECT; power returns {@code reboot-after} later (null: never).
     */
    public record PowerCut(int device, Duration at, Duration rebootAfter) {
        @JsonCreator
        public PowerCut(@JsonProperty(value = "device", required = true) Integer device,
                        @JsonProperty(value = "at", required = true) Duration at, @JsonProperty("reboot-after") Duration rebootAfter) {
            this((int) device, at, rebootAfter);
        }

        public PowerCut {
            require(device >= 1, "devices.power-cuts: device must be >= 1 (the {n} of its id)");
            require(rebootAfter == null || rebootAfter.nanos() > 0, "devices.power-cuts: reboot-after must be > 0");
        }
    }

    /**
     * The links between every device and the broker, and faults on them. {@code bandwidth} in bytes
     * per second each way (0: unlimited); {@code send-buffer}: each socket's send buffer;
     * {@code heals-at}: from then on no loss, jitter or bandwidth limit (latency stays; null: never).
     */
    public record Network(Duration latency, Duration jitter, double loss, long bandwidthBytesPerSecond, long sendBufferBytes,
                          List<Partition> partitions, Duration healsAt) {
        static final Network DEFAULT = new Network(Duration.parse("2ms"), new Duration(0), 0, 0, 64 * 1024, List.of(), null);

        @JsonCreator
        public Network(@JsonProperty("latency") Duration latency, @JsonProperty("jitter") Duration jitter,
                       @JsonProperty("loss") Double loss, @JsonProperty("bandwidth") Size bandwidth,
                       @JsonProperty("send-buffer") Size sendBuffer, @JsonProperty("partitions") List<Partition> partitions,
                       @JsonProperty("heals-at") Duration healsAt) {
            this(latency == null ? Duration.parse("2ms") : latency, jitter == null ? new Duration(0) : jitter, loss == null ? 0 : loss,
                    bandwidth == null ? 0 : bandwidth.bytes(), sendBuffer == null ? 64 * 1024 : sendBuffer.bytes(),
                    partitions == null ? List.of() : List.copyOf(partitions), healsAt);
        }

        public Network {
            require(loss >= 0 && loss <= 0.5, "network.loss must be 0..0.5");
            require(sendBufferBytes >= 256 && sendBufferBytes <= 16 * 1024 * 1024, "network.send-buffer must be 256 B..16 MiB");
        }
    }

    /** A window of time: from {@code at} for {@code for} (a partition of every device from the broker, or a gateway stop). */
    public record Partition(@JsonProperty(value = "at", required = true) Duration at, @JsonProperty(value = "for", required = true) Duration length) {}

    /**
     * Mosquitto's limits, restarts (down at {@code at} for {@code down}), and how the simulated broker
     * notices a lapsed keepalive: {@code keepalive-check: mosquitto} (the default: Mosquitto 2.0's walk
     * every 6 s in whole seconds) or {@code spec} (exactly 1.5 x keepalive, which no live Mosquitto does).
     * As in Mosquitto, a limit of 0 means none: {@code max-queued: 0} queues without limit, so nothing
     * is dropped as queue-full.
     */
    public record Broker(int maxInflight, int maxQueued, List<Restart> restarts, String keepaliveCheck) {
        public static final List<String> KEEPALIVE_CHECKS = List.of("mosquitto", "spec");
        static final Broker DEFAULT = new Broker(20, 1000, List.of(), "mosquitto");

        @JsonCreator
        public Broker(@JsonProperty("max-inflight") Integer maxInflight, @JsonProperty("max-queued") Integer maxQueued,
                      @JsonProperty("restarts") List<Restart> restarts, @JsonProperty("keepalive-check") String keepaliveCheck) {
            this(maxInflight == null ? 20 : maxInflight, maxQueued == null ? 1000 : maxQueued, restarts == null ? List.of() : List.copyOf(restarts),
                    keepaliveCheck == null ? "mosquitto" : keepaliveCheck);
        }

        public Broker {
            require(maxInflight >= 0 && maxQueued >= 0, "broker limits must be >= 0 (0: none)");
            require(KEEPALIVE_CHECKS.contains(keepaliveCheck),
                    "broker.keepalive-check must be mosquitto or spec, got '" + keepaliveCheck + "'");
        }
    }

    public record Restart(@JsonProperty(value = "at", required = true) Duration at, @JsonProperty(value = "down", required = true) Duration down) {}

    /**
     * The gateway: flow control, what each frame costs it, when a device is stale, commands it sends,
     * and stops: its MQTT side goes away at {@code at} for {@code for} (a clean disconnect; its
     * persistent session keeps QoS 1 frames at the broker, up to the broker's {@code max-queued}).
     * {@code lan}: the gateway sits next to the broker (a loopback-like link) instead of on the
     * devices' {@code network}.
     */
    public record Gateway(boolean flowControl, Duration costPerFrame, int stalePeriods, Commands commands, List<Partition> stops, boolean lan) {
        static final Gateway DEFAULT = new Gateway(true, new Duration(0), 3, null, List.of(), false);

        @JsonCreator
        public Gateway(@JsonProperty("flow-control") Boolean flowControl, @JsonProperty("cost-per-frame") Duration costPerFrame,
                       @JsonProperty("stale-periods") Integer stalePeriods, @JsonProperty("commands") Commands commands,
                       @JsonProperty("stops") List<Partition> stops, @JsonProperty("lan") Boolean lan) {
            this(flowControl == null || flowControl, costPerFrame == null ? new Duration(0) : costPerFrame,
                    stalePeriods == null ? 3 : stalePeriods, commands, stops == null ? List.of() : List.copyOf(stops), lan != null && lan);
        }

        public Gateway {
            require(stalePeriods > 0, "gateway.stale-periods must be > 0");
        }
    }

    /** The gateway sends {@code command} with {@code argument} to every device every {@code every}. */
    public record Commands(@JsonProperty(value = "every", required = true) Duration every,
                           @JsonProperty(value = "command", required = true) String command,
                           @JsonProperty("argument") Integer argument) {
        public Commands {
            require(every.nanos() >= 1_000_000L, "commands.every must be at least 1ms");
            require(List.of("set-sample-period", "set-overflow-policy", "blink", "reboot").contains(command),
                    "commands.command must be set-sample-period, set-overflow-policy, blink or reboot");
        }
    }

    /** From {@code at} on, every device samples every {@code period}. */
    public record LoadChange(@JsonProperty(value = "at", required = true) Duration at, @JsonProperty(value = "period", required = true) Duration period) {}

    /**
     * A run of the same world with some sections changed. {@code overrides} names the sections it
     * sets; {@code world} is the scenario with them merged (maps key by key, lists replaced), made
     * by {@link ScenarioFile}; null for the default variant, which runs the scenario as it is.
     */
    public record Variant(String name, Firmware firmware, Duration commandsEvery, List<String> overrides, Scenario world) {
        static final Variant DEFAULT = new Variant("run", null, null, List.of(), null);
        /** The sections a variant may set, besides the {@code firmware} and {@code commands-every} shorthands. */
        public static final List<String> SECTIONS = List.of("devices", "network", "broker", "gateway", "load");

        @JsonCreator
        public Variant(@JsonProperty(value = "name", required = true) String name, @JsonProperty("firmware") Firmware firmware,
                       @JsonProperty("commands-every") Duration commandsEvery, @JsonProperty("devices") JsonNode devices,
                       @JsonProperty("network") JsonNode network, @JsonProperty("broker") JsonNode broker,
                       @JsonProperty("gateway") JsonNode gateway, @JsonProperty("load") JsonNode load) {
            this(name, firmware, commandsEvery, sections(firmware, commandsEvery, devices, network, broker, gateway, load), null);
        }

        public Variant {
            require(name.matches("[a-z0-9][a-z0-9-]{0,31}"), "variant name '" + name + "' must be lower-case letters, digits and -");
            require(commandsEvery == null || commandsEvery.nanos() >= 1_000_000L, "commands-every must be at least 1ms");
            overrides = List.copyOf(overrides);
        }

        private static List<String> sections(Firmware firmware, Duration commandsEvery, JsonNode devices, JsonNode network, JsonNode broker,
                                             JsonNode gateway, JsonNode load) {
            List<String> set = new java.util.ArrayList<>();
            if (firmware != null) set.add("firmware");
            if (commandsEvery != null) set.add("commands-every");
            if (devices != null) set.add("devices");
            if (network != null) set.add("network");
            if (broker != null) set.add("broker");
            if (gateway != null) set.add("gateway");
            if (load != null) set.add("load");
            return set;
        }

        /** This variant running {@code merged}. */
        public Variant in(Scenario merged) {
            return new Variant(name, firmware, commandsEvery, overrides, merged);
        }
    }

    /**
     * One claim of the story: {@code metric op value} (a number or a text), or {@code metric op other}
     * (another metric), with an optional absolute {@code tolerance} for {@code ==}. {@code id} names
     * the claim for links ({@code results/summary.md#ID}) so inserting a claim re-points nothing;
     * {@code refuted} marks a claim the story says does not hold (the assumption that turned out
     * wrong): the run then fails only if it holds.
     */
    public record Claim(String id, String claim, String metric, String op, Object value, String other, Double tolerance, boolean refuted) {
        static final List<String> OPS = List.of("==", "!=", "<", "<=", ">", ">=", "contains");
        static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,47}");

        @JsonCreator
        public Claim(@JsonProperty(value = "id", required = true) String id, @JsonProperty(value = "claim", required = true) String claim,
                     @JsonProperty(value = "metric", required = true) String metric, @JsonProperty(value = "op", required = true) String op,
                     @JsonProperty("value") Object value, @JsonProperty("other") String other, @JsonProperty("tolerance") Double tolerance,
                     @JsonProperty("refuted") Boolean refuted) {
            this(id, claim, metric, op, value, other, tolerance, refuted != null && refuted);
        }

        public Claim {
            require(ID.matcher(id).matches(), "claim id '" + id + "' must be lower-case letters, digits and - (at most 48)");
            require(op != null && !op.isEmpty(), "op is empty: an unquoted > or | starts a YAML block; quote it, e.g. op: \">\"");
            require(OPS.contains(op), "op must be one of " + OPS + ", got '" + op + "'");
            require((value == null) != (other == null), "a claim needs exactly one of value and other");
            require(tolerance == null || tolerance >= 0, "tolerance must be >= 0");
            require(value == null || value instanceof Number || value instanceof String || value instanceof Boolean,
                    "value must be a number, a text or true/false");
        }

        public String describe() {
            String right = other != null ? other : value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
            return metric + " " + op + " " + right + (tolerance != null ? String.format(Locale.ROOT, " ± %s", tolerance) : "");
        }
    }
}
