package dev.storyloop.device.time;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

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

    /**
     * Against a sorted set of (deadline, arming order, id): random arms, re-arms, arms with an
     * earlier sequence, cancels and fires, with few distinct deadlines so ties are common. Both must
     * fire the same timers in the same order and agree on the next deadline after every step.
     */
    @Property(tries = 200)
    void shouldFireInTheSameOrderAsASortedReference(@ForAll long seed, @ForAll @IntRange(min = 1, max = 64) int timers) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Long> fired = new ArrayList<>();
        TimerQueue queue = new TimerQueue(timers);
        Recording[] all = new Recording[timers];
        for (int i = 0; i < timers; i++) all[i] = new Recording(fired, i);
        long[][] keys = new long[timers][]; // {deadline, order, id} while armed
        TreeSet<long[]> reference = new TreeSet<>(Comparator.<long[]>comparingLong(k -> k[0])
                .thenComparingLong(k -> k[1]).thenComparingLong(k -> k[2]));
        List<Long> expected = new ArrayList<>();
        long order = 0;
        long now = 0;
        for (int step = 0; step < 2_000; step++) {
            int id = random.nextInt(timers);
            int op = random.nextInt(10);
            if (op < 5) {
                long deadline = now + random.nextInt(8);
                long sequence;
                if (op == 4) {
                    sequence = queue.takeSequence();
                    if (keys[id] != null) reference.remove(keys[id]);
                    queue.arm(all[id], deadline, sequence);
                } else {
                    sequence = order;
                    if (keys[id] != null) reference.remove(keys[id]);
                    queue.arm(all[id], deadline);
                }
                order = sequence + 1;
                keys[id] = new long[] {deadline, sequence, id};
                reference.add(keys[id]);
            } else if (op < 7) {
                queue.cancel(all[id]);
                if (keys[id] != null) reference.remove(keys[id]);
                keys[id] = null;
            } else {
                now += random.nextInt(4);
                int limit = 1 + random.nextInt(4);
                int count = queue.fire(now, limit);
                int expectedCount = 0;
                while (expectedCount < limit && !reference.isEmpty() && reference.first()[0] <= now) {
                    long[] due = reference.pollFirst();
                    keys[(int) due[2]] = null;
                    expected.add(due[0] * 1_000_000L + due[2]);
                    expectedCount++;
                }
                assertThat(count).isEqualTo(expectedCount);
            }
            assertThat(fired).isEqualTo(expected);
            assertThat(queue.size()).isEqualTo(reference.size());
            assertThat(queue.nextDeadlineNanos()).isEqualTo(reference.isEmpty() ? Long.MAX_VALUE : reference.first()[0]);
        }
    }
}
