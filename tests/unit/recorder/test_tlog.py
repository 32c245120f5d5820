"""The .tlog format: frame lengths from headers, round trips, torn-tail repair at every cut, segments."""

from __future__ import annotations

import errno
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gcs.errors import RecorderWriteError
from gcs.recorder import tlog
from gcs.recorder.files import FaultyDisk
from gcs.recorder.tlog import TlogParser, TlogReader, TlogRecord, TlogWriter, encode_record, frame_length
from tests.support.recorder_child import frame_for

T0_US = 1_777_777_777_000_000
KINDS = {"v2": 0, "v2-private": 2, "v1": 3, "v2-signed": 4}


def records(count: int) -> list[TlogRecord]:
    return [TlogRecord(T0_US + 1000 * i, frame_for(i)) for i in range(count)]


def encoded(recs: list[TlogRecord]) -> bytes:
    return b"".join(encode_record(r.unix_time_us, r.frame) for r in recs)


def test_frame_length_reads_v1_v2_and_the_signature_flag() -> None:
    v2, v1, signed = frame_for(0), frame_for(3), frame_for(4)
    assert (v2[0], v1[0], signed[0]) == (0xFD, 0xFE, 0xFD)
    assert signed[2] & 0x01
    for frame in (v2, v1, signed, frame_for(2)):
        assert frame_length(frame) == len(frame)
        assert frame_length(b"\x00" + frame, 1) == len(frame)
    assert len(signed) == 10 + signed[1] + 2 + 13
    assert frame_length(v2[:2]) is None  # the incompat flags decide the length
    assert frame_length(v1[:1]) is None
    with pytest.raises(ValueError, match="start byte"):
        frame_length(b"\x55\x01\x02")


def test_encode_record_refuses_anything_but_one_whole_frame() -> None:
    frame = frame_for(1)
    assert encode_record(5, frame) == struct.pack(">Q", 5) + frame
    with pytest.raises(ValueError, match="whole MAVLink frame"):
        encode_record(5, frame[:-1])
    with pytest.raises(ValueError, match="whole MAVLink frame"):
        encode_record(5, frame + b"\x00")
    with pytest.raises(ValueError, match="out of range"):
        encode_record(-1, frame)


def test_writer_and_reader_round_trip_every_frame_kind(tmp_path: Path) -> None:
    written = records(50)
    with TlogWriter(tmp_path) as writer:
        writer.write([encode_record(*r) for r in written[:20]])
        for stamp_us, frame in written[20:]:
            writer.write_frame(stamp_us, frame)
    assert (tmp_path / "flight.tlog").read_bytes() == encoded(written)
    reader = TlogReader(tmp_path / "flight.tlog", chunk_bytes=97)  # chunks that split records
    assert list(reader) == written
    assert (reader.records, reader.skipped_bytes, reader.torn_bytes) == (50, 0, 0)


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=12))
def test_parser_gives_the_same_records_however_the_bytes_arrive(cuts: list[int]) -> None:
    data = encoded(records(30))
    parser = TlogParser()
    out: list[TlogRecord] = []
    start = 0
    for cut in sorted(c % (len(data) + 1) for c in cuts):
        out += parser.feed(data[start:cut])
        start = cut
    out += parser.feed(data[start:])
    out += parser.finish()
    assert out == records(30)
    assert parser.torn_bytes == 0


@pytest.mark.parametrize("last_kind", list(KINDS))
def test_torn_last_record_is_trimmed_at_every_cut_point(tmp_path: Path, last_kind: str) -> None:
    sound = records(10)
    last = TlogRecord(T0_US + 10_000_000, frame_for(100 + KINDS[last_kind]))
    last_bytes = encode_record(*last)
    path = tmp_path / "flight.tlog"
    for cut in range(1, len(last_bytes)):
        path.write_bytes(encoded(sound) + last_bytes[:cut])
        reader = TlogReader(path)
        assert list(reader) == sound, f"cut {cut}"
        assert reader.torn_bytes == cut
        assert tlog.torn_tail_bytes(path) == cut
        assert tlog.repair(path) == cut
        assert path.read_bytes() == encoded(sound)
        assert tlog.repair(path) == 0
    path.write_bytes(encoded(sound) + last_bytes)
    assert list(TlogReader(path)) == [*sound, last]


