"""The session recorder on a simulated clock and a simulated disk: when it flushes, what it keeps,
how it reports a full or forbidden disk, and that nothing is lost or reordered on the way."""

from __future__ import annotations

import asyncio
import errno
import os
import threading
from pathlib import Path

import pytest

from gcs.clock import SimClock
from gcs.errors import RecorderDataLostError, RecorderError, RecorderWriteError
from gcs.recorder.files import AppendFile, FaultyDisk, OsAppendFile, open_append
from gcs.recorder.journal import JournalKind
from gcs.recorder.session import RecordedSession, SessionState
from gcs.recorder.writer import RecorderSettings, RecorderStats, SessionRecorder
from tests.support.recorder_child import frame_for, sentence_for

EPOCH_S = 1_777_777_777.0
TIMEOUT_S = 10.0  # generous: only a hang ever reaches it


def settings(tmp_path: Path, **overrides: object) -> RecorderSettings:
    return RecorderSettings(out_dir=tmp_path / "sessions", **overrides)  # type: ignore[arg-type]


def assert_counts_add_up(stats: RecorderStats) -> None:
    for stream in stats.streams:
        assert (
            stream.records_handed == stream.records_synced + stream.backlog_records + stream.records_dropped
        )


def frames_on_disk(session_dir: Path) -> list[bytes]:
    return [r.frame for r in RecordedSession.open(session_dir).tlog_records()]


async def test_records_reach_their_files_and_the_manifest_closes(tmp_path: Path) -> None:
    clock = SimClock(epoch_unix_s=EPOCH_S)
    async with SessionRecorder(settings(tmp_path), clock, platforms=("launch", "landing")) as recorder:
        session_dir = recorder.session_dir
        assert sorted(p.name for p in session_dir.iterdir()) == [
            "flight.tlog",
            "journal.jsonl",
            "nmea-landing.log",
            "nmea-launch.log",
            "session.json",
        ]
        assert RecordedSession.open(session_dir).manifest.state is SessionState.RECORDING  # type: ignore[union-attr]
        for i in range(25):
            clock.advance(0.01)
            recorder.record_frame(frame_for(i))
            recorder.record_nmea("landing", sentence_for(i))
        sent = recorder.journal(JournalKind.COMMAND_SENT, "flight_computer", {"command": "ARM"}, who="alice")
        stats = await recorder.flush()
        assert stats.tlog.records_synced == 25
        assert stats.nmea["landing"].records_synced == 25
        assert_counts_add_up(stats)
    session = RecordedSession.open(session_dir)
    assert session.closed_cleanly
    assert session.manifest is not None
    assert session.manifest.ended_unix_us == round((EPOCH_S + 0.25) * 1e6)
    assert session.manifest.counts["flight.tlog"]["records_synced"] == 25
    tlog_records = list(session.tlog_records())
    assert [r.frame for r in tlog_records] == [frame_for(i) for i in range(25)]
    assert [r.unix_time_us for r in tlog_records] == [
        round((EPOCH_S + 0.01 * (i + 1)) * 1e6) for i in range(25)
    ]
    assert [r.sentence for r in session.nmea("landing")] == [sentence_for(i) for i in range(25)]
    assert list(session.nmea("launch")) == []
    entries = list(session.journal())
    assert [e.kind for e in entries] == [
        JournalKind.SESSION_START,
        JournalKind.COMMAND_SENT,
        JournalKind.SESSION_END,
    ]
    assert [e.seq for e in entries] == [0, 1, 2]
    assert entries[1] == sent
    assert entries[1].who == "alice"
    assert entries[1].payload == {"command": "ARM"}


