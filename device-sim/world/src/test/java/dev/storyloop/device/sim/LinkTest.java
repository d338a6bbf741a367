package dev.storyloop.device.sim;

import dev.storyloop.device.time.TimerQueue;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class LinkTest {
    private final TimerQueue events = new TimerQueue(64);
    private final SplittableRandom random = new SplittableRandom(1);
    private final List<String> arrived = new ArrayList<>();

    private Link link(String name) {
        return new Link(name, LinkProfile.lan(), random, events,
                (type, arg, ref, now) -> arrived.add(name + ":" + type + " " + arg + " @" + now));
    }

    @Test
    void shouldDeliverPacketsOfDifferentLinksArrivingTogetherInTheOrderTheyWereSent() {
        Link a = link("a");
        Link b = link("b");
        a.offer(0, new Packet.Puback(1));
        a.offer(0, new Packet.Puback(2)); // behind a's head on the same link, sent before b's packet
        b.offer(0, new Packet.Puback(3));

        events.fire(100_000, 100);

        assertThat(arrived).containsExactly("a:PUBACK 1 @100000", "a:PUBACK 2 @100000", "b:PUBACK 3 @100000");
        assertThat(a.delivered()).isEqualTo(2);
        a.checkBalance();
        b.checkBalance();
    }

    @Test
    void shouldHoldPacketsDuringAPartitionAndLoseThoseStillOnTheWayWhenClosed() {
        Link a = link("a");
        a.offer(0, new Packet.Publish(new Message("t", new byte[3], 0, false), 0, false));
        a.offer(0, new Packet.Pingreq());
        a.partitionUntil(1_000_000);

        events.fire(999_999, 100);
        assertThat(arrived).isEmpty();
        events.fire(1_000_000, 1);
        assertThat(arrived).containsExactly("a:PUBLISH 0 @1000000");

        a.close();
        events.fire(Long.MAX_VALUE - 1, 100);
        assertThat(arrived).hasSize(1);
        assertThat(a.lostOnClose()).isEqualTo(1);
        assertThat(a.publishesOffered()).isEqualTo(1);
        assertThat(a.publishesDelivered()).isEqualTo(1);
        a.checkBalance();
    }

    @Test
    void shouldKeepItsRingBoundedByTheSendBufferAndRefuseBeyondIt() {
        Link a = link("a");
        int sent = 0;
        while (a.offer(0, new Packet.Pingreq())) sent++;

        assertThat(sent).isEqualTo(LinkProfile.lan().sendBufferBytes() / 2);
        assertThat(a.refusedBufferFull()).isEqualTo(1);
        events.fire(100_000, Integer.MAX_VALUE);
        assertThat(arrived).hasSize(sent);
        a.checkBalance();
    }
}
