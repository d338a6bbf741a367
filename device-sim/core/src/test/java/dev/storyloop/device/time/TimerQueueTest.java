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
     * With runs, the vacant root of a firing timer is no room of its own: a timer armed into a run first
     * can fill the queue, and one armed after it into the heap must then be refused, as without runs.
     */
    @Test
    void shouldRefuseATimerBeyondItsCapacityWhileOneFiresWithRuns() {
        TimerQueue queue = new TimerQueue(2, 1);
        List<Long> fired = new ArrayList<>();
        Recording intoRun = new Recording(fired, 2);
        Recording intoHeap = new Recording(fired, 3);
        Timer firing = new Timer() {
            @Override protected void onFire(long nowNanos) {
                queue.arm(intoRun, 10); // after the run's tail (5): into the run, the queue is full
                queue.arm(intoHeap, 1); // before it: the heap
            }
        };
        queue.arm(new Recording(fired, 1), 5); // the empty run takes it
        queue.arm(firing, 3); // before the run's tail: the heap

        assertThatThrownBy(() -> queue.fire(3, 10)).isInstanceOf(TimerQueueFullException.class)
                .hasMessageContaining("all 2 timers are armed");
        assertThat(queue.size()).isEqualTo(2);
        assertThat(intoHeap.isArmed()).isFalse();
    }

    /**
     * Against a sorted set of (deadline, arming order, id): random arms, re-arms, arms with an
     * earlier sequence, cancels and fires, where a firing timer may itself arm timers (itself or
     * another, as a link re-arms for its next packet), with few distinct deadlines so ties are
     * common. Both must fire the same timers in the same order and agree on the next deadline and
     * the size after every step.
     */
    @Property(tries = 200)
    void shouldFireInTheSameOrderAsASortedReference(@ForAll long seed, @ForAll @IntRange(min = 1, max = 64) int timers) {
        new Reference(seed, timers, 0, false).run(2_000);
    }

    /**
     * The same with runs beside the heap, and deadlines either anywhere ahead (few timers fit a run) or a
     * few fixed delays ahead, as a world's links and keepalives arm them (most do), so runs fill, drain,
     * hold cancelled places, move to their start and grow. The order must be the sorted reference's.
     */
    @Property(tries = 300)
    void shouldFireInTheSameOrderWithRunsBesideTheHeap(@ForAll long seed, @ForAll @IntRange(min = 1, max = 200) int timers,
                                                       @ForAll @IntRange(min = 1, max = TimerQueue.RUNS_MAX) int runs,
                                                       @ForAll boolean fixedDelays) {
        new Reference(seed, timers, runs, fixedDelays).run(3_000);
    }

    private static final class Reference {
        final SplittableRandom random;
        final TimerQueue queue;
        int fired;
        final Timer[] all;
        final long[][] keys; // {deadline, order, id} while armed
        final TreeSet<long[]> sorted = new TreeSet<>(Comparator.<long[]>comparingLong(k -> k[0])
                .thenComparingLong(k -> k[1]).thenComparingLong(k -> k[2]));
        long next; // the queue's next sequence: every arm without one and every taken one move it
        final List<Long> taken = new ArrayList<>(); // sequences taken and not used yet
        long now;
        final boolean fixedDelays;

        Reference(long seed, int timers, int runs, boolean fixedDelays) {
            random = new SplittableRandom(seed);
            queue = new TimerQueue(timers, runs);
            this.fixedDelays = fixedDelays;
            all = new Timer[timers];
            keys = new long[timers][];
            for (int i = 0; i < timers; i++) {
                int id = i;
                all[i] = new Timer() {
                    @Override protected void onFire(long nowNanos) {
                        // It must be the reference's earliest, due, and no longer armed.
                        long[] first = sorted.pollFirst();
                        assertThat(first).as("fired with nothing armed in the reference").isNotNull();
                        assertThat(first[2]).as("fired timer").isEqualTo(id);
                        assertThat(first[0]).isEqualTo(deadlineNanos()).isLessThanOrEqualTo(nowNanos);
                        assertThat(isArmed()).isFalse();
                        keys[id] = null;
                        fired++;
                        int arms = random.nextInt(3); // none, one or two arms from inside the callback
                        for (int a = 0; a < arms; a++) arm(a == 0 && random.nextBoolean() ? id : random.nextInt(all.length));
                        if (random.nextInt(4) == 0) cancel(random.nextInt(all.length)); // and a cancel, maybe of one just armed
                    }
                };
            }
        }

        /**
         * Arms with a new sequence, or with one taken now, or with one taken earlier and kept (as a link
         * arms its timer for a packet with the sequence the packet took when it was offered).
         */
        void arm(int id) {
            long deadline = now + (fixedDelays ? new int[] {0, 5, 60}[random.nextInt(3)] : random.nextInt(8));
            if (keys[id] != null) sorted.remove(keys[id]);
            long sequence;
            int kind = random.nextInt(10);
            if (kind == 0 && !taken.isEmpty()) {
                sequence = taken.remove(random.nextInt(taken.size()));
                queue.arm(all[id], deadline, sequence);
            } else if (kind < 3) {
                if (taken.size() < 8 && random.nextBoolean()) {
                    taken.add(queue.takeSequence()); // kept for a later arm
                    next++;
                }
                sequence = queue.takeSequence();
                next++;
                queue.arm(all[id], deadline, sequence);
            } else {
                sequence = next++;
                queue.arm(all[id], deadline);
            }
            keys[id] = new long[] {deadline, sequence, id};
            sorted.add(keys[id]);
        }

        void cancel(int id) {
            queue.cancel(all[id]);
            if (keys[id] != null) sorted.remove(keys[id]);
            keys[id] = null;
        }

        void run(int steps) {
            for (int step = 0; step < steps; step++) {
                int id = random.nextInt(all.length);
                int op = random.nextInt(10);
                if (op < 5) {
                    arm(id);
                } else if (op < 7) {
                    cancel(id);
                } else {
                    now += random.nextInt(4);
                    int limit = 1 + random.nextInt(4);
                    int before = fired;
                    int count = queue.fire(now, limit);
                    assertThat(count).isEqualTo(fired - before).isLessThanOrEqualTo(limit);
                    if (count < limit) {
                        assertThat(sorted.isEmpty() || sorted.first()[0] > now)
                                .as("a due timer was left after fewer than the limit fired").isTrue();
                    }
                }
                assertThat(queue.size()).isEqualTo(sorted.size());
                assertThat(queue.nextDeadlineNanos()).isEqualTo(sorted.isEmpty() ? Long.MAX_VALUE : sorted.first()[0]);
            }
        }
    }
}
