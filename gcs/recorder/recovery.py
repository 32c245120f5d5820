"""Sessions a killed recorder left behind: find them, repair their files, mark them, say what survived.

A recorder killed outright (kill -9, a crash, a power cut) leaves its session folder with a
manifest that still says ``recording`` and at most one torn record at the end of each file. The
next station that records into the same sessions folder calls ``recover_interrupted``: each such
folder is repaired (``RecordedSession.repair``), its manifest rewritten as ``interrupted`` with
the newest record on disk as its end and what survived as its counts, and an
``InterruptedSession`` returned, for the new session's journal and the terminal. What the dead
recorder held in memory (at most its flush interval) is gone; the report says from when.

A folder whose recorder is alive is never touched: every recorder holds an exclusive ``flock`` on
its session folder while it records (``gcs.recorder.writer``), the kernel releases it when the
process dies, and recovery takes the same lock, without waiting, before it reads the manifest.

Blocking file work for a worker thread; knows nothing of asyncio, links or the station.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from gcs.errors import RecorderError
from gcs.recorder.files import lock_folder, write_file_atomic
from gcs.recorder.session import MANIFEST_NAME, RecordedSession, SessionState
from gcs.recorder.stamps import iso_utc

EVENT = "session_interrupted"
"""The ``event`` of the ``recorder_fault`` journal entry that reports one (in the new session)."""


@dataclass(frozen=True, slots=True)
class InterruptedSession:
    """A session whose recorder died, as recovery found it.

    Attributes:
        path: its folder.
        started_unix_us: when it started (from its manifest).
        last_record_unix_us: the newest record on disk in any of its files, after repair (None:
            nothing reached the disk). Anything received after it, up to the recorder's
            ``flush_interval_s``, was lost with the process.
        flush_interval_s: the dead recorder's flush interval (the most it can have lost).
        records: records on disk per file, after repair.
        trimmed_bytes: torn last records cut, per file (files that needed nothing are not listed).
        problem: why it could not be repaired or marked (it stays ``recording``, and is tried again
            at the next start); None when it was.
    """

    path: Path
    started_unix_us: int
    last_record_unix_us: int | None
    flush_interval_s: float
    records: Mapping[str, int]
    trimmed_bytes: Mapping[str, int]
    problem: str | None = None

    def payload(self) -> dict[str, Any]:
        """The journal entry's payload (``recorder_fault``, ``"event": "session_interrupted"``)."""
        last = self.last_record_unix_us
        return {
            "event": EVENT,
            "session": self.path.name,
            "started_iso": iso_utc(self.started_unix_us),
            "last_record_iso": None if last is None else iso_utc(last),
            "last_record_unix_s": None if last is None else last / 1_000_000,
            "flush_interval_s": self.flush_interval_s,
            "records": dict(self.records),
            "trimmed_bytes": dict(self.trimmed_bytes),
            "repaired": self.problem is None,
            "problem": self.problem,
        }

    def summary(self) -> str:
        """One line for the terminal."""
        if self.problem is not None:
            return f"session {self.path.name} was not closed (killed?); not repaired: {self.problem}"
        last = self.last_record_unix_us
        kept = "nothing reached the disk" if last is None else f"records up to {iso_utc(last)} kept"
        cut = sum(self.trimmed_bytes.values())
        return (f"session {self.path.name} was not closed (killed?): repaired ({cut} torn bytes cut), "
                f"{kept}; what came after, at most {self.flush_interval_s:g} s, was lost")


def recover_interrupted(out_dir: Path, *, recovered_by: str, now_unix_us: int) -> list[InterruptedSession]:
    """Repair and mark every session in ``out_dir`` whose recorder died; returns them, oldest first.

    ``recovered_by`` (the new session's name) and ``now_unix_us`` go into each manifest's counts.
    Never raises for one session's trouble: that session is returned with its ``problem``.
    """
    try:
        candidates = sorted(p for p in out_dir.iterdir() if (p / MANIFEST_NAME).is_file())
    except OSError:
        return []  # no sessions folder yet, or unreadable: the recorder itself reports the latter
    found: list[InterruptedSession] = []
    for path in candidates:
        try:
            lock_fd = lock_folder(path, wait=False)
        except OSError:
            continue  # vanished, or not ours to open
        if lock_fd is None:
            continue  # its recorder is alive
        try:
            interrupted = _recover(path, recovered_by=recovered_by, now_unix_us=now_unix_us)
        finally:
            os.close(lock_fd)
        if interrupted is not None:
            found.append(interrupted)
    return found


def _recover(path: Path, *, recovered_by: str, now_unix_us: int) -> InterruptedSession | None:
    try:
        session = RecordedSession.open(path)
    except RecorderError:
        return None  # not a session this version can read: leave it as it is
    manifest = session.manifest
    if manifest is None or manifest.state is not SessionState.RECORDING:
        return None
    records: dict[str, int] = {}
    trimmed: Mapping[str, int] = {}
    last_us: int | None = None
    try:
        trimmed = session.repair().trimmed_bytes
        for reader in session.tlog_readers():
            for record in reader:
                last_us = _later(last_us, record.unix_time_us)
            records[reader.path.name] = reader.records
        journal = session.journal()
        if journal.path.exists():
            for entry in journal:
                last_us = _later(last_us, entry.unix_time_us)
            records[journal.path.name] = journal.records
        for platform, nmea_path in session.nmea_paths.items():
            nmea = session.nmea(platform)
            for sentence in nmea:
                last_us = _later(last_us, sentence.unix_time_us)
            records[nmea_path.name] = nmea.records
        counts = {
            "records": records,
            "trimmed_bytes": dict(trimmed),
            "recovered_by": recovered_by,
            "recovered_iso": iso_utc(now_unix_us),
        }
        write_file_atomic(path / MANIFEST_NAME, dataclasses.replace(
            manifest, state=SessionState.INTERRUPTED, ended_unix_us=last_us,
            counts=MappingProxyType(counts)).to_json())
    except RecorderError as exc:
        return InterruptedSession(path, manifest.started_unix_us, last_us, manifest.flush_interval_s,
                                  MappingProxyType(records), MappingProxyType(dict(trimmed)), str(exc))
    return InterruptedSession(path, manifest.started_unix_us, last_us, manifest.flush_interval_s,
                              MappingProxyType(records), MappingProxyType(dict(trimmed)))


def _later(current: int | None, stamp_us: int) -> int:
    return stamp_us if current is None or stamp_us > current else current
