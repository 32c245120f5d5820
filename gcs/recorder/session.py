"""A session folder: its layout, its ``session.json`` manifest, and reading it back (for replay,
reports and export). Knows nothing of asyncio, links, the console or the broker.

::

    sessions/20260501T123456Z-3fa9c1/
        session.json            manifest: format, times, settings, platforms, final counts
        flight.tlog             MAVLink, both directions (or flight-1.tlog, flight-2.tlog, ...)
        nmea-<platform>.log     raw NMEA per sea platform, with receive stamps
        journal.jsonl           commands, ACKs, parameter changes, operator actions, alerts, phases

The manifest is rewritten atomically at start (``state: recording``) and at a clean close
(``state: closed``, end time, counts), so a session whose manifest still says ``recording`` was
not closed cleanly: its files are read, and repaired, all the same. The next station to record in
the same sessions folder repairs such a session and marks it ``interrupted``
(``gcs.recorder.recovery``).
"""

from __future__ import annotations

import enum
import errno
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

import orjson

from gcs.errors import LogReadError
from gcs.recorder import journal, nmea_log, tlog
from gcs.recorder.files import fsync_dir, write_error
from gcs.recorder.journal import JournalReader
from gcs.recorder.nmea_log import NmeaLogReader
from gcs.recorder.stamps import iso_utc
from gcs.recorder.tlog import TlogReader, TlogRecord

FORMAT = "seaport-session/1"
MANIFEST_NAME = "session.json"
TLOG_STEM = "flight"
JOURNAL_NAME = "journal.jsonl"
NMEA_PREFIX = "nmea-"
NMEA_SUFFIX = ".log"

# Platform names become file names: keep them to characters every filesystem and shell takes.
_PLATFORM_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_SUFFIX_RE = re.compile(r"[0-9a-z]{1,16}")


class SessionState(enum.Enum):
    RECORDING = "recording"
    CLOSED = "closed"
    INTERRUPTED = "interrupted"
    """The recorder died (kill -9, a crash, power): a later station found the folder, repaired its
    files and says so here (``gcs.recorder.recovery``); ``ended`` is its newest record."""


def check_platform_name(name: str) -> str:
    """``name`` if it can be part of a file name (``[A-Za-z0-9][A-Za-z0-9_-]*``, at most 64).

    Raises:
        ValueError: otherwise.
    """
    if not _PLATFORM_RE.fullmatch(name):
        raise ValueError(f"platform name {name!r} must match [A-Za-z0-9][A-Za-z0-9_-]{{0,63}}")
    return name


def nmea_file_name(platform: str) -> str:
    return f"{NMEA_PREFIX}{check_platform_name(platform)}{NMEA_SUFFIX}"


def session_dir_name(start_unix_us: int, suffix: str) -> str:
    """``20260501T123456Z-3fa9c1``: sorts by start time; the suffix keeps two starts apart."""
    if not _SUFFIX_RE.fullmatch(suffix):
        raise ValueError(f"session suffix must be 1-16 of [0-9a-z], got {suffix!r}")
    start = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=start_unix_us)
    return f"{start:%Y%m%dT%H%M%SZ}-{suffix}"


def random_suffixes() -> Iterator[str]:
    while True:
        yield secrets.token_hex(3)


