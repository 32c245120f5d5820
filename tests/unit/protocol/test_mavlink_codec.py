"""MavlinkCodec encodes byte for byte like stock pymavlink and decodes exactly what stock decodes."""

from __future__ import annotations

import random
from typing import Any

import pytest

from gcs.errors import FrameError
from gcs.protocol.dialect import seaport
from gcs.protocol.mavlink import MavlinkCodec, SigningConfig
from tests.unit.protocol.mavlink_samples import (
    ALL_CLASSES,
    MAVLINK1_CLASSES,
    SEAPORT_CLASSES,
    field_values,
    random_message,
)

T0 = 1_800_000_000.0


def stock_parse(data: bytes, *, secret_key: bytes | None = None) -> list[Any]:
    mav = seaport.MAVLink(None, 255, 190)
    mav.robust_parsing = True
    if secret_key is not None:
        mav.signing.secret_key = secret_key
    return [m for m in mav.parse_buffer(data) or [] if not isinstance(m, seaport.MAVLink_bad_data)]


def assert_same_as_stock(ours: Any, stock: Any) -> None:
    """Same class, same attributes, same values; only the buffers' types and stock's payload quirk differ."""
    assert type(ours) is type(stock)
    assert ours == stock
    ours_attrs, stock_attrs = vars(ours), vars(stock)
    assert list(ours_attrs) == list(stock_attrs)
    header_len = 10 if stock.get_msgbuf()[0] == 0xFD else 6
    for key, value in stock_attrs.items():
        if key == "_header":
            assert vars(ours_attrs[key]) == vars(value)
        elif key == "_msgbuf":
            assert ours_attrs[key] == bytes(value)
        elif key == "_payload":
            # Stock slices the payload from offset 6 even for MAVLink 2 (a quirk); ours is the payload.
            assert ours_attrs[key] == bytes(value)[header_len - 6 :]
        else:
            assert ours_attrs[key] == value, key


@pytest.mark.parametrize("cls", SEAPORT_CLASSES, ids=lambda c: c.msgname)
def test_every_seaport_message_round_trips(cls: Any) -> None:
    rng = random.Random(cls.id)
    sender, receiver = MavlinkCodec(1, 1), MavlinkCodec(255, 190)
    for _ in range(20):
        msg = random_message(cls, rng)
        (decoded,) = receiver.feed(sender.encode(msg))
        assert type(decoded) is cls
        assert field_values(decoded) == field_values(msg)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.msgname)
def test_encode_is_byte_identical_to_stock_pack_and_decodes_like_stock(cls: Any) -> None:
    rng = random.Random(cls.id)
    codec, mav = MavlinkCodec(7, 42), seaport.MAVLink(None, 7, 42)
    for seq in range(3):
        msg = random_message(cls, rng)
        mav.seq = seq
        ours = codec.encode(msg)
        assert ours == msg.pack(mav)
        (decoded,) = MavlinkCodec(255, 190).feed(ours)
        (stock,) = stock_parse(ours)
        assert_same_as_stock(decoded, stock)
        assert field_values(decoded) == field_values(msg)


def mixed_stream(count: int, seed: int) -> bytes:
    """Frames of every message class from several senders: ours and stock encoders, MAVLink 1,
    MAVLink 2 (zero-truncated payloads) and signed frames (which an unkeyed parser takes as they are)."""
    rng = random.Random(seed)
    key = bytes(range(32))
    clock = iter(range(10**9))
    senders = [
        MavlinkCodec(1, 1),
        MavlinkCodec(2, 1),
        MavlinkCodec(3, 191, signing=SigningConfig(key, link_id=3), unix_time_s=lambda: T0 + next(clock)),
    ]
    stock_v1 = seaport.MAVLink(None, 4, 1)
    frames = []
    for _ in range(count):
        if rng.random() < 0.1:
            msg = random_message(rng.choice(MAVLINK1_CLASSES), rng)
            frames.append(msg.pack(stock_v1, force_mavlink1=True))
            stock_v1.seq = (stock_v1.seq + 1) % 256
        else:
            msg = random_message(rng.choice(ALL_CLASSES), rng)
            frames.append(rng.choice(senders).encode(msg))
    return b"".join(frames)