async def test_the_timer_flushes_on_the_flush_clock_and_not_before(tmp_path: Path) -> None:
    clock = SimClock(epoch_unix_s=EPOCH_S)
    async with (
        SessionRecorder(settings(tmp_path, flush_interval_s=0.2), clock, flush_clock=clock) as recorder,
        asyncio.timeout(TIMEOUT_S),
        asyncio.TaskGroup() as tg,
    ):
        runner = tg.create_task(recorder.run(), name="recorder")
        await recorder.wait_for_flushes(1)  # the session-start journal entry is critical
        while clock.pending_sleepers < 1:
            await asyncio.sleep(0)
        for i in range(10):
            recorder.record_frame(frame_for(i))
        clock.advance(0.19)
        for _ in range(20):  # give a wrongly early flush every chance to happen
            await asyncio.sleep(0)
        assert recorder.stats.flushes == 1
        assert recorder.stats.tlog.records_synced == 0
        assert frames_on_disk(recorder.session_dir) == []
        clock.advance(0.01)
        stats = await recorder.wait_for_flushes(2)
        assert stats.tlog.records_synced == 10
        assert frames_on_disk(recorder.session_dir) == [frame_for(i) for i in range(10)]
        runner.cancel()


async def test_simulated_time_racing_ahead_does_not_flush_only_the_flush_clock_does(tmp_path: Path) -> None:
    """Accelerated SITL stamps records in simulated seconds; fsyncing on that clock cost a run at
    100x 400 flushes a wall second. The timer keeps to its own (wall) clock, however fast the
    stamps run."""
    stamps = SimClock(epoch_unix_s=EPOCH_S)
    wall = SimClock()
    async with (
        SessionRecorder(settings(tmp_path, flush_interval_s=0.25), stamps, flush_clock=wall) as recorder,
        asyncio.timeout(TIMEOUT_S),
        asyncio.TaskGroup() as tg,
    ):
        runner = tg.create_task(recorder.run(), name="recorder")
        await recorder.wait_for_flushes(1)  # the session-start journal entry is critical
        while wall.pending_sleepers < 1:
            await asyncio.sleep(0)
        for i in range(10):
            stamps.advance(100.0)  # 1,000 simulated seconds: 4,000 flushes on the old timer
            recorder.record_frame(frame_for(i))
            for _ in range(5):
                await asyncio.sleep(0)
        assert recorder.stats.flushes == 1
        assert recorder.stats.tlog.records_synced == 0
        wall.advance(0.25)
        stats = await recorder.wait_for_flushes(2)
        assert stats.tlog.records_synced == 10
        assert [r.unix_time_us for r in RecordedSession.open(recorder.session_dir).tlog_records()] == [
            round((EPOCH_S + 100.0 * (i + 1)) * 1e6) for i in range(10)
        ]
        runner.cancel()


async def test_by_default_the_timer_runs_on_the_wall_clock_even_if_the_stamps_stand_still(
    tmp_path: Path,
) -> None:
    """The durability promise is in wall seconds: a simulation that stops (paused, or waiting on a
    slow peer) must not keep its records in memory. Nothing here advances the stamping clock."""
    stamps = SimClock(epoch_unix_s=EPOCH_S)
    async with (
        SessionRecorder(settings(tmp_path, flush_interval_s=0.02), stamps) as recorder,
        asyncio.timeout(TIMEOUT_S),
        asyncio.TaskGroup() as tg,
    ):
        runner = tg.create_task(recorder.run(), name="recorder")
        await recorder.wait_for_flushes(1)
        for i in range(5):
            recorder.record_frame(frame_for(i))
        flushed = recorder.stats.flushes
        stats = await recorder.wait_for_flushes(flushed + 1)  # only the wall-clock timer can do it
        assert stats.tlog.records_synced == 5
        assert frames_on_disk(recorder.session_dir) == [frame_for(i) for i in range(5)]
        assert stamps.monotonic_s() == 0.0
        runner.cancel()


