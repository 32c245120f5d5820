"""Bad bytes cost only the frames they overlap, and chunking never changes what is decoded."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gcs.protocol.dialect import seaport
from gcs.protocol.mavlink import MavlinkCodec, SigningConfig
from tests.unit.protocol.mavlink_samples import ALL_CLASSES, SEAPORT_CLASSES, random_message

T0 = 1_800_000_000.0
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _pool() -> list[bytes]:
    """Frames of many kinds and lengths (MAVLink 1, MAVLink 2, signed) to build streams from."""
    rng = random.Random(11)
    plain = MavlinkCodec(1, 1)
    signed = MavlinkCodec(2, 1, signing=SigningConfig(bytes(32), link_id=1), unix_time_s=lambda: T0)
    v1 = seaport.MAVLink(None, 3, 1)
    frames = [plain.encode(random_message(cls, rng)) for cls in SEAPORT_CLASSES]
    frames += [plain.encode(random_message(rng.choice(ALL_CLASSES), rng)) for _ in range(40)]
    frames += [signed.encode(random_message(rng.choice(ALL_CLASSES), rng)) for _ in range(10)]
    frames += [seaport.MAVLink_heartbeat_message(9, 0, 0, 0, 3, 3).pack(v1, force_mavlink1=True)]
    return frames


POOL = _pool()
frames_st = st.lists(st.sampled_from(POOL), min_size=1, max_size=25)
# Garbage rich in magic bytes and in plausible header bytes (lengths, ids, flags).
garbage_st = st.binary(max_size=40) | st.lists(
    st.sampled_from([0xFD, 0xFE, 0x00, 0x01, 0xFF, 0x1E, 0x2C, 0x50, 0xCD]), max_size=40
).map(bytes)


def decode(codec: MavlinkCodec, chunks: list[bytes]) -> list[Any]:
    out: list[Any] = []
    for chunk in chunks:
        out.extend(codec.feed(chunk))
    out.extend(codec.flush())
    return out


def frames_of(messages: list[Any]) -> list[bytes]:
    return [bytes(m.get_msgbuf()) for m in messages]


def is_subsequence(needles: list[bytes], haystack: list[bytes]) -> bool:
    it = iter(haystack)
    return all(any(needle == hay for hay in it) for needle in needles)


@PROPERTY
@given(
    frames=frames_st,
    garbage=st.lists(garbage_st, max_size=26),
    cuts=st.lists(st.integers(0, 3000), max_size=30),
)
def test_any_chunking_parses_identically(frames: list[bytes], garbage: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(g + f for g, f in zip(garbage, frames, strict=False)) + b"".join(frames[len(garbage) :])
    whole_codec = MavlinkCodec(255, 190)
    whole = frames_of(decode(whole_codec, [stream]))
    bounds = sorted({0, len(stream), *(c % (len(stream) + 1) for c in cuts)})
    chunks = [stream[a:b] for a, b in itertools.pairwise(bounds)]
    chunked_codec = MavlinkCodec(255, 190)
    assert frames_of(decode(chunked_codec, chunks)) == whole
    assert chunked_codec.counters() == whole_codec.counters()
    assert chunked_codec.stats() == whole_codec.stats()


@PROPERTY
@given(
    frames=frames_st, garbage=st.lists(garbage_st, max_size=26), chunk=st.sampled_from([1, 3, 17, 256, 4096])
)
def test_garbage_between_frames_never_loses_an_intact_frame(
    frames: list[bytes], garbage: list[bytes], chunk: int
) -> None:
    stream = b"".join(g + f for g, f in zip(garbage, frames, strict=False)) + b"".join(frames[len(garbage) :])
    stream += garbage[-1] if len(garbage) > len(frames) else b""
    got = frames_of(
        decode(MavlinkCodec(255, 190), [stream[i : i + chunk] for i in range(0, len(stream), chunk)])
    )
    assert is_subsequence(frames, got)
    assert len(got) == len(frames)  # and nothing made up out of the garbage


def content(frame: bytes) -> bytes:
    """Header, payload and CRC: what the CRC vouches for (not the signature trailer)."""
    return frame[: (10 if frame[0] == 0xFD else 6) + frame[1] + 2]


@PROPERTY
@given(frames=frames_st, data=st.data())
def test_a_torn_frame_costs_only_itself(frames: list[bytes], data: st.DataObject) -> None:
    victim = data.draw(st.integers(0, len(frames) - 1))
    keep = data.draw(st.integers(1, len(frames[victim]) - 1))
    torn = [*frames[:victim], frames[victim][:keep], *frames[victim + 1 :]]
    got = decode(MavlinkCodec(255, 190), [b"".join(torn)])
    # Without a key, a signed frame torn only in its signature trailer still has CRC-checked
    # content, and that content is delivered; any other torn frame is lost, and only it.
    delivered = frames[victim][0] == 0xFD and frames[victim][2] & 1 and keep >= len(content(frames[victim]))
    expected = [content(f) for i, f in enumerate(frames) if i != victim or delivered]
    assert [content(f) for f in frames_of(got)] == expected


@pytest.mark.parametrize("keyed", [False, True], ids=["no key", "key"])
def test_a_torn_signature_trailer_does_not_swallow_the_next_frame(keyed: bool) -> None:
    """The CRC does not cover the 13-byte signature trailer, so only the trailer can say where a
    signed frame ends; a trailer cut short must not take the next frame's first bytes with it."""
    key = bytes(32)
    sender = MavlinkCodec(2, 1, signing=SigningConfig(key, link_id=1), unix_time_s=lambda: T0)
    frames = [sender.encode(seaport.MAVLink_system_time_message(i, i)) for i in range(3)]
    receiver = MavlinkCodec(255, 190, signing=SigningConfig(key) if keyed else None, unix_time_s=lambda: T0)
    got = receiver.feed(frames[0][:-4] + frames[1] + frames[2]) + receiver.flush()
    # Without the key the torn frame's content (CRC-checked) is still delivered; with it, the
    # signature fails and the frame is dropped. Either way the next frames arrive.
    assert [m.time_unix_usec for m in got] == ([1, 2] if keyed else [0, 1, 2])
    assert receiver.counters().bad_signatures == (1 if keyed else 0)


