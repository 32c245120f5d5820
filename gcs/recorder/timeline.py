"""A recorded session as one time-ordered stream: tlog frames, raw NMEA lines and journal entries.

Replay, export and reports read a session through this: the files of the folder are merged on
their receive stamps (integer microseconds, one axis for all of them) while they are read, so an
hour-long session streams through in constant memory. Reading never changes a file and never
stops at damage: a torn last record, garbage inside a tlog, a line in no known shape, a file
that cannot be opened at all — each is skipped, counted per file in :class:`TimelineReport`, and
the rest is read. Knows nothing of message contents, asyncio, links or the hub.

Which direction a tlog frame went is not in the file (MAVProxy's format has no flag for it): the
frame's own system id tells, since the ground station sends only as itself. ``TimelineItem``
carries that id so a reader can tell the station's frames from the vehicles'.
"""

from __future__ import annotations

import enum
import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from gcs.errors import LogReadError
from gcs.recorder.journal import JournalReader, JournalRecord
from gcs.recorder.nmea_log import NmeaLogReader
from gcs.recorder.session import RecordedSession, SessionState
from gcs.recorder.tlog import MAGIC_V1, MAGIC_V2, TlogReader

_SYSID_OFFSET = {MAGIC_V2: 5, MAGIC_V1: 3}


class Source(enum.Enum):
    """Which kind of file an item came from."""

    TLOG = "tlog"
    NMEA = "nmea"
    JOURNAL = "journal"


class TimelineItem(NamedTuple):
    """One record of the session at its receive stamp (µs since the Unix epoch, UTC).

    ``data`` is the raw MAVLink frame (``TLOG``), the raw sentence without its line end (``NMEA``),
    or the ``JournalRecord`` (``JOURNAL``). ``platform`` names the NMEA log's platform;
    ``system_id`` is the tlog frame's sender. The other fields are ``None``.
    """

    unix_time_us: int
    source: Source
    data: bytes | JournalRecord
    platform: str | None = None
    system_id: int | None = None


def frame_system_id(frame: bytes) -> int | None:
    """The sender's system id from a raw MAVLink v1 or v2 frame's header (``None`` if too short)."""
    if not frame:
        return None
    offset = _SYSID_OFFSET.get(frame[0])
    if offset is None or len(frame) <= offset:
        return None
    return frame[offset]


@dataclass(slots=True)
class FileReport:
    """What reading one file gave and what it skipped.

    Attributes:
        name: the file's name in the session folder.
        records: records read (frames, sentences or journal entries).
        skipped_bytes: tlog bytes inside the file that belonged to no record (damage).
        skipped_lines: NMEA or journal lines in no known shape.
        torn_bytes: an unfinished last record or line, not read.
        out_of_order: records stamped earlier than the record before them in the same file.
        error: why the file could not be read to its end (it was read up to there).
    """

    name: str
    records: int = 0
    skipped_bytes: int = 0
    skipped_lines: int = 0
    torn_bytes: int = 0
    out_of_order: int = 0
    error: str | None = None

    @property
    def clean(self) -> bool:
        return not (self.skipped_bytes or self.skipped_lines or self.torn_bytes or self.error)

    def describe(self) -> str:
        """``flight.tlog: 1200 records`` plus what was skipped, if anything."""
        parts = [f"{self.records} records"]
        if self.skipped_bytes:
            parts.append(f"{self.skipped_bytes} damaged bytes skipped")
        if self.skipped_lines:
            parts.append(f"{self.skipped_lines} unreadable lines skipped")
        if self.torn_bytes:
            parts.append(f"torn last record of {self.torn_bytes} bytes skipped")
        if self.out_of_order:
            parts.append(f"{self.out_of_order} stamps earlier than the one before")
        if self.error:
            parts.append(f"stopped: {self.error}")
        return f"{self.name}: " + ", ".join(parts)


@dataclass(frozen=True, slots=True)
class TimelineReport:
    """Per file, what was read and skipped, in the order tlog segments, NMEA logs, journal."""

    files: tuple[FileReport, ...] = ()
    notes: tuple[str, ...] = field(default=())
    """Problems with the folder itself (no manifest, a manifest that could not be read)."""

    @property
    def clean(self) -> bool:
        return not self.notes and all(f.clean for f in self.files)

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    def lines(self) -> list[str]:
        return [*self.notes, *(f.describe() for f in self.files)]


