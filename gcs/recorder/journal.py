"""The event journal: one JSON object per line for every command, ACK, parameter change, operator
action, decision, alert and phase change. Knows nothing of where the events come from.

Each line (written by orjson, keys in this order)::

    {"seq":12,"t_unix_s":1777638896.123456,"t_iso":"2026-05-01T12:34:56.123456Z",
     "kind":"command_sent","source":"flight_computer","who":"alice","payload":{...}}

``seq`` counts records from 0 within a session, so a gap shows loss; ``t_iso`` is exact to the
microsecond (``t_unix_s`` is the same instant as a float, for tools); ``source`` is the component
that produced the event and ``who`` the person behind it, if any. ``payload`` is free-form JSON.
A record is only complete with its ``\\n``: a torn last line is never yielded and is trimmed when
the file is opened for appending.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import orjson

from gcs.recorder.files import LineReader, trim_torn_line
from gcs.recorder.stamps import iso_utc, parse_iso_utc


class JournalKind(enum.Enum):
    """What happened. Values are the ``kind`` strings on disk and never change meaning."""

    SESSION_START = "session_start"
    SESSION_END = "session_end"
    COMMAND_SENT = "command_sent"
    COMMAND_ACK = "command_ack"
    PARAM_CHANGE = "param_change"
    OPERATOR_ACTION = "operator_action"
    DECISION = "decision"
    """A go/no-go vote or launch-commit decision, with who and why."""
    ABORT = "abort"
    ALERT = "alert"
    PHASE_CHANGE = "phase_change"
    LINK_EVENT = "link_event"
    RECORDER_FAULT = "recorder_fault"
    """The recorder's own trouble: a file it could not write, records it had to drop."""

    @property
    def critical(self) -> bool:
        """Whether the recorder flushes at once rather than on its timer."""
        return self in _CRITICAL


# The events an inquiry asks about first: these go to disk at once instead of up to one flush
# interval later. Parameter changes and link events come in bursts and ride the timer.
_CRITICAL = frozenset(
    {
        JournalKind.SESSION_START,
        JournalKind.SESSION_END,
        JournalKind.COMMAND_SENT,
        JournalKind.COMMAND_ACK,
        JournalKind.OPERATOR_ACTION,
        JournalKind.DECISION,
        JournalKind.ABORT,
        JournalKind.ALERT,
        JournalKind.PHASE_CHANGE,
        JournalKind.RECORDER_FAULT,
    }
)


@dataclass(frozen=True, slots=True)
class JournalRecord:
    """One journal entry. ``unix_time_us`` is microseconds since the Unix epoch, UTC."""

    seq: int
    unix_time_us: int
    kind: JournalKind
    source: str
    who: str | None = None
    payload: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if self.seq < 0:
            raise ValueError(f"seq must be >= 0, got {self.seq}")
        if not self.source:
            raise ValueError("source must name the component that produced the event")

    @property
    def t_unix_s(self) -> float:
        return self.unix_time_us / 1_000_000

    @property
    def t_iso(self) -> str:
        return iso_utc(self.unix_time_us)


def encode_line(record: JournalRecord) -> bytes:
    """The journal line (with its ``\\n``) for ``record``.

    Raises:
        TypeError: if the payload holds something JSON cannot say (orjson takes str keys, numbers,
            strings, lists, dicts, enums, dataclasses, datetimes).
    """
    try:
        return orjson.dumps(
            {
                "seq": record.seq,
                "t_unix_s": record.t_unix_s,
                "t_iso": record.t_iso,
                "kind": record.kind.value,
                "source": record.source,
                "who": record.who,
                "payload": dict(record.payload),
            },
            option=orjson.OPT_APPEND_NEWLINE,
        )
    except orjson.JSONEncodeError as exc:
        raise TypeError(f"journal payload of {record.kind.value} is not JSON: {exc}") from exc


def parse_line(line: bytes) -> JournalRecord:
    """The record of one journal line (without its ``\\n``).

    Raises:
        ValueError: if the line is not JSON, not an object, or lacks or mistypes a field.
    """
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    seq, t_iso, t_unix_s = obj.get("seq"), obj.get("t_iso"), obj.get("t_unix_s")
    source, who, payload = obj.get("source"), obj.get("who"), obj.get("payload")
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise ValueError(f"seq must be an integer, got {seq!r}")
    if isinstance(t_iso, str):
        unix_time_us = parse_iso_utc(t_iso)  # exact; t_unix_s is a float copy of it
    elif isinstance(t_unix_s, int | float) and not isinstance(t_unix_s, bool):
        unix_time_us = round(t_unix_s * 1_000_000)
    else:
        raise ValueError("neither t_iso nor t_unix_s is a time")
    if not isinstance(source, str):
        raise ValueError(f"source must be a string, got {source!r}")
    if who is not None and not isinstance(who, str):
        raise ValueError(f"who must be a string or null, got {who!r}")
    if not isinstance(payload, dict):
        raise ValueError(f"payload must be an object, got {payload!r}")
    kind = JournalKind(obj.get("kind"))  # ValueError for a kind this version does not know
    return JournalRecord(seq, unix_time_us, kind, source, who, MappingProxyType(payload))


class JournalReader:
    """The records of one journal file.

    Iterate once; afterwards ``records``, ``skipped_lines`` (unparsable lines, with their 1-based
    line numbers in ``skipped_line_numbers``, at most 100 kept) and ``torn_bytes`` describe the file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lines = LineReader(path)
        self.records = 0
        self.skipped_lines = 0
        self.skipped_line_numbers: list[int] = []

    @property
    def torn_bytes(self) -> int:
        return self._lines.torn_bytes

    def __iter__(self) -> Iterator[JournalRecord]:
        for number, line in enumerate(self._lines, start=1):
            try:
                record = parse_line(line)
            except ValueError:
                self.skipped_lines += 1
                if len(self.skipped_line_numbers) < 100:
                    self.skipped_line_numbers.append(number)
                continue
            self.records += 1
            yield record


def repair(path: Path) -> int:
    """Cut a torn last line off a journal; returns the bytes removed.

    Raises:
        LogReadError: if the file cannot be read.
        RecorderWriteError: if it cannot be cut.
    """
    return trim_torn_line(path)