def test_a_file_holding_only_a_torn_record_repairs_to_empty(tmp_path: Path) -> None:
    path = tmp_path / "flight.tlog"
    torn = encoded(records(1))[:-3]
    path.write_bytes(torn)
    assert tlog.repair(path) == len(torn)
    assert path.read_bytes() == b""
    assert list(TlogReader(path)) == []


def test_opening_for_append_trims_the_torn_tail_first(tmp_path: Path) -> None:
    path = tmp_path / "flight.tlog"
    path.write_bytes(encoded(records(5)) + encode_record(*records(6)[5])[:11])
    with TlogWriter(tmp_path) as writer:
        assert writer.trimmed_bytes == 11
        writer.write_frame(*records(6)[5])
    assert list(TlogReader(path)) == records(6)


def test_damage_in_the_middle_is_skipped_and_counted(tmp_path: Path) -> None:
    recs = records(20)
    garbage = b"\x00\xfd\x07garbage\xfe" * 3
    path = tmp_path / "flight.tlog"
    path.write_bytes(encoded(recs[:8]) + garbage + encoded(recs[8:]))
    reader = TlogReader(path)
    assert list(reader) == recs
    assert reader.skipped_bytes == len(garbage)
    assert reader.torn_bytes == 0


def test_segments_stay_under_the_limit_and_read_back_in_numeric_order(tmp_path: Path) -> None:
    recs = records(400)
    with TlogWriter(tmp_path, segment_bytes=1024) as writer:
        for start in range(0, 400, 37):
            writer.write([encode_record(*r) for r in recs[start : start + 37]])
    paths = tlog.segment_paths(tmp_path)
    assert len(paths) > 10  # flight-10 must sort after flight-9
    assert [p.name for p in paths] == [f"flight-{n}.tlog" for n in range(1, len(paths) + 1)]
    assert all(0 < p.stat().st_size <= 1024 for p in paths)
    assert [r for p in paths for r in TlogReader(p)] == recs
    assert not (tmp_path / "flight.tlog").exists()


def test_reopening_segments_continues_the_last_one(tmp_path: Path) -> None:
    recs = records(40)
    with TlogWriter(tmp_path, segment_bytes=1024) as writer:
        writer.write([encode_record(*r) for r in recs[:20]])
    before = tlog.segment_paths(tmp_path)
    with TlogWriter(tmp_path, segment_bytes=1024) as writer:
        assert writer.path == before[-1]
        writer.write([encode_record(*r) for r in recs[20:]])
    assert [r for p in tlog.segment_paths(tmp_path) for r in TlogReader(p)] == recs


def test_a_failed_write_leaves_no_partial_record_and_names_the_file(tmp_path: Path) -> None:
    disk = FaultyDisk()
    recs = records(30)
    with TlogWriter(tmp_path, opener=disk) as writer:
        writer.write([encode_record(*r) for r in recs[:10]])
        disk.write_errno, disk.partial_bytes = errno.ENOSPC, 37  # a short write, then ENOSPC
        with pytest.raises(RecorderWriteError) as caught:
            writer.write([encode_record(*r) for r in recs[10:20]])
        assert caught.value.errno == errno.ENOSPC
        assert caught.value.path == tmp_path / "flight.tlog"
        assert "No space left" in str(caught.value)
        assert list(TlogReader(tmp_path / "flight.tlog")) == recs[:10]
        disk.write_errno = None
        writer.write([encode_record(*r) for r in recs[10:]])
    assert list(TlogReader(tmp_path / "flight.tlog")) == recs


def test_a_failed_write_across_a_segment_change_is_rolled_back_whole(tmp_path: Path) -> None:
    disk = FaultyDisk()
    recs = records(60)
    with TlogWriter(tmp_path, segment_bytes=1024, opener=disk) as writer:
        writer.write([encode_record(*r) for r in recs[:10]])
        disk.only = "flight-2"  # the first segment takes its share, the new one fails
        disk.write_errno = errno.ENOSPC
        with pytest.raises(RecorderWriteError, match=r"flight-2\.tlog"):
            writer.write([encode_record(*r) for r in recs[10:40]])
        assert [p.name for p in tlog.segment_paths(tmp_path)] == ["flight-1.tlog"]
        assert list(TlogReader(tmp_path / "flight-1.tlog")) == recs[:10]
        disk.write_errno = None
        writer.write([encode_record(*r) for r in recs[10:]])
    assert [r for p in tlog.segment_paths(tmp_path) for r in TlogReader(p)] == recs
