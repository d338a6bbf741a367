package dev.storyloop.protocol;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeviceKeysTest {

    @Test
    void shouldDeriveTheDocumentedHmacOfTheLabelAndId() {
        // Computed independently: printf 'storyloop/v1/device-key/pi-1' | openssl dgst -sha256 -hmac 'fleet'
        byte[] key = DeviceKeys.derive("fleet".getBytes(StandardCharsets.US_ASCII), "pi-1");
        assertThat(HexFormat.of().formatHex(key)).isEqualTo(EXPECTED_PI_1);
        assertThat(key).hasSize(DeviceKeys.KEY_BYTES);
    }

    @Test
    void shouldGiveEveryDeviceItsOwnKey() {
        assertThat(DeviceKeys.development("pi-1")).isNotEqualTo(DeviceKeys.development("pi-2"));
        assertThat(DeviceKeys.development("pi-1")).isEqualTo(DeviceKeys.development("pi-1"));
    }

    @Test
    void shouldRejectBadInput() {
        assertThatThrownBy(() -> DeviceKeys.derive(new byte[0], "pi-1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeviceKeys.derive(new byte[] {1}, "bad id")).isInstanceOf(IllegalArgumentException.class);
    }

    private static final String EXPECTED_PI_1 = "c7529cb80609f93e353b8a1940a5c1794007cb6741d22415662a36fec627ca72";
}
