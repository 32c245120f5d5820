"""Raw NMEA logs: stamps and sentences round-trip byte for byte; torn and foreign lines are handled."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gcs.recorder import nmea_log
from gcs.recorder.nmea_log import NmeaLogReader, NmeaRecord, encode_line, parse_line

T0_US = 1_777_777_777_123_456


@pytest.mark.parametrize(
    ("sentence", "line"),
    [
        (
            b"$GPZDA,123456.00,01,05,2026,00,00*6A",
            b"2026-05-03T03:09:37.123456Z\t$GPZDA,123456.00,01,05,2026,00,00*6A\n",
        ),
        (
            b"\\s:r3669961,c:1503449373*5A\\!AIVDM,1,1,,A,13aEOK?P00PD2wVMdLDRhgvL289?,0*26",
            b"2026-05-03T03:09:37.123456Z\t\\s:r3669961,c:1503449373*5A\\!AIVDM,1,1,,A,13aEOK?P00PD2wVMdLDRhgvL289?,0*26\n",
        ),
        (
            b"$GPGGA,1\x00\xff\t\\*00\r",
            b"2026-05-03T03:09:37.123456Z\tx\t$GPGGA,1\\x00\\xff\\x09\\\\*00\\x0d\n",
        ),
        (b"", b"2026-05-03T03:09:37.123456Z\t\n"),
    ],
    ids=["plain", "tag-block-kept-as-is", "escaped", "empty"],
)
def test_lines_look_like_this_and_read_back_exactly(sentence: bytes, line: bytes) -> None:
    assert encode_line(T0_US, sentence) == line
    assert parse_line(line[:-1]) == NmeaRecord(T0_US, sentence)


@given(sentence=st.binary(max_size=120), stamp_us=st.integers(min_value=0, max_value=4_102_444_800_000_000))
def test_any_bytes_round_trip(sentence: bytes, stamp_us: int) -> None:
    line = encode_line(stamp_us, sentence)
    assert line.count(b"\n") == 1
    assert line.endswith(b"\n")
    assert parse_line(line[:-1]) == NmeaRecord(stamp_us, sentence)


def test_torn_last_line_is_ignored_then_trimmed_at_every_cut_point(tmp_path: Path) -> None:
    sound = [NmeaRecord(T0_US + i, b"$GPHDT,%d.0,T*00" % i) for i in range(5)]
    head = b"".join(encode_line(*r) for r in sound)
    last = encode_line(T0_US + 99, b"$GPHDT,99.0,T*00\x01")
    path = tmp_path / "nmea-landing.log"
    for cut in range(1, len(last)):
        path.write_bytes(head + last[:cut])
        reader = NmeaLogReader(path)
        assert list(reader) == sound
        assert (reader.torn_bytes, reader.skipped_lines) == (cut, 0)
        assert nmea_log.repair(path) == cut
        assert path.read_bytes() == head


def test_lines_not_in_the_format_are_skipped_and_counted(tmp_path: Path) -> None:
    good = encode_line(T0_US, b"$GPHDT,1.0,T*00")
    path = tmp_path / "nmea-landing.log"
    path.write_bytes(
        good
        + b"no tab here\n"
        + b"yesterday\t$GPHDT,1.0,T*00\n"
        + b"2026-05-03T03:09:37.123456Z\tx\tbad \\q escape\n"
        + b"2026-05-03T03:09:37.123456Z\traw \x01 control\n"
        + good
    )
    reader = NmeaLogReader(path)
    assert [r.sentence for r in reader] == [b"$GPHDT,1.0,T*00"] * 2
    assert reader.skipped_lines == 4
