package dev.storyloop.gateway.core;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static dev.storyloop.gateway.core.SequenceWindow.Verdict.DUPLICATE;
import static dev.storyloop.gateway.core.SequenceWindow.Verdict.LATE;
import static dev.storyloop.gateway.core.SequenceWindow.Verdict.NEW;
import static dev.storyloop.gateway.core.SequenceWindow.Verdict.TOO_OLD;
import static org.assertj.core.api.Assertions.assertThat;

class SequenceWindowTest {

    @Test
    void shouldCountGapsLateArrivalsAndDuplicates() {
        SequenceWindow w = new SequenceWindow(64);
        assertThat(w.accept(0)).isEqualTo(NEW);
        assertThat(w.accept(1)).isEqualTo(NEW);
        assertThat(w.accept(4)).isEqualTo(NEW);     // 2 and 3 missing
        assertThat(w.missing()).isEqualTo(2);
        assertThat(w.accept(3)).isEqualTo(LATE);
        assertThat(w.missing()).isEqualTo(1);
        assertThat(w.accept(3)).isEqualTo(DUPLICATE);
        assertThat(w.accept(4)).isEqualTo(DUPLICATE);
        assertThat(w.received()).isEqualTo(4);
        assertThat(w.reordered()).isEqualTo(1);
        assertThat(w.duplicates()).isEqualTo(2);
    }

    @Test
    void shouldCountFramesLostBeforeTheFirstOneWhenTheDeviceStartedAtZero() {
        SequenceWindow fresh = new SequenceWindow(64);
        fresh.accept(5);
        assertThat(fresh.missing()).as("a device starts at 0: 0..4 were lost").isEqualTo(5);
        assertThat(fresh.accept(3)).isEqualTo(LATE);
        assertThat(fresh.missing()).isEqualTo(4);
    }

    @Test
    void shouldNotInventMissingFramesBelowTheFirstOneSeenAfterARestartWithoutBooks() {
        SequenceWindow early = new SequenceWindow(64);
        early.baselineAtFirstSight();
        early.accept(5);
        assertThat(early.missing()).as("a restarted gateway's first sight of the device: 0..4 may have been applied before").isZero();
        assertThat(early.accept(3)).as("below the baseline, inside the window: late").isEqualTo(LATE);
        assertThat(early.missing()).isZero();
        early.accept(7);
        assertThat(early.missing()).isEqualTo(1);
        SequenceWindow late = new SequenceWindow(64);
        late.accept(1_000);
        assertThat(late.missing()).as("joined late: nothing before is known").isZero();
    }

    @Test
    void shouldRefuseReplaysAndKeepItsBooksAfterARestore() {
        SequenceWindow before = new SequenceWindow(64);
        for (long s : new long[] {0, 1, 2, 5, 6}) before.accept(s);
        long[] saved = new long[SequenceWindow.savedLongs(64)];
        before.saveTo(saved);

        SequenceWindow after = new SequenceWindow(64);
        assertThat(after.restore(saved)).isTrue();
        assertThat(after.accept(5)).as("a captured frame replayed after the restart").isEqualTo(DUPLICATE);
        assertThat(after.accept(3)).isEqualTo(LATE);
        assertThat(after.accept(7)).isEqualTo(NEW);
        assertThat(after.missing()).as("only 4 never came").isEqualTo(1);
        assertThat(after.received()).isEqualTo(7);
        assertThat(after.restore(new long[SequenceWindow.savedLongs(128)])).as("another window size").isFalse();
    }

    @Test
    void shouldCarryOnAcrossTheU32WrapAround() {
        SequenceWindow w = new SequenceWindow(64);
        long max = 0xFFFF_FFFFL;
        w.accept(max - 2);
        w.accept(max - 1);
        w.accept(max);
        assertThat(w.accept(0)).isEqualTo(NEW);
        assertThat(w.accept(2)).isEqualTo(NEW);
        assertThat(w.missing()).isEqualTo(1);
        assertThat(w.accept(1)).isEqualTo(LATE);
        assertThat(w.accept(max)).isEqualTo(DUPLICATE);
        assertThat(w.wraps()).isEqualTo(1);
        assertThat(w.highestSequence()).isEqualTo(2);
        assertThat(w.missing()).isZero();
    }

    @Test
    void shouldRejectWhatIsOlderThanTheWindow() {
        SequenceWindow w = new SequenceWindow(64);
        w.accept(0);
        w.accept(100);
        assertThat(w.missing()).isEqualTo(99);
        assertThat(w.accept(10)).isEqualTo(TOO_OLD);
        assertThat(w.accept(37)).isEqualTo(LATE);
        assertThat(w.tooOld()).isEqualTo(1);
    }

    @Property(tries = 300)
    void shouldAgreeWithASetOfSeenNumbers(@ForAll @IntRange(min = 1, max = 2_000) int count, @ForAll long seed) {
        // A device sends 0..count-1; some are dropped, some duplicated, some shuffled a little.
        Random random = new Random(seed);
        List<Long> sent = new ArrayList<>();
        int dropped = 0;
        for (long s = 0; s < count; s++) {
            if (random.nextInt(10) == 0 && s != 0) { dropped++; continue; }
            sent.add(s);
            if (random.nextInt(20) == 0) sent.add(s);
        }
        for (int i = 0; i + 1 < sent.size(); i++) {
            if (random.nextInt(8) == 0) Collections.swap(sent, i, i + 1);
        }
        SequenceWindow w = new SequenceWindow(1024);
        for (long s : sent) w.accept(s);
        long highest = w.highestSequence();
        long distinct = sent.stream().distinct().count();
        assertThat(w.received()).isEqualTo(distinct);
        assertThat(w.missing()).isEqualTo(highest + 1 - distinct);
        assertThat(w.duplicates()).isEqualTo(sent.size() - distinct);
        assertThat(w.missing()).isLessThanOrEqualTo(dropped);
    }
}
