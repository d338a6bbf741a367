package dev.storyloop.device.sim;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InflightWindowTest {
    private static Message m(int i) {
        return new Message("t", new byte[] {(byte) i}, 1, false);
    }

    @Test
    void shouldKeepSendingOrderAcrossOutOfOrderAcknowledgements() {
        InflightWindow window = new InflightWindow(4);
        for (int id = 1; id <= 4; id++) window.add(id, m(id));

        assertThat(window.isFull()).isTrue();
        assertThat(window.remove(3)).isEqualTo(m(3));
        assertThat(window.remove(3)).isNull();
        assertThat(window.remove(1)).isEqualTo(m(1));
        window.add(5, m(5));

        assertThat(window.size()).isEqualTo(3);
        assertThat(new int[] {window.idAt(0), window.idAt(1), window.idAt(2)}).containsExactly(2, 4, 5);
        assertThat(window.contains(4)).isTrue();
        assertThat(window.contains(3)).isFalse();
        assertThatThrownBy(() -> {
            window.add(6, m(6));
            window.add(7, m(7));
        }).hasMessage("in-flight window full: 4");
    }

    @Test
    void shouldGrowOnlyWhenUnlimited() {
        InflightWindow window = new InflightWindow(0);
        for (int id = 1; id <= 100; id++) window.add(id, m(id));

        assertThat(window.isFull()).isFalse();
        assertThat(window.size()).isEqualTo(100);
        assertThat(window.messageAt(99)).isEqualTo(m(100));
        for (int id = 1; id <= 100; id++) assertThat(window.remove(id)).isEqualTo(m(id));
        assertThat(window.size()).isZero();
    }
}
