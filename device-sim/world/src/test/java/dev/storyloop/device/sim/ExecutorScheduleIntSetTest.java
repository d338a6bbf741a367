package dev.storyloop.device.sim;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** The schedule's ordered int set takes what it was given, lowest first, as a sorted set does, across its growth. */
class ExecutorScheduleIntSetTest {

    /** Each op: a value to add (0 .. 299,999: up to four levels) or, when negative, a take. */
    @Property(tries = 300)
    void takesLowestFirstAsASortedSetDoes(@ForAll @Size(max = 400) List<@IntRange(min = -150_000, max = 299_999) Integer> ops) {
        ExecutorSchedule.IntSet set = new ExecutorSchedule.IntSet();
        TreeSet<Integer> reference = new TreeSet<>();
        List<Integer> taken = new ArrayList<>();
        List<Integer> expected = new ArrayList<>();
        for (int op : ops) {
            if (op >= 0) {
                set.add(op);
                reference.add(op);
            } else if (!reference.isEmpty()) {
                taken.add(set.poll());
                expected.add(reference.pollFirst());
            }
            assertThat(set.isEmpty()).isEqualTo(reference.isEmpty());
        }
        while (!reference.isEmpty()) {
            taken.add(set.poll());
            expected.add(reference.pollFirst());
        }
        assertThat(taken).isEqualTo(expected);
        assertThat(set.isEmpty()).isTrue();
    }
}
