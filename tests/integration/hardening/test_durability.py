"""Durability of the recording: repeated seeded SIGKILLs, and a session folder that goes away mid-session.

* Five recording processes (``tests.support.recorder_child``) are killed one after the other, each
  at a seeded random moment, all recording into the same sessions folder as a ground station
  restarted after each crash would. After each kill the session reopens, says it was not closed
  cleanly (the loss is reported, never silent), repair cuts at most one torn record per file, and
  nothing the process reported as written and fsynced before the kill is missing. The sessions
  killed earlier stay readable and unchanged.
* As root, ``chmod`` cannot make a folder read-only, so the folder is made unusable the way root
  cannot override: it is moved away and a plain file put at its path (a drive unplugged, a mount
  gone). The next tlog segment then cannot be created: the recorder reports the failure naming the
  file (``on_fault``, stats, a ``recorder_fault`` journal entry), keeps the records, and once the
  folder is back writes them in order and journals ``recovered``: nothing is lost. If it never
  comes back, closing raises ``RecorderDataLostError``: a loss is never silent.
"""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest

from gcs.clock import WallClock
from gcs.errors import RecorderDataLostError, RecorderError, RecorderWriteError
from gcs.recorder.journal import JournalKind
from gcs.recorder.session import RecordedSession, SessionState
from gcs.recorder.tlog import MAX_RECORD_BYTES
from gcs.recorder.writer import RecorderSettings, SessionRecorder
from gcs.tasks import background
from tests.integration.recorder.test_sigkill import DEADLINE_S, Child
from tests.support.recorder_child import FLUSH_INTERVAL_S, frame_for
from tests.support.waits import wait_until

KILLS = 5
SEED = "durability-sigkill"


def _frames(session: RecordedSession) -> list[bytes]:
    readers = session.tlog_readers()
    frames = [record.frame for reader in readers for record in reader]
    assert all(reader.skipped_bytes == 0 and reader.torn_bytes == 0 for reader in readers)
    return frames