async def test_critical_events_and_a_full_buffer_flush_without_waiting_for_the_timer(tmp_path: Path) -> None:
    clock = SimClock(epoch_unix_s=EPOCH_S)
    async with (
        SessionRecorder(settings(tmp_path, early_flush_bytes=4000), clock, flush_clock=clock) as recorder,
        asyncio.timeout(TIMEOUT_S),
        asyncio.TaskGroup() as tg,
    ):
        runner = tg.create_task(recorder.run(), name="recorder")
        await recorder.wait_for_flushes(1)
        recorder.record_frame(frame_for(0))
        recorder.journal(JournalKind.ABORT, "launch", {"reason": "wind"}, who="fd")
        stats = await recorder.wait_for_flushes(2)
        assert (stats.tlog.records_synced, stats.journal.records_synced) == (1, 2)
        recorder.record_frame(frame_for(1), critical=True)
        assert (await recorder.wait_for_flushes(3)).tlog.records_synced == 2
        index, waiting_bytes = 2, 0
        while waiting_bytes + 8 + len(frame_for(index)) < 4000:
            recorder.record_frame(frame_for(index))
            waiting_bytes += 8 + len(frame_for(index))
            index += 1
        for _ in range(20):
            await asyncio.sleep(0)
        assert recorder.stats.flushes == 3  # 4000 bytes not reached yet
        recorder.record_frame(frame_for(index))
        stats = await recorder.wait_for_flushes(4)
        assert stats.tlog.records_synced == index + 1
        assert clock.monotonic_s() == 0.0  # the timer never fired
        runner.cancel()


async def test_a_full_disk_is_reported_kept_and_retried_in_order(tmp_path: Path) -> None:
    disk = FaultyDisk()
    disk.only = "flight"
    faults: list[RecorderError] = []
    clock = SimClock(epoch_unix_s=EPOCH_S)
    async with SessionRecorder(settings(tmp_path), clock, opener=disk, on_fault=faults.append) as recorder:
        for i in range(10):
            recorder.record_frame(frame_for(i))
        await recorder.flush()
        disk.write_errno, disk.partial_bytes = errno.ENOSPC, 37
        for i in range(10, 20):
            recorder.record_frame(frame_for(i))
        stats = await recorder.flush()
        assert len(faults) == 1
        assert isinstance(faults[0], RecorderWriteError)
        assert faults[0].errno == errno.ENOSPC
        assert faults[0].path.name == "flight.tlog"
        assert (stats.tlog.records_synced, stats.tlog.backlog_records, stats.tlog.write_errors) == (10, 10, 1)
        assert "No space left on device" in (stats.tlog.last_error or "")
        assert frames_on_disk(recorder.session_dir) == [frame_for(i) for i in range(10)]
        for i in range(20, 30):
            recorder.record_frame(frame_for(i))
        stats = await recorder.flush()
        assert stats.tlog.write_errors == 2
        assert len(faults) == 1
        disk.write_errno = None
        stats = await recorder.flush()
        assert (stats.tlog.records_synced, stats.tlog.backlog_records, stats.records_dropped) == (30, 0, 0)
        assert_counts_add_up(stats)
        session_dir = recorder.session_dir
    assert frames_on_disk(session_dir) == [frame_for(i) for i in range(30)]
    faults_journalled = [
        e.payload for e in RecordedSession.open(session_dir).journal() if e.kind is JournalKind.RECORDER_FAULT
    ]
    assert [(p["file"], p["event"], p["errno"]) for p in faults_journalled] == [
        ("flight.tlog", "write_failed", errno.ENOSPC),
        ("flight.tlog", "recovered", None),
    ]


