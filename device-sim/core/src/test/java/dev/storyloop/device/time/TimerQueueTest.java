package dev.storyloop.device.time;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimerQueueTest {

    static final class Recording extends Timer {
        final List<Long> fired;
        final int id;
        Recording(List<Long> fired, int id) { this.fired = fired; this.id = id; }
        @Override protected void onFire(long nowNanos) { fired.add(deadlineNanos() * 1_000_000L + id); }
    }

    @Test
    void shouldFireAHundredThousandTimersInDeadlineOrderWithinThePerTurnLimit() {
        int count = 100_000;
        TimerQueue queue = new TimerQueue(count);
        List<Long> fired = new ArrayList<>(count);
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < count; i++) queue.arm(new Recording(fired, i), random.nextLong(1_000_000));
        assertThat(queue.size()).isEqualTo(count);

        int turns = 0;
        while (queue.size() > 0) {
            int firedNow = queue.fire(Long.MAX_VALUE, 1024);
            assertThat(firedNow).isLessThanOrEqualTo(1024);
            turns++;
        }

        assertThat(fired).hasSize(count);
        assertThat(turns).isEqualTo((count + 1023) / 1024);
        for (int i = 1; i < count; i++) {
            assertThat(fired.get(i) / 1_000_000L).isGreaterThanOrEqualTo(fired.get(i - 1) / 1_000_000L);
        }
    }

    @Test
    void shouldFireEqualDeadlinesInArmingOrderAndOnlyWhenDue() {
        TimerQueue queue = new TimerQueue(4);
        List<Long> fired = new ArrayList<>();
        for (int i = 0; i < 3; i++) queue.arm(new Recording(fired, i), 10);

        assertThat(queue.fire(9, 100)).isZero();
        assertThat(queue.fire(10, 100)).isEqualTo(3);
        assertThat(fired).containsExactly(10_000_000L, 10_000_001L, 10_000_002L);
    }

    @Test
    void shouldMoveAndCancelArmedTimers() {
        TimerQueue queue = new TimerQueue(4);
        List<Long> fired = new ArrayList<>();
        Recording a = new Recording(fired, 1);
        Recording b = new Recording(fired, 2);
        queue.arm(a, 100);
        queue.arm(b, 200);
        queue.arm(a, 300); // re-arm moves it
        queue.cancel(b);
        queue.cancel(b); // harmless

        assertThat(queue.nextDeadlineNanos()).isEqualTo(300);
        queue.fire(1_000, 10);
        assertThat(fired).containsExactly(300_000_001L);
        assertThat(queue.nextDeadlineNanos()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void shouldRefuseATimerBeyondItsCapacity() {
        TimerQueue queue = new TimerQueue(1);
        queue.arm(new Recording(new ArrayList<>(), 0), 1);

        assertThatThrownBy(() -> queue.arm(new Recording(new ArrayList<>(), 1), 2))
                .isInstanceOf(TimerQueueFullException.class)
                .hasMessageContaining("all 1 timers are armed");
    }
}
