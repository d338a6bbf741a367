package dev.storyloop.gateway.store;

import dev.storyloop.gateway.core.SequenceWindow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatewayStoreTest {
    @TempDir
    Path dir;

    @Test
    void shouldCreateAMissingStoreAndGiveEveryProcessAHigherEpoch() {
        Path file = dir.resolve("books.store");
        try (GatewayStore first = GatewayStore.open(file)) {
            assertThat(first.created()).isTrue();
            assertThat(first.epoch()).isEqualTo(1);
        }
        try (GatewayStore second = GatewayStore.open(file)) {
            assertThat(second.created()).isFalse();
            assertThat(second.epoch()).isEqualTo(2);
        }
    }

    @Test
    void shouldGiveBackWhatWasWrittenInIdOrder() {
        Path file = dir.resolve("books.store");
        SequenceWindow window = new SequenceWindow(1024);
        for (long s = 10; s < 20; s++) window.accept(s);
        long[] saved = new long[SequenceWindow.savedLongs(1024)];
        window.saveTo(saved);
        try (GatewayStore store = GatewayStore.open(file)) {
            store.write(List.of(new DeviceState("b", 7, saved), new DeviceState("a", 3, saved)));
            store.write(List.of(new DeviceState("a", 4, saved)));
            assertThat(store.batches()).isEqualTo(2);
        }
        try (GatewayStore store = GatewayStore.open(file)) {
            List<DeviceState> devices = store.devices();
            assertThat(devices).extracting(DeviceState::id).containsExactly("a", "b");
            assertThat(devices.get(0).commandSequence()).as("the later batch wins").isEqualTo(4);
            SequenceWindow restored = new SequenceWindow(1024);
            assertThat(restored.restore(devices.get(1).window())).isTrue();
            assertThat(restored.received()).isEqualTo(10);
            assertThat(restored.accept(15)).isEqualTo(SequenceWindow.Verdict.DUPLICATE);
        }
    }

    @Test
    void shouldRefuseACorruptFileWithAClearErrorAndLeaveItAlone() throws Exception {
        Path file = Files.write(dir.resolve("books.store"), "this is not a store, it is a note\n".repeat(200).getBytes());
        byte[] before = Files.readAllBytes(file);
        assertThatThrownBy(() -> GatewayStore.open(file)).isInstanceOf(GatewayStore.StoreException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("move it away");
        assertThat(Files.readAllBytes(file)).as("never a silent reset").isEqualTo(before);
    }

    @Test
    void shouldRefuseATruncatedStore() throws Exception {
        Path file = dir.resolve("books.store");
        try (GatewayStore store = GatewayStore.open(file)) {
            List<DeviceState> batch = new ArrayList<>();
            for (int i = 0; i < 100; i++) batch.add(new DeviceState("d-" + i, i, new long[SequenceWindow.savedLongs(1024)]));
            store.write(batch);
        }
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(whole, 100));
        assertThatThrownBy(() -> GatewayStore.open(file)).isInstanceOf(GatewayStore.StoreException.class).hasMessageContaining("move it away");
    }

    @Test
    void shouldRefuseADirectory() {
        assertThatThrownBy(() -> GatewayStore.open(dir)).isInstanceOf(GatewayStore.StoreException.class).hasMessageContaining("not a regular file");
    }

    /**
     * The store's cost, measured and printed (never asserted: the machine is shared): batches as
     * the gateway writes them, each device's window (1,024 numbers: 144 longs) encoded and committed.
     */
    @Test
    void shouldCommitEveryBatchAndReportWhatACommitCosts() {
        Path file = dir.resolve("books.store");
        int batches = 3_000;
        for (int devicesPerBatch : new int[] {1, 10, 100}) {
            long[] window = new long[SequenceWindow.savedLongs(1024)];
            new SequenceWindow(1024).saveTo(window);
            long[] nanos = new long[batches];
            try (GatewayStore store = GatewayStore.open(file)) {
                for (int b = 0; b < batches; b++) {
                    List<DeviceState> batch = new ArrayList<>(devicesPerBatch);
                    for (int d = 0; d < devicesPerBatch; d++) batch.add(new DeviceState("dev-" + ((b * devicesPerBatch + d) % 1_000), b, window));
                    long start = System.nanoTime();
                    store.write(batch);
                    nanos[b] = System.nanoTime() - start;
                }
                assertThat(store.batches()).isEqualTo(batches);
            }
            java.util.Arrays.sort(nanos);
            long size = file.toFile().length();
            assertThat(size).as("compaction keeps the file bounded: it holds the books of at most 1,000 devices").isLessThan(16L << 20);
            System.out.printf("store commit cost: %d batches of %d devices: median %.1f us, p99 %.1f us, max %.1f us; file %d KiB%n",
                    batches, devicesPerBatch, nanos[batches / 2] / 1e3, nanos[batches * 99 / 100] / 1e3, nanos[batches - 1] / 1e3, size / 1024);
            try (GatewayStore reopened = GatewayStore.open(file)) {
                assertThat(reopened.devices()).hasSize(Math.min(1_000, batches * devicesPerBatch));
            }
        }
    }
}
