"""Link statistics per remote system: frames, bytes, sequence gaps as loss, and codec-wide counters."""

from __future__ import annotations

import dataclasses

import pytest

from gcs.protocol.dialect import seaport
from gcs.protocol.mavlink import LinkStats, MavlinkCodec, SigningConfig


def frames_with_seqs(seqs: list[int], sysid: int = 1, compid: int = 1) -> list[bytes]:
    """SYSTEM_TIME frames from (sysid, compid) carrying the given sequence numbers."""
    sender = MavlinkCodec(sysid, compid)
    out = []
    for i, seq in enumerate(seqs):
        while True:
            frame = sender.encode(seaport.MAVLink_system_time_message(i, i))
            if frame[4] == seq:
                break
        out.append(frame)
    return out


def test_sequence_gaps_count_as_lost_frames() -> None:
    codec = MavlinkCodec(255, 190)
    frames = frames_with_seqs([0, 1, 2, 5, 6, 10])  # 3, 4 and 7, 8, 9 missing
    codec.feed(b"".join(frames))
    stats = codec.stats()[(1, 1)]
    assert stats.frames_received == 6
    assert stats.frames_lost == 5
    assert stats.loss_pct == pytest.approx(100 * 5 / 11)
    assert stats.bytes_received == sum(len(f) for f in frames)
    assert stats.last_seq == 10


def test_sequence_wraps_at_256_without_loss_and_repeats_count_as_duplicates() -> None:
    codec = MavlinkCodec(255, 190)
    frames = frames_with_seqs([253, 254, 255, 0, 1])
    codec.feed(b"".join([*frames, frames[-1]]))
    stats = codec.stats()[(1, 1)]
    assert (stats.frames_received, stats.frames_lost, stats.duplicates) == (6, 0, 1)
    assert stats.loss_pct == 0.0


def test_every_remote_system_and_component_has_its_own_statistics() -> None:
    codec = MavlinkCodec(255, 190)
    vehicle = frames_with_seqs([0, 1, 2, 3], sysid=1, compid=1)
    platform = frames_with_seqs([0, 9], sysid=2, compid=1)
    camera = frames_with_seqs([7], sysid=1, compid=100)
    codec.feed(b"".join(vehicle[:2] + platform[:1] + camera + vehicle[2:] + platform[1:]))
    stats = codec.stats()
    assert set(stats) == {(1, 1), (2, 1), (1, 100)}
    assert (stats[(1, 1)].frames_received, stats[(1, 1)].frames_lost) == (4, 0)
    assert (stats[(2, 1)].frames_received, stats[(2, 1)].frames_lost) == (2, 8)
    assert (stats[(1, 100)].frames_received, stats[(1, 100)].frames_lost) == (1, 0)


def test_refused_frames_do_not_move_sequence_tracking() -> None:
    key = bytes(32)
    codec = MavlinkCodec(255, 190, signing=SigningConfig(key), unix_time_s=lambda: 1.8e9)
    unsigned = frames_with_seqs([0, 1, 2])
    signed = MavlinkCodec(1, 1, signing=SigningConfig(key), unix_time_s=lambda: 1.8e9)
    codec.feed(b"".join(unsigned))  # refused: the remote is known but nothing is counted as received
    codec.feed(b"".join(signed.encode(seaport.MAVLink_system_time_message(i, i)) for i in range(3)))
    stats = codec.stats()[(1, 1)]
    assert (stats.frames_received, stats.frames_lost, stats.rejected_unsigned) == (3, 0, 3)


def test_codec_counters_add_up() -> None:
    codec = MavlinkCodec(255, 190)
    good = frames_with_seqs([0, 1])
    broken = bytearray(good[1])
    broken[-1] ^= 0xFF
    garbage = b"\x00\x11\x22"
    data = garbage + good[0] + bytes(broken) + good[1]
    assert len(codec.feed(data)) == 2
    counters = codec.counters()
    assert counters.bytes_received == len(data)
    assert counters.frames_received == 2
    assert counters.crc_errors == 1
    assert counters.bytes_skipped == len(garbage) + len(broken)


def test_snapshots_are_frozen_and_do_not_change_afterwards() -> None:
    codec = MavlinkCodec(255, 190)
    frames = frames_with_seqs([0, 1])
    codec.feed(frames[0])
    before, counters = codec.stats()[(1, 1)], codec.counters()
    codec.feed(frames[1])
    assert before.frames_received == 1
    assert counters.frames_received == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        before.frames_received = 5  # type: ignore[misc]


def test_loss_pct_of_a_silent_remote_is_zero() -> None:
    assert LinkStats(0, 0, 0, 0, 0, 0, -1).loss_pct == 0.0