def test_decoding_a_large_mixed_stream_equals_stock_decoding() -> None:
    stream = mixed_stream(3000, seed=5)
    rng = random.Random(6)
    codec = MavlinkCodec(255, 190)
    ours: list[Any] = []
    at = 0
    while at < len(stream):
        size = rng.choice([1, 7, 64, 300, 4096])
        ours.extend(codec.feed(stream[at : at + size]))
        at += size
    stock = stock_parse(stream)
    assert len(ours) == len(stock) == 3000
    for a, b in zip(ours, stock, strict=True):
        assert_same_as_stock(a, b)
    counters = codec.counters()
    assert counters.frames_received == 3000
    assert counters.bytes_received == len(stream)
    assert (
        counters.bytes_skipped == counters.crc_errors == counters.unknown_msg_ids == counters.bad_headers == 0
    )
    assert codec.pending_bytes == 0


def test_decoded_messages_carry_header_signing_and_link_id() -> None:
    key = bytes(32)
    sender = MavlinkCodec(9, 33, signing=SigningConfig(key, link_id=5), unix_time_s=lambda: T0)
    receiver = MavlinkCodec(255, 190, signing=SigningConfig(key), unix_time_s=lambda: T0)
    sender.encode(seaport.MAVLink_heartbeat_message(9, 0, 0, 0, 3, 3))  # seq 0 goes nowhere
    (msg,) = receiver.feed(sender.encode(seaport.MAVLink_system_time_message(123, 456)))
    assert (msg.get_srcSystem(), msg.get_srcComponent(), msg.get_seq()) == (9, 33, 1)
    assert (msg.get_msgId(), msg.get_type()) == (seaport.MAVLINK_MSG_ID_SYSTEM_TIME, "SYSTEM_TIME")
    assert msg.get_signed() is True
    assert msg.get_link_id() == 5
    assert msg.to_dict() == {"mavpackettype": "SYSTEM_TIME", "time_unix_usec": 123, "time_boot_ms": 456}
    (unsigned,) = MavlinkCodec(255, 190).feed(
        MavlinkCodec(9, 33).encode(seaport.MAVLink_system_time_message(1, 2))
    )
    assert unsigned.get_signed() is False
    assert unsigned.get_link_id() is None


def test_encode_numbers_frames_and_leaves_the_message_alone() -> None:
    codec = MavlinkCodec(1, 1)
    msg = seaport.MAVLink_statustext_message(4, b"engine chill-down", 7, 0)  # has a field called 'id'
    before = dict(vars(msg))
    seqs = [codec.encode(msg)[4] for _ in range(300)]
    assert seqs == [i % 256 for i in range(300)]
    assert vars(msg) == before
    assert codec.counters().frames_sent == 300


def test_encode_refuses_what_is_not_a_dialect_message_or_does_not_fit() -> None:
    codec = MavlinkCodec(1, 1)
    with pytest.raises(FrameError, match="not a message of the seaport dialect"):
        codec.encode(object())
    with pytest.raises(FrameError, match="HEARTBEAT"):
        codec.encode(seaport.MAVLink_heartbeat_message(9, 0, 0, 2**40, 3, 3))


def test_zero_payload_keeps_one_byte_as_mavlink2_requires() -> None:
    frame = MavlinkCodec(1, 1).encode(seaport.MAVLink_extended_sys_state_message(0, 0))
    assert frame[1] == 1
    (msg,) = MavlinkCodec(2, 1).feed(frame)
    assert (msg.vtol_state, msg.landed_state) == (0, 0)


def test_codec_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="system id"):
        MavlinkCodec(0, 1)
    with pytest.raises(ValueError, match="component id"):
        MavlinkCodec(1, 256)
