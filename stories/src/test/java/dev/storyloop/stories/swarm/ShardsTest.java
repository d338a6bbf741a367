package dev.storyloop.stories.swarm;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Shards cut a seed range into contiguous shares that cover it exactly once; the merge finds every gap and overlap. */
class ShardsTest {
    @Test
    void shouldCutARangeIntoContiguousSharesThatCoverItExactlyOnce() {
        for (long count : new long[] {1, 7, 10, 1000, 1_000_000, 999_999_937}) {
            for (int of : new int[] {1, 2, 3, 4, 7, 1000}) {
                long next = 5;
                for (int i = 0; i < of; i++) {
                    Shards.Shard shard = new Shards.Shard(i, of);
                    assertThat(shard.from(5, count)).isEqualTo(next);
                    assertThat(shard.count(count)).isBetween(count / of, count / of + 1);
                    next += shard.count(count);
                }
                assertThat(next).isEqualTo(5 + count);
            }
        }
    }

    @Test
    void shouldParseAShardAndRefuseABadOne() {
        assertThat(Shards.Shard.parse("3/4")).isEqualTo(new Shards.Shard(3, 4));
        assertThatThrownBy(() -> Shards.Shard.parse("4/4")).hasMessageContaining("0..3");
        assertThatThrownBy(() -> Shards.Shard.parse("1-4")).hasMessageContaining("I/N");
        assertThatThrownBy(() -> Shards.Shard.parse("0/0")).hasMessageContaining("1..");
    }

    @Test
    void shouldNameEveryGapAndOverlap() {
        Shards.Result a = part(1, 100, 1, 25, 3L);
        Shards.Result b = part(1, 100, 26, 25);
        Shards.Result c = part(1, 100, 40, 30, 45L);
        Shards.Result d = part(1, 100, 80, 21);

        Shards.Merged merged = Shards.merge(List.of("d", "a", "c", "b"), List.of(d, a, c, b));

        assertThat(merged.problems()).containsExactly("overlap: seeds 40..50 are in both b and c", "gap: seeds 70..79 are in no shard");
        assertThat(merged.result().failingSeeds()).containsExactly(3L, 45L);
        assertThat(merged.result().failed()).isEqualTo(2);
        assertThat(Shards.merge(List.of("a"), List.of(a)).problems()).containsExactly("gap: seeds 26..100 are in no shard");
        assertThat(Shards.merge(List.of("a", "x"), List.of(a, part(2, 50, 26, 25))).problems())
                .contains("x: part of seeds 2..51, but a of seeds 1..100");
        Shards.Result other = new Shards.Result(Shards.FORMAT, "another", 1, 100, 1, 4, 26, 75, "", 75, 0, List.of(), List.of(), 0, 0);
        assertThat(Shards.merge(List.of("a", "y"), List.of(a, other)).problems()).containsExactly("y: made by storyloop another, but a by test");
    }

    private static Shards.Result part(long rangeFrom, long rangeCount, long from, long count, Long... failing) {
        return new Shards.Result(Shards.FORMAT, "test", rangeFrom, rangeCount, 0, 4, from, count, "", count, failing.length, List.of(failing),
                List.of(), 0, 0);
    }
}