async def test_a_disk_that_stays_full_drops_the_oldest_counts_it_and_raises_on_close(tmp_path: Path) -> None:
    disk = FaultyDisk()
    disk.only = "flight"
    faults: list[RecorderError] = []
    clock = SimClock(epoch_unix_s=EPOCH_S)
    session_dirs: list[Path] = []

    async def record_onto_a_full_disk() -> None:
        async with SessionRecorder(
            settings(tmp_path, max_backlog_bytes=2048), clock, opener=disk, on_fault=faults.append
        ) as recorder:
            session_dirs.append(recorder.session_dir)
            disk.write_errno = errno.ENOSPC
            for i in range(200):
                recorder.record_frame(frame_for(i))
                if i % 50 == 49:
                    await recorder.flush()
            stats = recorder.stats
            assert stats.tlog.backlog_bytes <= 2048
            assert stats.tlog.records_dropped > 0
            assert stats.records_dropped == stats.tlog.records_dropped
            assert_counts_add_up(stats)
            assert [type(f) for f in faults] == [RecorderWriteError, RecorderDataLostError]
            assert faults[1].path == recorder.session_dir / "flight.tlog"

    with pytest.raises(
        RecorderDataLostError, match=r"flight\.tlog: \d+ records \(\d+ bytes\) dropped"
    ) as lost:
        await record_onto_a_full_disk()
    (session_dir,) = session_dirs
    assert lost.value.records_dropped == 200  # the backlog left at close is lost too, and counted
    session = RecordedSession.open(session_dir)
    assert frames_on_disk(session_dir) == []
    assert session.closed_cleanly
    assert session.manifest is not None
    assert session.manifest.counts["flight.tlog"]["records_dropped"] == 200


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
async def test_a_real_enospc_from_the_kernel_is_reported_with_the_file(tmp_path: Path) -> None:
    def opener(path: Path) -> AppendFile:
        return OsAppendFile(Path("/dev/full")) if path.suffix == ".tlog" else open_append(path)

    faults: list[RecorderError] = []
    clock = SimClock(epoch_unix_s=EPOCH_S)

    async def record_onto_dev_full() -> None:
        async with SessionRecorder(
            settings(tmp_path), clock, opener=opener, on_fault=faults.append
        ) as recorder:
            recorder.record_frame(frame_for(0))
            stats = await recorder.flush()
            assert stats.tlog.write_errors == 1
            assert stats.journal.records_synced == 1

    with pytest.raises(RecorderDataLostError, match="1 records"):
        await record_onto_dev_full()
    assert faults[0].errno == errno.ENOSPC
    assert faults[0].path == Path("/dev/full")


@pytest.fixture
def forbidden_out_dir(tmp_path: Path) -> Path:
    """A folder this process may not create: under a read-only folder, or under sysfs for root."""
    if os.geteuid() == 0:  # root ignores mode bits; sysfs refuses even root
        if not os.path.isdir("/sys"):
            pytest.skip("running as root without /sys: no folder refuses us")
        return Path("/sys/seaport-gcs-recorder-test/sessions")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    return locked / "sessions"


async def test_a_forbidden_out_dir_fails_at_enter_naming_the_folder(forbidden_out_dir: Path) -> None:
    out_dir = forbidden_out_dir
    with pytest.raises(RecorderWriteError) as caught:
        async with SessionRecorder(RecorderSettings(out_dir=out_dir), SimClock()):
            pass
    assert caught.value.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
    assert caught.value.path == out_dir
    assert str(out_dir) in str(caught.value)


async def test_a_file_that_cannot_be_opened_is_reported_then_recovers(tmp_path: Path) -> None:
    disk = FaultyDisk()
    faults: list[RecorderError] = []
    async with SessionRecorder(
        settings(tmp_path), SimClock(), opener=disk, on_fault=faults.append
    ) as recorder:
        disk.open_errno = errno.EACCES
        recorder.record_nmea("second", b"$GPHDT,1.0,T*00")
        stats = await recorder.flush()
        assert stats.nmea["second"].write_errors == 1
        assert stats.nmea["second"].backlog_records == 1
        assert faults[0].errno == errno.EACCES
        assert faults[0].path.name == "nmea-second.log"
        disk.open_errno = None
        stats = await recorder.flush()
        assert stats.nmea["second"].records_synced == 1
        session_dir = recorder.session_dir
    assert [r.sentence for r in RecordedSession.open(session_dir).nmea("second")] == [b"$GPHDT,1.0,T*00"]


async def test_a_file_that_cannot_be_created_at_enter_fails_enter(tmp_path: Path) -> None:
    disk = FaultyDisk()
    disk.open_errno, disk.only = errno.EACCES, "nmea-landing"
    with pytest.raises(RecorderWriteError, match=r"nmea-landing\.log: cannot open for appending"):
        async with SessionRecorder(settings(tmp_path), SimClock(), platforms=("landing",), opener=disk):
            pass


