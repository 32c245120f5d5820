"""Sessions a killed recorder left: found, repaired, marked ``interrupted`` and reported; live and
closed sessions never touched."""

from __future__ import annotations

import os
from pathlib import Path

from gcs.clock import SimClock
from gcs.recorder import journal, nmea_log, tlog
from gcs.recorder.files import lock_folder
from gcs.recorder.journal import JournalKind, JournalRecord
from gcs.recorder.recovery import EVENT, recover_interrupted
from gcs.recorder.session import MANIFEST_NAME, Manifest, RecordedSession, SessionState
from gcs.recorder.stamps import iso_utc
from gcs.recorder.writer import RecorderSettings, SessionRecorder
from tests.support.recorder_child import frame_for, sentence_for

T0_US = 1_777_777_777_000_000
NOW_US = T0_US + 60_000_000


def killed_session(out_dir: Path, name: str, *, frames: int, torn: bool) -> Path:
    """A folder as a recorder killed mid-write leaves it: manifest ``recording``, torn last records."""
    folder = out_dir / name
    folder.mkdir(parents=True)
    manifest = Manifest(session_id=name, started_unix_us=T0_US, platforms=("landing",))
    (folder / MANIFEST_NAME).write_bytes(manifest.to_json())
    records = b"".join(tlog.encode_record(T0_US + i * 10_000, frame_for(i)) for i in range(frames))
    entry = journal.encode_line(JournalRecord(0, T0_US, JournalKind.SESSION_START, "recorder"))
    nmea = b"".join(nmea_log.encode_line(T0_US + i * 20_000, sentence_for(i)) for i in range(3))
    tail = tlog.encode_record(T0_US + frames * 10_000, frame_for(frames))[:9] if torn else b""
    (folder / "flight.tlog").write_bytes(records + tail)
    (folder / "journal.jsonl").write_bytes(entry + (b'{"seq":1,"t_un' if torn else b""))
    (folder / "nmea-landing.log").write_bytes(nmea)
    return folder


def test_a_killed_session_is_repaired_marked_and_reported_once(tmp_path: Path) -> None:
    folder = killed_session(tmp_path, "20260503T030937Z-aa", frames=7, torn=True)

    (found,) = recover_interrupted(tmp_path, recovered_by="20260503T031037Z-bb", now_unix_us=NOW_US)

    assert found.path == folder
    assert found.problem is None
    assert dict(found.trimmed_bytes) == {"flight.tlog": 9, "journal.jsonl": 14}
    assert dict(found.records) == {"flight.tlog": 7, "journal.jsonl": 1, "nmea-landing.log": 3}
    last_us = T0_US + 6 * 10_000  # the newest whole record on disk, in any file
    assert found.last_record_unix_us == last_us
    payload = found.payload()
    assert payload["event"] == EVENT
    assert payload["session"] == folder.name
    assert payload["last_record_iso"] == iso_utc(last_us)
    assert payload["repaired"] is True
    assert "0.25 s" in found.summary()
    assert folder.name in found.summary()

    session = RecordedSession.open(folder)
    assert session.manifest is not None
    assert session.manifest.state is SessionState.INTERRUPTED
    assert not session.closed_cleanly
    assert session.manifest.ended_unix_us == last_us
    assert session.manifest.counts["recovered_by"] == "20260503T031037Z-bb"
    assert session.manifest.counts["trimmed_bytes"] == {"flight.tlog": 9, "journal.jsonl": 14}
    assert [r.frame for r in session.tlog_records()] == [frame_for(i) for i in range(7)]
    assert session.repair().total_bytes == 0
    # Reported once: the next start finds nothing left to recover.
    assert recover_interrupted(tmp_path, recovered_by="x", now_unix_us=NOW_US) == []


def test_a_session_whose_recorder_is_alive_is_never_touched(tmp_path: Path) -> None:
    folder = killed_session(tmp_path, "20260503T030937Z-aa", frames=3, torn=True)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    lock_fd = lock_folder(folder, wait=False)  # as its (live) recorder holds it
    assert lock_fd is not None
    try:
        assert recover_interrupted(tmp_path, recovered_by="x", now_unix_us=NOW_US) == []
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    finally:
        os.close(lock_fd)
    assert len(recover_interrupted(tmp_path, recovered_by="x", now_unix_us=NOW_US)) == 1


async def test_a_recorder_holds_its_folder_and_reports_what_a_killed_one_left(tmp_path: Path) -> None:
    clock = SimClock(epoch_unix_s=T0_US / 1e6 + 120)
    out_dir = tmp_path / "sessions"
    killed = killed_session(out_dir, "20260503T030937Z-aa", frames=4, torn=False)
    async with SessionRecorder(RecorderSettings(out_dir=out_dir), clock) as earlier:
        pass  # closed cleanly: never a candidate
    async with SessionRecorder(RecorderSettings(out_dir=out_dir), clock) as recorder:
        assert lock_folder(recorder.session_dir, wait=False) is None  # held while it records
        (found,) = await recorder.recover_interrupted()
        assert found.path == killed
    fd = lock_folder(recorder.session_dir, wait=False)  # let go once closed
    assert fd is not None
    os.close(fd)

    entries = [e for e in RecordedSession.open(recorder.session_dir).journal()
               if e.kind is JournalKind.RECORDER_FAULT]
    assert [(e.payload["event"], e.payload["session"]) for e in entries] == [(EVENT, killed.name)]
    assert RecordedSession.open(earlier.session_dir).closed_cleanly
    assert RecordedSession.open(recorder.session_dir).closed_cleanly