def test_one_stray_fd_costs_nothing_where_stock_loses_following_frames() -> None:
    sender = MavlinkCodec(1, 1)
    frames = [
        sender.encode(seaport.MAVLink_attitude_message(i, 0.1, 0.2, 0.3, 0.0, 0.0, 0.0)) for i in range(20)
    ]
    stream = b"\xfd" + b"".join(frames)
    ours = MavlinkCodec(255, 190).feed(stream)
    assert frames_of(ours) == frames
    stock = seaport.MAVLink(None, 255, 190)
    stock.robust_parsing = True
    stock_frames = [m for m in stock.parse_buffer(stream) or [] if m.get_type() == "ATTITUDE"]
    assert len(stock_frames) < len(frames)  # stock takes the stray byte's header at its word


def test_unknown_message_id_is_skipped_one_byte_and_cannot_swallow_frames() -> None:
    sender = MavlinkCodec(1, 1)
    frames = [sender.encode(seaport.MAVLink_system_time_message(i, i)) for i in range(5)]
    # A header naming message id 0xABCDEF (not in the dialect) and claiming 255 bytes of payload.
    fake_header = bytes([0xFD, 255, 0, 0, 0, 1, 1, 0xEF, 0xCD, 0xAB])
    codec = MavlinkCodec(255, 190)
    got = codec.feed(fake_header + b"".join(frames))
    assert frames_of(got) == frames
    counters = codec.counters()
    assert counters.unknown_msg_ids == 1
    assert counters.bytes_skipped == len(fake_header)


def test_impossible_length_and_unknown_flags_are_rejected_from_the_header() -> None:
    frame = MavlinkCodec(1, 1).encode(seaport.MAVLink_heartbeat_message(6, 8, 0, 0, 4, 3))
    too_long = frame[:1] + bytes([200]) + frame[2:]  # HEARTBEAT is 9 bytes at most
    bad_flags = frame[:2] + bytes([0x80]) + frame[3:]
    codec = MavlinkCodec(255, 190)
    assert codec.feed(too_long + bad_flags + frame) != []
    assert codec.counters().bad_headers == 2
    assert codec.counters().frames_received == 1


def test_crc_error_resyncs_one_byte_past_the_candidate() -> None:
    sender = MavlinkCodec(1, 1)
    first = bytearray(sender.encode(seaport.MAVLink_system_time_message(1, 1)))
    second = sender.encode(seaport.MAVLink_system_time_message(2, 2))
    first[12] ^= 0x55  # inside the payload: the CRC fails
    codec = MavlinkCodec(255, 190)
    assert frames_of(codec.feed(bytes(first) + second)) == [second]
    assert codec.counters().crc_errors == 1
    assert codec.counters().bytes_skipped == len(first)


def test_partial_frames_wait_for_their_bytes_and_flush_gives_up_on_them() -> None:
    frame = MavlinkCodec(1, 1).encode(seaport.MAVLink_system_time_message(1, 2))
    codec = MavlinkCodec(255, 190)
    assert codec.feed(frame[:5]) == []
    assert codec.pending_bytes == 5
    assert frames_of(codec.feed(frame[5:])) == [frame]
    assert codec.pending_bytes == 0
    codec.feed(frame[:-1])
    assert codec.flush() == []
    assert codec.pending_bytes == 0
    assert codec.counters().bytes_skipped == len(frame) - 1


def test_feed_never_raises_on_random_bytes() -> None:
    rng = random.Random(3)
    codec = MavlinkCodec(255, 190, signing=SigningConfig(bytes(32)))
    for _ in range(200):
        codec.feed(rng.randbytes(rng.randrange(0, 600)) + rng.choice([b"\xfd", b"\xfe", b""]))
    codec.flush()
    counters = codec.counters()
    assert counters.bytes_received > 0
    assert counters.frames_received == 0