def test_repeated_sigkills_at_seeded_moments_lose_nothing_that_was_flushed(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    earlier: dict[Path, list[bytes]] = {}
    for kill in range(KILLS):
        flushes = rng.randint(1, 8)
        # Past the flush that was waited for, a random moment within the next two flush intervals,
        # so the kill lands anywhere: between flushes, inside a write, inside an fsync.
        extra_s = rng.uniform(0.0, 2 * FLUSH_INTERVAL_S)
        child = Child(tmp_path)
        try:
            child.read_until(
                lambda reports, n=flushes: sum(r["event"] == "flushed" for r in reports) >= n,
                time.monotonic() + DEADLINE_S,
            )
            time.sleep(extra_s)  # choosing the moment of the kill, not waiting for a condition
        finally:
            child.kill()
        assert child.process.returncode == -signal.SIGKILL, f"kill {kill}"
        (opened,) = [r for r in child.reports if r["event"] == "open"]
        synced = max(r["tlog_synced"] for r in child.reports if r["event"] == "flushed")
        session_dir = Path(opened["session_dir"])

        session = RecordedSession.open(session_dir)
        assert session.manifest is not None
        assert session.manifest.state is SessionState.RECORDING  # reported: not closed cleanly
        assert not session.closed_cleanly
        report = session.repair()
        for name, cut in report.trimmed_bytes.items():
            assert 0 < cut < (MAX_RECORD_BYTES if name.endswith(".tlog") else 200), (kill, name)
        frames = _frames(session)
        assert len(frames) >= synced, f"kill {kill}: {len(frames)} on disk, {synced} reported synced"
        assert frames == [frame_for(i) for i in range(len(frames))], f"kill {kill}"
        journal = session.journal()
        entries = list(journal)
        assert journal.torn_bytes == 0
        assert journal.skipped_lines == 0
        assert [e.seq for e in entries] == list(range(len(entries)))
        # A second repair finds nothing left to cut: the session is whole again.
        assert RecordedSession.open(session_dir).repair().total_bytes == 0

        for path, before in earlier.items():  # a later run never touches an earlier session
            assert _frames(RecordedSession.open(path)) == before, f"kill {kill}: {path.name} changed"
        earlier[session_dir] = frames
    assert len(earlier) == KILLS


FRAMES_PER_STEP = 40
SEGMENT_BYTES = 4 * MAX_RECORD_BYTES
"""Small segments, so a new file must be created in the folder within a step of frames."""


class _Faults:
    def __init__(self) -> None:
        self.errors: list[RecorderError] = []

    def __call__(self, error: RecorderError) -> None:
        self.errors.append(error)


def _take_the_folder_away(session_dir: Path) -> Path:
    moved = session_dir.with_name(session_dir.name + ".away")
    session_dir.rename(moved)
    session_dir.write_bytes(b"not a folder")
    return moved


async def _record_step(recorder: SessionRecorder, start: int) -> int:
    for index in range(start, start + FRAMES_PER_STEP):
        recorder.record_frame(frame_for(index))
    await recorder.flush()
    return start + FRAMES_PER_STEP


async def test_a_folder_that_vanishes_mid_session_is_reported_and_nothing_is_lost_once_it_returns(
    tmp_path: Path,
) -> None:
    faults = _Faults()
    settings = RecorderSettings(out_dir=tmp_path, flush_interval_s=0.05, tlog_segment_bytes=SEGMENT_BYTES)
    recorder = SessionRecorder(settings, WallClock(), on_fault=faults)
    async with recorder, background(("recorder", recorder.run())):
        session_dir = recorder.session_dir
        index = await _record_step(recorder, 0)
        assert recorder.stats.tlog.records_synced == index

        moved = _take_the_folder_away(session_dir)
        index = await _record_step(recorder, index)
        await wait_until(lambda: faults.errors, timeout_s=5, what="the failure reported")
        stats = recorder.stats.tlog
        assert stats.write_errors > 0
        assert stats.backlog_records > 0
        assert stats.records_dropped == 0
        assert stats.last_error is not None
        (error,) = faults.errors
        assert isinstance(error, RecorderWriteError)
        assert session_dir.name in str(error)
        assert ".tlog" in str(error)

        session_dir.unlink()
        moved.rename(session_dir)
        index = await _record_step(recorder, index)
        await wait_until(
            lambda: recorder.stats.tlog.backlog_records == 0, timeout_s=5, what="the backlog written"
        )
    session = RecordedSession.open(session_dir)
    assert session.closed_cleanly
    assert _frames(session) == [frame_for(i) for i in range(index)]
    faults_journalled = [
        (e.payload["file"], e.payload["event"], e.payload["records_dropped"])
        for e in session.journal()
        if e.kind is JournalKind.RECORDER_FAULT
    ]
    assert faults_journalled == [
        (settings.tlog_name, "write_failed", 0),
        (settings.tlog_name, "recovered", 0),
    ]


async def test_a_folder_that_never_returns_makes_the_close_raise_the_loss(tmp_path: Path) -> None:
    faults = _Faults()
    settings = RecorderSettings(out_dir=tmp_path, flush_interval_s=0.05, tlog_segment_bytes=SEGMENT_BYTES)
    recorder = SessionRecorder(settings, WallClock(), on_fault=faults)

    async def record_until_the_folder_fails() -> None:
        async with recorder, background(("recorder", recorder.run())):
            index = await _record_step(recorder, 0)
            _take_the_folder_away(recorder.session_dir)
            await _record_step(recorder, index)
            await wait_until(lambda: faults.errors, timeout_s=5, what="the failure reported")

    with pytest.raises(RecorderDataLostError) as lost:
        await record_until_the_folder_fails()
    assert lost.value.records_dropped > 0
    assert isinstance(faults.errors[0], RecorderWriteError)
