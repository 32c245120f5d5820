"""The publish-only MQTT 5 codec: golden bytes worked out by hand from the standard, and a reader
that gives the same packets however the stream is cut."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gcs.bridge import wire


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, b"\x00"),
        (127, b"\x7f"),
        (128, b"\x80\x01"),
        (16_383, b"\xff\x7f"),
        (16_384, b"\x80\x80\x01"),
        (2_097_151, b"\xff\xff\x7f"),
        (2_097_152, b"\x80\x80\x80\x01"),
        (268_435_455, b"\xff\xff\xff\x7f"),
    ],
)
def test_variable_byte_integers_match_the_standards_table(value: int, encoded: bytes) -> None:
    # MQTT 5.0 section 1.5.5, table 1-1: the first and last value of each length.
    assert wire.varint(value) == encoded


@pytest.mark.parametrize("value", [-1, 268_435_456])
def test_a_value_outside_a_variable_byte_integer_is_refused(value: int) -> None:
    with pytest.raises(ValueError, match="variable byte integer"):
        wire.varint(value)


def test_a_retained_qos1_publish_with_expiry() -> None:
    packet = wire.publish(b"a/b", b"hi", qos=1, retain=True, packet_id=7, expiry_s=60)
    assert packet == bytes([
        0x33, 15,                      # PUBLISH, QoS 1, retain; 15 bytes follow
        0x00, 0x03, *b"a/b",           # topic
        0x00, 0x07,                    # packet identifier
        5, 0x02, 0x00, 0x00, 0x00, 60,  # properties: message expiry interval 60 s
        *b"hi",
    ])


def test_a_qos0_publish_has_no_packet_id_and_no_properties() -> None:
    assert wire.publish(b"t", b"x", qos=0, retain=False) == bytes([0x30, 5, 0x00, 0x01, *b"t", 0x00, *b"x"])


@pytest.mark.parametrize(("qos", "packet_id", "match"), [(2, 1, "QoS 0 or 1"), (1, 0, "packet id"),
                                                          (1, 65_536, "packet id")])
def test_publishes_this_client_cannot_make_are_refused(qos: int, packet_id: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        wire.publish(b"t", b"x", qos=qos, retain=False, packet_id=packet_id)


def test_a_large_payload_takes_a_longer_remaining_length() -> None:
    packet = wire.publish(b"t", bytes(200), qos=0, retain=False)
    assert packet[:3] == bytes([0x30, 0xCC, 0x01])  # 204 = 0x4C + 1 * 128
    assert len(packet) == 3 + 204


def test_connect_with_will_and_credentials() -> None:
    packet = wire.connect("c", keepalive_s=10, username="u", password="p", will_topic="s",
                          will_payload=b"off", will_qos=1, will_retain=True)
    body = bytes([
        0x00, 0x04, *b"MQTT", 5,       # protocol name and level
        0b1110_1110,                   # user, password, will retain, will QoS 1, will, clean start
        0x00, 10,                      # keep alive
        0x00,                          # no connect properties
        0x00, 0x01, *b"c",             # client identifier
        0x00,                          # no will properties
        0x00, 0x01, *b"s",             # will topic
        0x00, 0x03, *b"off",           # will payload
        0x00, 0x01, *b"u",             # user name
        0x00, 0x01, *b"p",             # password
    ])
    assert packet == bytes([0x10, len(body)]) + body


def test_connect_without_will_or_credentials_sets_only_clean_start() -> None:
    packet = wire.connect("", keepalive_s=0)
    assert packet == bytes([0x10, 13, 0x00, 0x04, *b"MQTT", 5, 0b0000_0010, 0, 0, 0, 0x00, 0x00])


def test_connect_refuses_a_keepalive_it_cannot_carry() -> None:
    with pytest.raises(ValueError, match="keepalive_s"):
        wire.connect("c", keepalive_s=70_000)


CONNACK = bytes([
    0x20, 25,
    0x00, 0x00,                        # no session present; success
    22,                                # properties:
    0x21, 0x00, 20,                    # receive maximum 20
    0x27, 0x00, 0x01, 0x00, 0x00,      # maximum packet size 65536
    0x13, 0x00, 30,                    # server keep alive 30 s
    0x1F, 0x00, 0x02, *b"ok",          # reason string
    0x26, 0x00, 0x01, *b"k", 0x00, 0x00,  # a user property (skipped)
])


def test_a_connack_brings_the_brokers_limits() -> None:
    [connack] = wire.Reader().feed(CONNACK)
    assert connack == wire.ConnAck(session_present=False, reason_code=0, receive_maximum=20,
                                   maximum_packet_size=65_536, server_keepalive_s=30, reason_string="ok")


def test_a_refusing_connack_names_its_reason() -> None:
    [connack] = wire.Reader().feed(bytes([0x20, 3, 0x00, 0x87, 0x00]))
    assert isinstance(connack, wire.ConnAck)
    assert wire.reason_text(connack.reason_code) == "Not authorized (0x87)"


def test_pubacks_short_and_long_pingresp_disconnect_and_the_unexpected() -> None:
    stream = bytes([
        0x40, 2, 0x00, 0x07,                 # PUBACK 7, success implied
        0x40, 3, 0x01, 0x00, 0x10,           # PUBACK 256, no matching subscribers
        0x40, 4, 0x00, 0x09, 0x87, 0x00,     # PUBACK 9, not authorized, no properties
        0xD0, 0,                             # PINGRESP
        0x90, 3, 0x00, 0x01, 0x00,           # a SUBACK this client never asked for
        0xE0, 1, 0x8B,                       # DISCONNECT, server shutting down
    ])
    assert wire.Reader().feed(stream) == [
        wire.PubAck(7, 0), wire.PubAck(256, 0x10), wire.PubAck(9, 0x87), wire.PingResp(),
        wire.Unexpected(wire.PacketType.SUBACK), wire.Disconnect(0x8B),
    ]


@given(cuts=st.lists(st.integers(min_value=0, max_value=len(CONNACK) * 2), max_size=8))
def test_the_reader_gives_the_same_packets_however_the_bytes_arrive(cuts: list[int]) -> None:
    stream = CONNACK + bytes([0x40, 2, 0x00, 0x07]) + bytes([0xD0, 0])
    reader = wire.Reader()
    packets: list[wire.Incoming] = []
    start = 0
    for cut in [*sorted(cuts), len(stream)]:
        packets += reader.feed(stream[start:max(start, cut)])
        start = max(start, cut)
    assert packets == wire.Reader().feed(stream)
    assert len(packets) == 3


@pytest.mark.parametrize(
    ("stream", "match"),
    [
        (bytes([0x40, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]), "more than 4 bytes"),
        (bytes([0x40, 1, 0x00]), "PUBACK of 1 bytes"),
        (bytes([0x20, 4, 0x00, 0x00, 1, 0x7E]), "unknown property 0x7E"),
        (bytes([0x20, 4, 0x00, 0x00, 9, 0x21]), "properties of 9 bytes"),
        (bytes([0x20, 4, 0x00, 0x00, 2, 0x21]), "properties of 2 bytes in a packet that has 1"),
        (bytes([0x20, 5, 0x00, 0x00, 2, 0x21, 0x00]), "cut short"),
    ],
)
def test_what_is_not_mqtt_5_is_refused_with_what_was_wrong(stream: bytes, match: str) -> None:
    with pytest.raises(wire.MalformedPacket, match=match):
        wire.Reader().feed(stream)


def test_a_packet_over_the_limit_is_refused_before_it_is_buffered() -> None:
    with pytest.raises(wire.MalformedPacket, match="more than 100"):
        wire.Reader(max_packet_bytes=100).feed(bytes([0x30, 0xC8, 0x01]))
