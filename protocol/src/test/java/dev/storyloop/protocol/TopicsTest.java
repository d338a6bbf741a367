package dev.storyloop.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicsTest {

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource(delimiter = '|', value = {
            // MQTT 3.1.1 section 4.7 examples and edge cases
            "sport/tennis/player1/#   | sport/tennis/player1                 | true",
            "sport/tennis/player1/#   | sport/tennis/player1/ranking         | true",
            "sport/tennis/player1/#   | sport/tennis/player1/score/wimbledon | true",
            "sport/#                  | sport                                | true",
            "#                        | sport/tennis                         | true",
            "#                        | /                                    | true",
            "sport/tennis/+           | sport/tennis/player1                 | true",
            "sport/tennis/+           | sport/tennis/player1/ranking         | false",
            "sport/+                  | sport                                | false",
            "sport/+                  | sport/                               | true",
            "+/+                      | /finance                             | true",
            "/+                       | /finance                             | true",
            "+                        | /finance                             | false",
            "+                        | finance                              | true",
            "#                        | $SYS/broker/load                     | false",
            "+/monitor/Clients        | $SYS/monitor/Clients                 | false",
            "$SYS/#                   | $SYS/broker/load                     | true",
            "$SYS/monitor/+           | $SYS/monitor/Clients                 | true",
            "a//b                     | a//b                                 | true",
            "a/+/b                    | a//b                                 | true",
            "a/b                      | a/b/c                                | false",
            "a/b/c                    | a/b                                  | false",
            "a/bc                     | a/b                                  | false",
            "storyloop/v1/+/telemetry | storyloop/v1/pi-1/telemetry          | true",
            "storyloop/v1/+/telemetry | storyloop/v1/pi-1/status             | false",
    })
    void shouldMatchFiltersAsMqtt311Says(String filter, String topic, boolean expected) {
        assertThat(TopicFilter.filterRejection(filter)).isNull();
        assertThat(TopicFilter.topicRejection(topic)).isNull();
        assertThat(TopicFilter.matches(filter, topic)).isEqualTo(expected);
    }

    @Test
    void shouldRejectMalformedFiltersAndTopics() {
        assertThat(TopicFilter.filterRejection("sport/tennis#")).contains("'#' must be the last level");
        assertThat(TopicFilter.filterRejection("sport/#/ranking")).contains("'#' must be the last level");
        assertThat(TopicFilter.filterRejection("sport+")).contains("'+' must occupy a whole level");
        assertThat(TopicFilter.filterRejection("")).isEqualTo("topic filter is empty");
        assertThat(TopicFilter.topicRejection("a/+/b")).contains("wildcard '+'");
        assertThat(TopicFilter.topicRejection("a/#")).contains("wildcard '#'");
    }

    @Test
    void shouldBuildAndParseDeviceTopics() {
        assertThat(Topics.telemetry("pi-1")).isEqualTo("storyloop/v1/pi-1/telemetry");
        assertThat(Topics.Kind.ACK.allDevicesFilter()).isEqualTo("storyloop/v1/+/ack");
        Topics.Parsed parsed = Topics.parse("storyloop/v1/pi-1/cmd");
        assertThat(parsed.ok()).isTrue();
        assertThat(parsed.deviceId()).isEqualTo("pi-1");
        assertThat(parsed.kind()).isEqualTo(Topics.Kind.CMD);
        assertThat(Topics.parse("storyloop/v2/pi-1/cmd").rejection()).isEqualTo("not under storyloop/v1/");
        assertThat(Topics.parse("storyloop/v1/pi-1/cmd/extra").rejection()).isEqualTo("unknown kind 'cmd/extra'");
        assertThat(Topics.parse("storyloop/v1/pi 1/cmd").rejection()).contains("device id has ' ' at 2");
        assertThat(Topics.parse("storyloop/v1/pi-1").rejection()).isEqualTo("no kind level after the device id");
        assertThatThrownBy(() -> Topics.telemetry("a/b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldAcceptDeviceIdsOfOneToSixtyFourSafeCharacters() {
        assertThat(DeviceIds.isValid("a")).isTrue();
        assertThat(DeviceIds.isValid("x".repeat(64))).isTrue();
        assertThat(DeviceIds.rejection("x".repeat(65))).isEqualTo("device id is 65 characters long, more than 64");
        assertThat(DeviceIds.rejection("")).isEqualTo("device id is empty");
        assertThat(DeviceIds.isValid("dev#1")).isFalse();
        assertThat(DeviceIds.isValid("dévice")).isFalse();
    }

    @Test
    void shouldFindTheDeviceIdAndKindWithoutAllocatingAndAgreeWithParse() {
        for (String topic : new String[] {"storyloop/v1/pi-1/telemetry", "storyloop/v1/pi-1/cmd", "storyloop/v1//telemetry",
                "storyloop/v1/bad id/telemetry", "storyloop/v1/pi-1/what", "storyloop/v1/pi-1", "other/v1/pi-1/ack",
                "storyloop/v1/" + "x".repeat(65) + "/ack"}) {
            Topics.Parsed parsed = Topics.parse(topic);
            int end = Topics.deviceIdEnd(topic);
            Topics.Kind kind = end < 0 ? null : Topics.kindAfter(topic, end);
            assertThat(end >= 0 && kind != null).as(topic).isEqualTo(parsed.ok());
            if (parsed.ok()) {
                assertThat(topic.substring(Topics.PREFIX.length(), end)).isEqualTo(parsed.deviceId());
                assertThat(kind).isEqualTo(parsed.kind());
            }
        }
    }
}