class SessionTimeline:
    """Iterate a session's records in stamp order (see the module docstring); iterate once.

    Args:
        session: the opened session folder.
        notes: problems already met opening it, carried into the report.
    """

    def __init__(self, session: RecordedSession, *, notes: Iterable[str] = ()) -> None:
        self.session = session
        self._notes = tuple(notes)
        self._files: list[FileReport] = []

    @property
    def platforms(self) -> tuple[str, ...]:
        """Platforms with a raw NMEA log in the folder (and any the manifest names)."""
        names = dict.fromkeys(self.session.nmea_paths)
        if self.session.manifest is not None:
            names.update(dict.fromkeys(self.session.manifest.platforms))
        return tuple(names)

    def report(self) -> TimelineReport:
        """What was read and skipped so far (complete once iteration has ended)."""
        return TimelineReport(tuple(self._files), self._notes)

    def __iter__(self) -> Iterator[TimelineItem]:
        streams: list[Iterator[TimelineItem]] = []
        for reader in self.session.tlog_readers():
            streams.append(self._tlog(reader))
        for platform, path in self.session.nmea_paths.items():
            streams.append(self._nmea(platform, NmeaLogReader(path)))
        if self.session.journal_path.exists():
            streams.append(self._journal(self.session.journal()))
        # heapq.merge keeps ties in the order of ``streams``: a frame before a sentence before a
        # journal entry of the same microsecond, tlog segments in recording order.
        return heapq.merge(*streams, key=itemgetter(0))

    def _report_for(self, name: str) -> FileReport:
        report = FileReport(name)
        self._files.append(report)
        return report

    def _tlog(self, reader: TlogReader) -> Iterator[TimelineItem]:
        report = self._report_for(reader.path.name)
        last_us = 0
        try:
            for stamp_us, frame in reader:
                report.records += 1
                if stamp_us < last_us:
                    report.out_of_order += 1
                last_us = stamp_us
                yield TimelineItem(stamp_us, Source.TLOG, frame, None, frame_system_id(frame))
        except LogReadError as exc:
            report.error = str(exc)
        finally:
            report.skipped_bytes = reader.skipped_bytes
            report.torn_bytes = reader.torn_bytes

    def _nmea(self, platform: str, reader: NmeaLogReader) -> Iterator[TimelineItem]:
        report = self._report_for(reader.path.name)
        last_us = 0
        try:
            for stamp_us, sentence in reader:
                report.records += 1
                if stamp_us < last_us:
                    report.out_of_order += 1
                last_us = stamp_us
                yield TimelineItem(stamp_us, Source.NMEA, sentence, platform)
        except LogReadError as exc:
            report.error = str(exc)
        finally:
            report.skipped_lines = reader.skipped_lines
            report.torn_bytes = reader.torn_bytes

    def _journal(self, reader: JournalReader) -> Iterator[TimelineItem]:
        report = self._report_for(reader.path.name)
        last_us = 0
        try:
            for record in reader:
                report.records += 1
                if record.unix_time_us < last_us:
                    report.out_of_order += 1
                last_us = record.unix_time_us
                yield TimelineItem(record.unix_time_us, Source.JOURNAL, record)
        except LogReadError as exc:
            report.error = str(exc)
        finally:
            report.skipped_lines = reader.skipped_lines
            report.torn_bytes = reader.torn_bytes


def open_for_reading(folder: Path) -> tuple[RecordedSession, tuple[str, ...]]:
    """Open a session folder for replay or export, tolerating a missing or damaged manifest.

    Returns:
        The session and notes on what was wrong with its manifest (empty if nothing).

    Raises:
        LogReadError: ``folder`` is not a folder.
    """
    try:
        session = RecordedSession.open(folder)
    except LogReadError as exc:
        if not folder.is_dir():
            raise
        return RecordedSession(folder, None), (f"manifest unreadable, files read as found: {exc}",)
    if session.manifest is None:
        return session, ("no session.json (never started cleanly?): files read as found",)
    if session.manifest.state is SessionState.INTERRUPTED:
        return session, ("session.json says interrupted: the recorder was killed; a later station "
                         "repaired the files",)
    if not session.closed_cleanly:
        return session, ("session.json says still recording: the recorder did not close it",)
    return session, ()

