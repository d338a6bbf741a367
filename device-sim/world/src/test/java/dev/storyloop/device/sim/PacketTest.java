package dev.storyloop.device.sim;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PacketTest {
    private static final Message WILL = new Message("storyloop/v1/d/status", "offline".getBytes(StandardCharsets.UTF_8), 1, true);

    @Test
    void shouldComeBackFromItsFlatFormAsTheSameValue() {
        List<Packet> packets = List.of(new Packet.Connect(true, 30, WILL), new Packet.Connect(false, 0, null),
                new Packet.Connack(true), new Packet.Publish(WILL, 65_535, true), new Packet.Publish(WILL, 0, false),
                new Packet.Puback(7), new Packet.Subscribe("a/+/b", 2), new Packet.Suback(0x80), new Packet.Pingreq(),
                new Packet.Pingresp(), new Packet.Disconnect(), new Packet.Close("keepalive expired", false),
                new Packet.Close("taken over", true));

        for (Packet packet : packets) {
            assertThat(Packet.of(packet.type(), packet.flatArg(), packet.flatRef())).isEqualTo(packet);
        }
        assertThat(packets).extracting(Packet::type).containsAll(List.of(Packet.Type.values()));
    }

    @Test
    void shouldGiveTheSameWireSizeFlatAsAsAValue() {
        for (Packet packet : List.of(new Packet.Publish(WILL, 1, false), new Packet.Subscribe("x/#", 1), new Packet.Suback(1),
                new Packet.Puback(1), new Packet.Connack(false), new Packet.Pingreq(), new Packet.Disconnect())) {
            assertThat(Packet.wireBytes(packet.type(), packet.flatRef())).as("%s", packet).isEqualTo(packet.wireBytes());
        }
    }

    @Test
    void shouldCountUtf8BytesAsTheEncoderDoes() {
        for (String topic : List.of("", "plain/ascii", "caf\u00e9/\u00fc", "\u20ac/\u6e29\u5ea6", "emoji/\ud83d\ude00", "lone/\ud83d")) {
            assertThat(Packet.utf8Length(topic)).as(topic).isEqualTo(topic.getBytes(StandardCharsets.UTF_8).length);
        }
    }
}