def create_session_dir(
    out_dir: Path, start_unix_us: int, suffixes: Iterable[str] | None = None, *, attempts: int = 16
) -> Path:
    """Make a new, empty session folder under ``out_dir`` (creating ``out_dir`` if needed).

    Never reuses a folder: ``mkdir`` without ``exist_ok`` is the check, so two recorders starting
    in the same second (or a clock that went back) still get separate folders.

    Raises:
        RecorderWriteError: naming the folder that could not be made.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(out_dir, "create the sessions folder", exc) from exc
    source = iter(suffixes) if suffixes is not None else random_suffixes()
    path = out_dir
    for _, suffix in zip(range(attempts), source, strict=False):
        path = out_dir / session_dir_name(start_unix_us, suffix)
        try:
            path.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise write_error(path, "create the session folder", exc) from exc
        try:
            fsync_dir(out_dir)
        except OSError as exc:
            raise write_error(out_dir, "fsync the sessions folder", exc) from exc
        return path
    raise write_error(
        path, "create the session folder", FileExistsError(errno.EEXIST, "every name tried exists")
    )


@dataclass(frozen=True, slots=True)
class Manifest:
    """What ``session.json`` holds."""

    session_id: str
    started_unix_us: int
    state: SessionState = SessionState.RECORDING
    ended_unix_us: int | None = None
    flush_interval_s: float = 0.25
    tlog_segment_bytes: int | None = None
    platforms: tuple[str, ...] = ()
    counts: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    format: str = FORMAT

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "format": self.format,
                "session_id": self.session_id,
                "state": self.state.value,
                "started_unix_s": self.started_unix_us / 1_000_000,
                "started_iso": iso_utc(self.started_unix_us),
                "ended_unix_s": None if self.ended_unix_us is None else self.ended_unix_us / 1_000_000,
                "ended_iso": None if self.ended_unix_us is None else iso_utc(self.ended_unix_us),
                "flush_interval_s": self.flush_interval_s,
                "tlog_segment_bytes": self.tlog_segment_bytes,
                "platforms": list(self.platforms),
                "files": {
                    "tlog": f"{TLOG_STEM}.tlog" if self.tlog_segment_bytes is None else f"{TLOG_STEM}-N.tlog",
                    "journal": JOURNAL_NAME,
                    "nmea": {p: nmea_file_name(p) for p in self.platforms},
                },
                "counts": dict(self.counts),
            },
            option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE,
        )

    @classmethod
    def from_json(cls, data: bytes, path: Path) -> Manifest:
        """Raises: LogReadError naming ``path`` if it is not a manifest of this format."""
        try:
            obj = orjson.loads(data)
            if not isinstance(obj, dict) or obj.get("format") != FORMAT:
                raise ValueError(f"format is not {FORMAT}")
            ended = obj.get("ended_unix_s")
            return cls(
                session_id=str(obj["session_id"]),
                started_unix_us=round(float(obj["started_unix_s"]) * 1_000_000),
                state=SessionState(obj["state"]),
                ended_unix_us=None if ended is None else round(float(ended) * 1_000_000),
                flush_interval_s=float(obj["flush_interval_s"]),
                tlog_segment_bytes=obj.get("tlog_segment_bytes"),
                platforms=tuple(check_platform_name(str(p)) for p in obj.get("platforms", [])),
                counts=MappingProxyType(dict(obj.get("counts") or {})),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise LogReadError(path, f"not a {FORMAT} manifest: {exc}") from exc


@dataclass(frozen=True, slots=True)
class RepairReport:
    """Bytes trimmed off each file's torn tail (files not listed needed nothing)."""

    trimmed_bytes: Mapping[str, int]

    @property
    def total_bytes(self) -> int:
        return sum(self.trimmed_bytes.values())


class RecordedSession:
    """A session folder opened for reading. Replay, reports and export start here.

    The files are found on disk rather than trusted from the manifest, which is stale after a kill.
    """

    def __init__(self, path: Path, manifest: Manifest | None) -> None:
        self.path = path
        self.manifest = manifest

    @classmethod
    def open(cls, path: Path) -> RecordedSession:
        """Open ``path`` for reading; never changes it (see ``repair``).

        Raises:
            LogReadError: if ``path`` is not a folder or its manifest is unreadable or malformed.
        """
        if not path.is_dir():
            raise LogReadError(path, "not a session folder")
        manifest_path = path / MANIFEST_NAME
        try:
            data = manifest_path.read_bytes()
        except FileNotFoundError:
            return cls(path, None)
        except OSError as exc:
            raise LogReadError(manifest_path, f"cannot read: {exc.strerror or exc}", exc.errno) from exc
        return cls(path, Manifest.from_json(data, manifest_path))

    @property
    def closed_cleanly(self) -> bool:
        return self.manifest is not None and self.manifest.state is SessionState.CLOSED

    @property
    def tlog_paths(self) -> list[Path]:
        return tlog.segment_paths(self.path, TLOG_STEM)

    @property
    def journal_path(self) -> Path:
        return self.path / JOURNAL_NAME

    @property
    def nmea_paths(self) -> dict[str, Path]:
        """Raw NMEA log per platform name."""
        found: dict[str, Path] = {}
        for candidate in sorted(self.path.glob(f"{NMEA_PREFIX}*{NMEA_SUFFIX}")):
            name = candidate.name[len(NMEA_PREFIX) : -len(NMEA_SUFFIX)]
            if _PLATFORM_RE.fullmatch(name):
                found[name] = candidate
        return found

    def tlog_readers(self) -> list[TlogReader]:
        """One reader per segment, in order; iterate each, then read its counters."""
        return [TlogReader(p) for p in self.tlog_paths]

    def tlog_records(self) -> Iterator[TlogRecord]:
        """All MAVLink records of the session, segment after segment."""
        for reader in self.tlog_readers():
            yield from reader

    def journal(self) -> JournalReader:
        return JournalReader(self.journal_path)

    def nmea(self, platform: str) -> NmeaLogReader:
        """Raises: LogReadError if the session has no log for ``platform``."""
        path = self.nmea_paths.get(platform)
        if path is None:
            raise LogReadError(self.path / nmea_file_name(platform), "no raw NMEA log for this platform")
        return NmeaLogReader(path)

    def repair(self) -> RepairReport:
        """Trim every torn last record (tlog) or line (journal, NMEA) left by a killed recorder.

        Raises:
            LogReadError, RecorderWriteError: naming the file that could not be read or cut.
        """
        trimmed: dict[str, int] = {}
        for path in self.tlog_paths:
            trimmed[path.name] = tlog.repair(path)
        if self.journal_path.exists():
            trimmed[JOURNAL_NAME] = journal.repair(self.journal_path)
        for path in self.nmea_paths.values():
            trimmed[path.name] = nmea_log.repair(path)
        return RepairReport(MappingProxyType({k: v for k, v in trimmed.items() if v}))
