"""The event journal: field layout, round trip, torn last line at every cut, unparsable lines counted."""

from __future__ import annotations

import enum
from pathlib import Path
from types import MappingProxyType

import orjson
import pytest

from gcs.recorder import journal
from gcs.recorder.journal import JournalKind, JournalReader, JournalRecord, encode_line, parse_line

T0_US = 1_777_777_777_123_456


class Result(enum.Enum):
    ACCEPTED = 0


def record(seq: int, kind: JournalKind = JournalKind.COMMAND_SENT) -> JournalRecord:
    return JournalRecord(
        seq, T0_US + seq, kind, "flight_computer", "alice", MappingProxyType({"command": "ARM", "try": seq})
    )


def test_a_line_carries_time_kind_source_who_and_payload() -> None:
    line = encode_line(
        JournalRecord(3, T0_US, JournalKind.COMMAND_ACK, "flight_computer", None, {"result": Result.ACCEPTED})
    )
    assert line.endswith(b"}\n")
    assert line.count(b"\n") == 1
    assert orjson.loads(line) == {
        "seq": 3,
        "t_unix_s": 1_777_777_777.123456,
        "t_iso": "2026-05-03T03:09:37.123456Z",
        "kind": "command_ack",
        "source": "flight_computer",
        "who": None,
        "payload": {"result": 0},
    }


def test_records_round_trip() -> None:
    for kind in JournalKind:
        original = record(7, kind)
        assert parse_line(encode_line(original)[:-1]) == original


def test_a_payload_json_cannot_say_is_refused() -> None:
    with pytest.raises(TypeError, match="not JSON"):
        encode_line(JournalRecord(0, T0_US, JournalKind.ALERT, "monitor", None, {"x": object()}))


def test_critical_kinds_are_the_ones_an_inquiry_reads_first() -> None:
    assert JournalKind.COMMAND_SENT.critical
    assert JournalKind.ABORT.critical
    assert JournalKind.ALERT.critical
    assert not JournalKind.PARAM_CHANGE.critical
    assert not JournalKind.LINK_EVENT.critical


def test_torn_last_line_is_ignored_then_trimmed_at_every_cut_point(tmp_path: Path) -> None:
    sound = [record(i) for i in range(4)]
    head = b"".join(encode_line(r) for r in sound)
    last = encode_line(record(4, JournalKind.ABORT))
    path = tmp_path / "journal.jsonl"
    for cut in range(1, len(last)):  # up to and including "all but the newline"
        path.write_bytes(head + last[:cut])
        reader = JournalReader(path)
        assert list(reader) == sound, f"cut {cut}"
        assert (reader.torn_bytes, reader.skipped_lines) == (cut, 0)
        assert journal.repair(path) == cut
        assert path.read_bytes() == head
        assert journal.repair(path) == 0


@pytest.mark.parametrize(
    "bad",
    [
        b"{not json",
        b"[1, 2, 3]",
        b'{"seq": 1, "t_iso": "2026-05-03T03:09:37.123456Z", "kind": "no_such_kind", '
        b'"source": "x", "payload": {}}',
        b'{"seq": 1, "t_iso": "yesterday", "kind": "alert", "source": "x", "payload": {}}',
        b'{"seq": 1, "kind": "alert", "source": "x", "payload": {}}',
        b'{"seq": 1, "t_unix_s": 1.5, "kind": "alert", "source": "x", "payload": []}',
        b'{"seq": true, "t_unix_s": 1.5, "kind": "alert", "source": "x", "payload": {}}',
        b'{"seq": 1, "t_unix_s": 1.5, "kind": "alert", "source": "", "payload": {}}',
        b"",
    ],
)
def test_unparsable_lines_are_skipped_and_counted(tmp_path: Path, bad: bytes) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_bytes(encode_line(record(0)) + bad + b"\n" + encode_line(record(1)))
    reader = JournalReader(path)
    assert list(reader) == [record(0), record(1)]
    assert reader.skipped_lines == 1
    assert reader.skipped_line_numbers == [2]


def test_a_line_with_only_t_unix_s_still_reads() -> None:
    line = b'{"seq": 0, "t_unix_s": 1777777777.123456, "kind": "alert", "source": "x", "payload": {}}'
    assert parse_line(line).unix_time_us == T0_US
