package dev.storyloop.stories.run;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The compactor compacts at a step only when no collection came since it was made or since its last step. */
class CompactorTest {
    private final AtomicLong collections = new AtomicLong(7);
    private final Compactor compactor = new Compactor(collections::get, collections::incrementAndGet); // a compaction is a collection too

    @Test
    void shouldCompactAtEveryStepOfAQuietJvm() {
        compactor.step();
        compactor.step();
        assertThat(compactor.compactions()).isEqualTo(2);
        assertThat(collections.get()).isEqualTo(9);
    }

    @Test
    void shouldSkipAStepAfterAYoungCollectionAndCompactAtTheNextQuietOne() {
        collections.incrementAndGet(); // a young collection during the build
        compactor.step();
        assertThat(compactor.compactions()).isZero();
        compactor.step(); // nothing collected since the last step
        assertThat(compactor.compactions()).isEqualTo(1);
        collections.addAndGet(3);
        compactor.step();
        assertThat(compactor.compactions()).isEqualTo(1);
    }
}
