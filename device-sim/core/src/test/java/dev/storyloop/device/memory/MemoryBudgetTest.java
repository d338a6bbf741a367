package dev.storyloop.device.memory;

import dev.storyloop.device.chan.Channel;
import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.exec.Executor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MemoryBudgetTest {

    @Test
    void shouldFailBootWithALinkerStyleMessageWhenReservationsOverflow() {
        MemoryBudget budget = new MemoryBudget("device 'pi-1'", 16 * 1024);
        Executor.builder("pi-1").taskCapacity(4).timerCapacity(8).budget(budget).build();
        Channel.create(budget, "uplink", 64, 256, OverflowPolicy.BLOCK);

        assertThatThrownBy(budget::seal)
                .isInstanceOf(BudgetExceededException.class)
                .hasMessage("device 'pi-1': RAM overflowed by 2.4 KiB (18.4 KiB reserved of 16 KiB): "
                        + "task slots 4 x 512 B = 2 KiB, run queues 8 x 8 B = 64 B, timers 8 x 48 B = 384 B, "
                        + "uplink queue 64 x 256 B = 16 KiB");
        assertThat(budget.isSealed()).isFalse();
    }

    @Test
    void shouldRefuseReservationsAfterBoot() {
        MemoryBudget budget = new MemoryBudget("device 'pi-1'", 64 * 1024);
        budget.reserve("uplink queue", 16, 256);
        budget.seal();

        assertThatThrownBy(() -> budget.reserve("late buffer", 1, 128))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("memory budget of device 'pi-1' is sealed: cannot reserve late buffer 1 x 128 B = 128 B after boot");
    }

    @Test
    void shouldPrintAMemoryMap() {
        MemoryBudget budget = new MemoryBudget("device 'pi-1'", 64 * 1024);
        Executor.builder("pi-1").taskCapacity(8).timerCapacity(32).budget(budget).build();
        new BufferPool(budget, "frame buffers", 16, 256);
        budget.seal();

        assertThat(budget.report()).isEqualTo(String.join("\n",
                "Memory map of device 'pi-1' (RAM 64 KiB)",
                "  region           count       each      total  share",
                "  task slots           8      512 B      4 KiB   6.3%",
                "  run queues          16        8 B      128 B   0.2%",
                "  timers              32       48 B    1.5 KiB   2.3%",
                "  frame buffers       16      256 B      4 KiB   6.3%",
                "  reserved                             9.6 KiB  15.0%",
                "  free                                54.4 KiB  85.0%",
                ""));
    }

    @Test
    void shouldHandOutFixedSlabsAndCountExhaustion() {
        BufferPool pool = new BufferPool(MemoryBudget.unlimited("test"), "frames", 2, 64);
        int a = pool.acquire();
        int b = pool.acquire();

        assertThat(pool.acquire()).isEqualTo(BufferPool.NONE);
        assertThat(pool.exhaustedCount()).isEqualTo(1);
        assertThat(pool.slab(a)).hasSize(64);
        pool.release(a);
        assertThat(pool.acquire()).isEqualTo(a);
        assertThat(pool.peakInUse()).isEqualTo(2);
        assertThatThrownBy(() -> { pool.release(b); pool.release(b); }).hasMessageContaining("released twice");
    }

    @Test
    void shouldParseAndFormatSizes() {
        assertThat(Bytes.parse("64KiB")).isEqualTo(65_536);
        assertThat(Bytes.parse("1 MiB")).isEqualTo(1_048_576);
        assertThat(Bytes.parse("512B")).isEqualTo(512);
        assertThat(Bytes.parse("2048")).isEqualTo(2048);
        assertThatThrownBy(() -> Bytes.parse("64kb")).hasMessage("not a size: '64kb' (expected e.g. 64KiB, 1MiB, 2048B)");
        assertThat(Bytes.format(1229)).isEqualTo("1.2 KiB");
        assertThat(Bytes.format(16_384)).isEqualTo("16 KiB");
    }
}