async def test_two_recorders_starting_together_get_separate_folders(tmp_path: Path) -> None:
    clock = SimClock(epoch_unix_s=EPOCH_S)
    async with (
        SessionRecorder(settings(tmp_path), clock, session_suffixes=iter(["a", "b"])) as first,
        SessionRecorder(settings(tmp_path), clock, session_suffixes=iter(["a", "b"])) as second,
    ):
        assert first.session_dir.name == "20260503T030937Z-a"
        assert second.session_dir.name == "20260503T030937Z-b"


async def test_misuse_is_refused_and_leaves_nothing_half_done(tmp_path: Path) -> None:
    recorder = SessionRecorder(settings(tmp_path), SimClock())
    with pytest.raises(RuntimeError, match="not open"):
        recorder.record_frame(frame_for(0))
    async with recorder:
        with pytest.raises(ValueError, match="whole MAVLink frame"):
            recorder.record_frame(frame_for(0)[:-1])
        with pytest.raises(TypeError, match="not JSON"):
            recorder.journal(JournalKind.ALERT, "monitor", {"x": object()})
        with pytest.raises(ValueError, match="platform name"):
            recorder.record_nmea("../etc", b"$GP")
        assert recorder.journal(JournalKind.ALERT, "monitor", {"x": 1}).seq == 1  # no gap in seq
        assert recorder.stats.tlog.records_handed == 0
    with pytest.raises(RuntimeError, match="not open"):
        recorder.journal(JournalKind.ALERT, "monitor")
    with pytest.raises(RuntimeError, match="one session"):
        async with recorder:
            pass
    with pytest.raises(ValueError, match="flush_interval_s"):
        RecorderSettings(flush_interval_s=1.0)


async def test_a_flush_abandoned_by_cancellation_still_lands_once_and_in_order(tmp_path: Path) -> None:
    entered, gate = threading.Event(), threading.Event()

    class GatedFile(OsAppendFile):
        def append(self, data: bytes) -> None:
            entered.set()
            gate.wait(TIMEOUT_S)
            super().append(data)

    def opener(path: Path) -> AppendFile:
        return GatedFile(path) if path.suffix == ".tlog" else open_append(path)

    async with SessionRecorder(settings(tmp_path), SimClock(), opener=opener) as recorder:
        for i in range(10):
            recorder.record_frame(frame_for(i))
        async with asyncio.timeout(TIMEOUT_S), asyncio.TaskGroup() as tg:
            flushing = tg.create_task(recorder.flush(), name="flush")
            await asyncio.to_thread(entered.wait, TIMEOUT_S)
            flushing.cancel()
        for i in range(10, 20):
            recorder.record_frame(frame_for(i))
        gate.set()
        session_dir = recorder.session_dir
    assert frames_on_disk(session_dir) == [frame_for(i) for i in range(20)]


async def test_journal_records_are_published_on_the_hub_as_written(tmp_path: Path) -> None:
    from gcs.hub import Hub
    from gcs.recorder.journal import JournalRecord

    hub = Hub()
    clock = SimClock(epoch_unix_s=EPOCH_S)
    async with hub.subscribe_keyed(JournalRecord) as records:
        async with SessionRecorder(settings(tmp_path), clock, hub=hub) as recorder:
            written = recorder.journal(JournalKind.OPERATOR_ACTION, "console", {"action": "login"},
                                       who="dana")
        seen = [records.get_nowait() for _ in range(records.pending())]
    published = [item.value for item in seen if item is not None]
    # SESSION_START (at enter), the operator action, SESSION_END (at exit), in order, keyed by kind.
    assert [r.kind for r in published] == [JournalKind.SESSION_START, JournalKind.OPERATOR_ACTION,
                                           JournalKind.SESSION_END]
    assert published[1] == written
    assert [item.key for item in seen if item is not None][1] is JournalKind.OPERATOR_ACTION
    assert [r.seq for r in published] == [0, 1, 2]
    on_disk = list(RecordedSession.open(recorder.session_dir).journal())
    assert [r.seq for r in on_disk] == [r.seq for r in published]
