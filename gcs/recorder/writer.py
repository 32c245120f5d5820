"""The session recorder: MAVLink frames, raw NMEA and journal events into one session folder, without
ever blocking the event loop. Knows nothing of the console, the broker, sockets or message contents
(journal records go to the hub, if one is given, for whoever shows them).

How it stays off the event loop and loses at most one flush interval of wall time (plus the
milliseconds a flush takes):

- ``record_frame`` / ``record_nmea`` / ``journal`` encode the record and append it to an in-memory
  queue per file: no I/O, no await.
- ``run()`` (a task in the caller's TaskGroup) wakes every ``flush_interval_s`` of the flush clock
  (wall time unless a test injects another: a crash is a wall-time event, whatever clock stamps
  the records, so accelerated SITL does not fsync 100 times as often), at once after a critical
  event (commands, ACKs, aborts, alerts, phase changes...), and
  when ``early_flush_bytes`` are waiting; each wake hands the queues to one dedicated writer thread,
  which appends each file's batch, fsyncs it, and rolls the file back if anything fails.
- A failed batch (ENOSPC, EACCES, EIO) goes back to the front of its queue and is retried on the
  next flush. The failure is logged, passed to ``on_fault`` as a ``RecorderWriteError`` naming the
  file, counted in ``stats``, and journalled. The queue is capped at ``max_backlog_bytes`` per file:
  beyond it the oldest records are dropped and counted, reported as ``RecorderDataLostError``, and
  raised again from ``__aexit__`` so a loss can never go unnoticed.

Usage (``gcs/app.py`` builds it)::

    async with SessionRecorder(settings, clock, platforms=("launch", "landing")) as recorder:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(recorder.run(), name="recorder")
            ...  # links call recorder.record_frame(frame_bytes), recorder.journal(...)
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any, Protocol

from gcs.clock import Clock, WallClock
from gcs.errors import RecorderDataLostError, RecorderError, RecorderWriteError
from gcs.hub import Hub
from gcs.recorder import nmea_log, tlog
from gcs.recorder.files import (
    FileOpener,
    LineLog,
    fsync_dir,
    lock_folder,
    open_append,
    write_error,
    write_file_atomic,
)
from gcs.recorder.journal import JournalKind, JournalRecord
from gcs.recorder.journal import encode_line as encode_journal_line
from gcs.recorder.recovery import InterruptedSession, recover_interrupted
from gcs.recorder.session import (
    JOURNAL_NAME,
    MANIFEST_NAME,
    TLOG_STEM,
    Manifest,
    SessionState,
    check_platform_name,
    create_session_dir,
    nmea_file_name,
)
from gcs.recorder.stamps import unix_us_from_s

logger = logging.getLogger(__name__)

MAX_FLUSH_INTERVAL_S = 0.25
"""The promise of the design: a killed process loses at most this much (wall seconds)."""

_MIN_BACKLOG_BYTES = 1024


@dataclass(frozen=True, slots=True)
class RecorderSettings:
    """The recorder's slice of the configuration.

    Attributes:
        out_dir: folder that holds one sub-folder per session.
        flush_interval_s: longest time a record waits in memory (seconds of the flush clock: wall
            time, whatever clock stamps the records), at most 0.25.
        tlog_segment_bytes: start ``flight-N.tlog`` segments of at most this size; ``None`` for one
            ``flight.tlog``.
        max_backlog_bytes: records waiting for one file (disk slow or failing) beyond which the
            oldest are dropped and counted.
        early_flush_bytes: flush before the timer once this much waits in memory in total.
    """

    out_dir: Path = Path("sessions")
    flush_interval_s: float = MAX_FLUSH_INTERVAL_S
    tlog_segment_bytes: int | None = None
    max_backlog_bytes: int = 64 * 1024 * 1024
    early_flush_bytes: int = 1024 * 1024

    def __post_init__(self) -> None:
        if not 0 < self.flush_interval_s <= MAX_FLUSH_INTERVAL_S:
            raise ValueError(
                f"flush_interval_s must be in (0, {MAX_FLUSH_INTERVAL_S}], got {self.flush_interval_s}"
            )
        if self.tlog_segment_bytes is not None and self.tlog_segment_bytes < tlog.MAX_RECORD_BYTES:
            raise ValueError(
                f"tlog_segment_bytes must be at least {tlog.MAX_RECORD_BYTES}, got {self.tlog_segment_bytes}"
            )
        if self.max_backlog_bytes < _MIN_BACKLOG_BYTES:
            raise ValueError(
                f"max_backlog_bytes must be at least {_MIN_BACKLOG_BYTES}, got {self.max_backlog_bytes}"
            )
        if self.early_flush_bytes < 1:
            raise ValueError(f"early_flush_bytes must be positive, got {self.early_flush_bytes}")

    @property
    def tlog_name(self) -> str:
        """``flight.tlog``, or ``flight-N.tlog`` standing for the segments."""
        return f"{TLOG_STEM}.tlog" if self.tlog_segment_bytes is None else f"{TLOG_STEM}-N.tlog"


@dataclass(frozen=True, slots=True)
class StreamStats:
    """Counts for one file of the session (records are frames, sentences or journal entries).

    ``records_handed == records_synced + backlog_records + records_dropped`` at all times;
    ``records_synced`` only counts records that were written *and* fsynced.
    """

    name: str
    records_handed: int
    records_synced: int
    bytes_synced: int
    backlog_records: int
    backlog_bytes: int
    records_dropped: int
    bytes_dropped: int
    write_errors: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class RecorderStats:
    """A snapshot of the recorder's health, for the console and for tests."""

    session_dir: Path
    flushes: int
    """Flushes completed (each wrote and fsynced every file it had data for, or failed)."""
    last_flush_unix_s: float | None
    tlog: StreamStats
    journal: StreamStats
    nmea: Mapping[str, StreamStats]

    @property
    def streams(self) -> tuple[StreamStats, ...]:
        return (self.tlog, self.journal, *self.nmea.values())

    @property
    def records_dropped(self) -> int:
        return sum(s.records_dropped for s in self.streams)

    @property
    def write_errors(self) -> int:
        return sum(s.write_errors for s in self.streams)


class _Stream:
    """Event-loop side of one file: its queue and counters. Only the loop thread touches it."""

    __slots__ = (
        "bytes_dropped",
        "bytes_handed",
        "bytes_synced",
        "drop_reported",
        "failing",
        "handed",
        "last_error",
        "name",
        "pending",
        "pending_bytes",
        "records_dropped",
        "synced",
        "write_errors",
    )

    def __init__(self, name: str) -> None:
        self.name = name
        self.pending: deque[bytes] = deque()
        self.pending_bytes = 0
        self.handed = 0
        self.bytes_handed = 0
        self.synced = 0
        self.bytes_synced = 0
        self.records_dropped = 0
        self.bytes_dropped = 0
        self.write_errors = 0
        self.last_error: str | None = None
        self.failing = False
        self.drop_reported = False

    def snapshot(self) -> StreamStats:
        return StreamStats(
            name=self.name,
            records_handed=self.handed,
            records_synced=self.synced,
            bytes_synced=self.bytes_synced,
            backlog_records=self.handed - self.synced - self.records_dropped,
            backlog_bytes=self.bytes_handed - self.bytes_synced - self.bytes_dropped,
            records_dropped=self.records_dropped,
            bytes_dropped=self.bytes_dropped,
            write_errors=self.write_errors,
            last_error=self.last_error,
        )


class _Sink(Protocol):
    def write(self, records: Sequence[bytes]) -> None: ...

    def close(self) -> None: ...


class _LineSink:
    def __init__(self, log: LineLog) -> None:
        self._log = log

    def write(self, records: Sequence[bytes]) -> None:
        self._log.append(b"".join(records))

    def close(self) -> None:
        self._log.close()


class _TlogSink:
    def __init__(self, writer: tlog.TlogWriter) -> None:
        self._writer = writer

    def write(self, records: Sequence[bytes]) -> None:
        self._writer.write(records)

    def close(self) -> None:
        self._writer.close()


class _Disk:
    """Writer-thread side: the open files. Only the recorder's single writer thread touches it."""

    def __init__(self, settings: RecorderSettings, opener: FileOpener) -> None:
        self._settings = settings
        self._opener = opener
        self._sinks: dict[str, _Sink] = {}
        self._lock_fd: int | None = None
        self.session_dir = Path()

    def create(self, start_unix_us: int, suffixes: Iterable[str] | None, manifest: Manifest) -> Path:
        """Make the session folder, its files and its manifest.

        Raises:
            RecorderWriteError: naming what could not be created; nothing stays open.
        """
        self.session_dir = create_session_dir(self._settings.out_dir, start_unix_us, suffixes)
        try:
            # Held while this session records: a later station that finds the folder unlocked and
            # its manifest still saying ``recording`` knows the recorder died (gcs.recorder.recovery).
            # Waits, never fails, if that station is looking at this new folder at this instant.
            try:
                self._lock_fd = lock_folder(self.session_dir, wait=True)
            except OSError as exc:
                raise write_error(self.session_dir, "lock the session folder", exc) from exc
            for name in (self._settings.tlog_name, JOURNAL_NAME, *map(nmea_file_name, manifest.platforms)):
                self._sink(name)
            self.write_manifest(dataclasses.replace(manifest, session_id=self.session_dir.name))
        except BaseException:
            self.close()
            raise
        return self.session_dir

    def _sink(self, name: str) -> _Sink:
        sink = self._sinks.get(name)
        if sink is None:
            if name == self._settings.tlog_name:
                sink = _TlogSink(
                    tlog.TlogWriter(
                        self.session_dir,
                        stem=TLOG_STEM,
                        segment_bytes=self._settings.tlog_segment_bytes,
                        opener=self._opener,
                    )
                )
            else:
                sink = _LineSink(LineLog(self.session_dir / name, self._opener))
            try:
                fsync_dir(self.session_dir)  # the new file's name must survive a crash too
            except OSError as exc:
                sink.close()
                raise write_error(self.session_dir, "fsync the session folder", exc) from exc
            self._sinks[name] = sink
        return sink

    def write(self, batch: Mapping[str, Sequence[bytes]]) -> dict[str, RecorderWriteError]:
        """Write and fsync each file's records; returns the failures by file name (never raises)."""
        failures: dict[str, RecorderWriteError] = {}
        for name, records in batch.items():
            try:
                self._sink(name).write(records)
            except RecorderWriteError as exc:
                failures[name] = exc
            except RecorderError as exc:  # an existing file that could not be read to trim it
                failures[name] = RecorderWriteError(exc.path, exc.detail, exc.errno)
        return failures

    def write_manifest(self, manifest: Manifest) -> None:
        write_file_atomic(self.session_dir / MANIFEST_NAME, manifest.to_json())

    def finish(self, manifest: Manifest) -> RecorderWriteError | None:
        try:
            self.write_manifest(manifest)
        except RecorderWriteError as exc:
            return exc
        finally:
            self.close()
        return None

    def close(self) -> None:
        sinks, self._sinks = self._sinks, {}
        try:
            for sink in sinks.values():
                sink.close()
        finally:
            lock_fd, self._lock_fd = self._lock_fd, None
            if lock_fd is not None:
                os.close(lock_fd)


FaultHandler = Callable[[RecorderError], None]


class SessionRecorder:
    """Records one session. Enter it with ``async with``, run ``run()`` in a TaskGroup inside it.

    Args:
        settings: where and how to record.
        clock: stamps every record (simulation time in accelerated SITL).
        flush_clock: paces the flush timer; default the wall clock. Durability is about crashes,
            which happen in wall time: on the stamping clock a run at 100x would fsync 400 times a
            wall second, and a simulation that pauses would not flush at all. Tests inject a
            ``SimClock`` here to step the timer.
        platforms: sea platforms whose NMEA logs exist from the start (others are added on first use).
        opener: opens files for appending; a test puts a failing twin here.
        on_fault: called on the event loop with a ``RecorderWriteError`` when a file starts failing
            and a ``RecorderDataLostError`` when records start being dropped; it must not block.
        session_suffixes: suffixes to try for the folder name (default: random hex).
        hub: if given, every journal record is also published there (a frozen ``JournalRecord``,
            keyed by its ``JournalKind``, as a replay publishes them), so the console can show the
            journal as it is written.
    """

    def __init__(
        self,
        settings: RecorderSettings,
        clock: Clock,
        *,
        platforms: Iterable[str] = (),
        opener: FileOpener = open_append,
        on_fault: FaultHandler | None = None,
        session_suffixes: Iterable[str] | None = None,
        hub: Hub | None = None,
        flush_clock: Clock | None = None,
    ) -> None:
        self._settings = settings
        self._hub = hub
        self._clock = clock
        self._flush_clock: Clock = WallClock() if flush_clock is None else flush_clock
        self._platforms = tuple(dict.fromkeys(check_platform_name(p) for p in platforms))
        self._on_fault = on_fault
        self._suffixes = session_suffixes
        self._disk = _Disk(settings, opener)
        self._executor: ThreadPoolExecutor | None = None
        self._session_dir: Path | None = None
        self._started_unix_us = 0
        self._open = False
        self._closed = False
        self._tlog = _Stream(settings.tlog_name)
        self._journal = _Stream(JOURNAL_NAME)
        self._nmea: dict[str, _Stream] = {p: _Stream(nmea_file_name(p)) for p in self._platforms}
        self._streams: dict[str, _Stream] = {
            s.name: s for s in (self._tlog, self._journal, *self._nmea.values())
        }
        self._pending_total_bytes = 0
        self._journal_seq = 0
        self._flushes = 0
        self._last_flush_unix_s: float | None = None
        self._wake = asyncio.Event()
        self._flush_lock = asyncio.Lock()
        self._inflight: asyncio.Future[dict[str, RecorderWriteError]] | None = None
        self._flush_waiters: list[tuple[int, asyncio.Future[None]]] = []

    # ----------------------------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> SessionRecorder:
        if self._open or self._closed:
            raise RuntimeError("a SessionRecorder records one session; make a new one")
        loop = asyncio.get_running_loop()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recorder-writer")
        self._started_unix_us = unix_us_from_s(self._clock.unix_time_s())
        try:
            self._session_dir = await loop.run_in_executor(
                self._executor,
                self._disk.create,
                self._started_unix_us,
                self._suffixes,
                self._manifest(SessionState.RECORDING),
            )
        except BaseException:
            # If we were cancelled, create() may still be running: close whatever it opens after it.
            self._executor.submit(self._disk.close)
            self._executor.shutdown(wait=False)
            self._closed = True
            raise
        self._open = True
        self.journal(
            JournalKind.SESSION_START,
            "recorder",
            {"session": self._session_dir.name, "platforms": list(self._platforms)},
        )
        logger.info("recording session %s", self._session_dir)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._executor is not None
        loop = asyncio.get_running_loop()
        finished = False
        lost: RecorderDataLostError | None = None
        manifest_error: RecorderWriteError | None = None
        try:
            await self._wait_inflight()
            self.journal(JournalKind.SESSION_END, "recorder", {"counts": self._counts()})
            await self.flush()
            lost = self._drop_backlog_at_close()
            self._open = False
            manifest = self._manifest(
                SessionState.CLOSED, ended_unix_us=unix_us_from_s(self._clock.unix_time_s())
            )
            manifest_error = await loop.run_in_executor(self._executor, self._disk.finish, manifest)
            finished = True
        finally:
            self._open = False
            self._closed = True
            if not finished:  # cancelled or failed half-way: still close the files, off the loop
                self._executor.submit(self._disk.close)
            self._executor.shutdown(wait=False)
            for _, waiter in self._flush_waiters:
                if not waiter.done():
                    waiter.set_exception(RuntimeError("the recorder closed"))
        if manifest_error is not None:
            self._report(manifest_error)
        if lost is not None:
            logger.error("%s", lost)
        if exc_type is None:
            if lost is not None:
                raise lost
            if manifest_error is not None:
                raise manifest_error
        logger.info("closed session %s", self._session_dir)

    async def run(self) -> None:
        """Flush on the flush clock's timer and on critical events, until cancelled."""
        self._check_open()
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self._timer(), name="recorder-flush-timer")
            while True:
                await self._wake.wait()
                self._wake.clear()
                await self.flush()

    async def recover_interrupted(self) -> list[InterruptedSession]:
        """Repair and mark the sessions killed recorders left in the sessions folder; journal each.

        Each goes into this session's journal as a ``recorder_fault`` entry (``"event":
        "session_interrupted"``: the session, its newest record on disk, the torn bytes cut), so the
        loss is reported where an inquiry looks, never silent. Runs in a thread of its own, not the
        writer's: reading a long session back must not hold this session's flushes.
        """
        self._check_open()
        found = await asyncio.to_thread(
            recover_interrupted, self._settings.out_dir, recovered_by=self.session_dir.name,
            now_unix_us=unix_us_from_s(self._clock.unix_time_s()))
        for session in found:
            self.journal(JournalKind.RECORDER_FAULT, "recorder", session.payload())
        return found

    async def _timer(self) -> None:
        while True:
            await self._flush_clock.sleep(self._settings.flush_interval_s)
            self._wake.set()

    # --------------------------------------------------------------------------------- recording

    @property
    def session_dir(self) -> Path:
        if self._session_dir is None:
            raise RuntimeError("the session folder exists only inside `async with`")
        return self._session_dir

    def record_frame(self, frame: bytes, *, unix_time_s: float | None = None, critical: bool = False) -> None:
        """Queue one raw MAVLink frame (either direction) for ``flight.tlog``.

        Args:
            frame: exactly one whole v1 or v2 frame, as on the wire (signature included).
            unix_time_s: when it was received or sent; default now on the clock.
            critical: flush at once (a command sent to the vehicle, for example).

        Raises:
            ValueError: if ``frame`` is not one whole MAVLink frame.
            RuntimeError: outside ``async with``.
        """
        self._check_open()
        stamp_us = unix_us_from_s(self._clock.unix_time_s() if unix_time_s is None else unix_time_s)
        self._enqueue(self._tlog, tlog.encode_record(stamp_us, frame), critical)

    def record_nmea(self, platform: str, sentence: bytes, *, unix_time_s: float | None = None) -> None:
        """Queue one sentence as received from ``platform``, without its line ending.

        Raises:
            ValueError: if ``platform`` cannot be part of a file name.
            RuntimeError: outside ``async with``.
        """
        self._check_open()
        stream = self._nmea.get(platform)
        if stream is None:
            stream = self._nmea[platform] = _Stream(nmea_file_name(platform))
            self._streams[stream.name] = stream
        stamp_us = unix_us_from_s(self._clock.unix_time_s() if unix_time_s is None else unix_time_s)
        self._enqueue(stream, nmea_log.encode_line(stamp_us, sentence), False)

    def journal(
        self,
        kind: JournalKind,
        source: str,
        payload: Mapping[str, Any] | None = None,
        *,
        who: str | None = None,
        critical: bool | None = None,
        unix_time_s: float | None = None,
    ) -> JournalRecord:
        """Queue one journal entry; critical kinds (``kind.critical``) are flushed at once.

        Args:
            kind: what happened.
            source: the component that saw it (``"flight_computer"``, ``"countdown"``, ``"console"``).
            payload: JSON-able details (command name, result, reason...).
            who: the person behind it, for operator actions and decisions.
            critical: override ``kind.critical``.
            unix_time_s: when it happened; default now on the clock.

        Returns:
            The record as it will be written.

        Raises:
            TypeError: if ``payload`` is not JSON-able (nothing is queued then).
            RuntimeError: outside ``async with``.
        """
        self._check_open()
        stamp_us = unix_us_from_s(self._clock.unix_time_s() if unix_time_s is None else unix_time_s)
        record = JournalRecord(
            self._journal_seq, stamp_us, kind, source, who, MappingProxyType(dict(payload or {}))
        )
        line = encode_journal_line(record)
        self._journal_seq += 1
        self._enqueue(self._journal, line, kind.critical if critical is None else critical)
        if self._hub is not None:
            self._hub.publish(record, key=record.kind)
        return record

    def _check_open(self) -> None:
        if not self._open:
            raise RuntimeError("the recorder is not open (use it inside `async with`)")

    def _enqueue(self, stream: _Stream, data: bytes, critical: bool) -> None:
        size = len(data)
        stream.pending.append(data)
        stream.pending_bytes += size
        stream.handed += 1
        stream.bytes_handed += size
        self._pending_total_bytes += size
        if stream.pending_bytes > self._settings.max_backlog_bytes:
            self._drop_oldest(stream)
        if critical or self._pending_total_bytes >= self._settings.early_flush_bytes:
            self._wake.set()

    def _drop_oldest(self, stream: _Stream) -> None:
        dropped = 0
        while stream.pending_bytes > self._settings.max_backlog_bytes and stream.pending:
            size = len(stream.pending.popleft())
            stream.pending_bytes -= size
            self._pending_total_bytes -= size
            stream.records_dropped += 1
            stream.bytes_dropped += size
            dropped += 1
        if dropped and not stream.drop_reported:
            stream.drop_reported = True
            self._report(
                RecorderDataLostError(
                    self.session_dir / stream.name,
                    f"{stream.records_dropped} records dropped so far: more than "
                    f"{self._settings.max_backlog_bytes} bytes waited for a file that could not keep up"
                    + (f" ({stream.last_error})" if stream.last_error else ""),
                    stream.records_dropped,
                )
            )

    # ---------------------------------------------------------------------------------- flushing

    async def flush(self) -> RecorderStats:
        """Write and fsync everything queued so far; returns once that is done (or has failed).

        Failures do not raise here: they are counted in the returned stats and reported.
        """
        async with self._flush_lock:
            if self._closed:
                return self.stats
            # A flush abandoned by a cancelled caller may still be writing; its failures must go
            # back in the queues before we take them, or records would reach the disk out of order.
            await self._wait_inflight()
            batch = self._take_batch()
            if not batch:
                return self.stats
            assert self._executor is not None
            future = asyncio.get_running_loop().run_in_executor(self._executor, self._disk.write, batch)
            self._inflight = future
            future.add_done_callback(lambda done: self._settle(batch, done))
            # wait() rather than await: a cancelled caller must not cancel the write (it finishes
            # and is settled anyway), and a crashed writer is already reported by _settle.
            await asyncio.wait([future])
            return self.stats

    async def wait_for_flushes(self, count: int) -> RecorderStats:
        """Wait until ``count`` flushes have completed since the recorder opened."""
        if self._flushes < count:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._flush_waiters.append((count, waiter))
            await waiter
        return self.stats

    async def _wait_inflight(self) -> None:
        if self._inflight is not None and not self._inflight.done():
            await asyncio.wait([self._inflight])

    def _take_batch(self) -> dict[str, deque[bytes]]:
        batch: dict[str, deque[bytes]] = {}
        for stream in self._streams.values():
            if stream.pending:
                batch[stream.name], stream.pending = stream.pending, deque()
                stream.pending_bytes = 0
        self._pending_total_bytes = 0
        return batch

    def _settle(
        self, batch: Mapping[str, deque[bytes]], done: asyncio.Future[dict[str, RecorderWriteError]]
    ) -> None:
        """Runs on the loop when the writer thread finishes a batch: count it, requeue failures."""
        if done.cancelled():
            failures = {n: RecorderWriteError(self.session_dir / n, "write cancelled") for n in batch}
        elif (exc := done.exception()) is not None:
            logger.error("recorder writer thread failed", exc_info=exc)
            failures = {n: RecorderWriteError(self.session_dir / n, f"writer failed: {exc!r}") for n in batch}
        else:
            failures = done.result()
        for name, records in batch.items():
            stream = self._streams[name]
            size = sum(map(len, records))
            error = failures.get(name)
            if error is None:
                stream.synced += len(records)
                stream.bytes_synced += size
                stream.drop_reported = False
                if stream.failing:
                    stream.failing = False
                    logger.warning("recorder: %s writable again", stream.name)
                    self._journal_fault(stream, "recovered", None)
                continue
            stream.write_errors += 1
            stream.last_error = str(error)
            records.extend(stream.pending)  # failed records go first, newer ones after them
            stream.pending = records
            stream.pending_bytes += size
            self._pending_total_bytes += size
            if not stream.failing:
                stream.failing = True
                self._report(error)
                self._journal_fault(stream, "write_failed", error)
            self._drop_oldest(stream)
        self._flushes += 1
        self._last_flush_unix_s = self._clock.unix_time_s()
        still_waiting = []
        for count, waiter in self._flush_waiters:
            if waiter.done():
                continue
            if self._flushes >= count:
                waiter.set_result(None)
            else:
                still_waiting.append((count, waiter))
        self._flush_waiters = still_waiting

    def _journal_fault(self, stream: _Stream, event: str, error: RecorderWriteError | None) -> None:
        # Queued like any record: if the journal itself is the failing file it waits in the backlog.
        if not self._open:
            return
        self.journal(
            JournalKind.RECORDER_FAULT,
            "recorder",
            {
                "file": stream.name,
                "event": event,
                "errno": None if error is None else error.errno,
                "error": None if error is None else error.detail,
                "records_dropped": stream.records_dropped,
                "bytes_dropped": stream.bytes_dropped,
            },
        )

    def _report(self, error: RecorderError) -> None:
        logger.error("recorder: %s", error)
        if self._on_fault is None:
            return
        try:
            self._on_fault(error)
        except Exception:  # a broken listener must not stop the recording
            logger.exception("recorder: on_fault handler raised")

    def _drop_backlog_at_close(self) -> RecorderDataLostError | None:
        # What is still queued after the final flush will never be written: count it as dropped.
        for stream in self._streams.values():
            for record in stream.pending:
                stream.records_dropped += 1
                stream.bytes_dropped += len(record)
            stream.pending = deque()
            stream.pending_bytes = 0
        self._pending_total_bytes = 0
        lossy = [s for s in self._streams.values() if s.records_dropped]
        if not lossy:
            return None
        detail = "; ".join(
            f"{s.name}: {s.records_dropped} records ({s.bytes_dropped} bytes) dropped"
            + (f", last error: {s.last_error}" if s.last_error else "")
            for s in lossy
        )
        return RecorderDataLostError(self.session_dir, detail, sum(s.records_dropped for s in lossy))

    # ------------------------------------------------------------------------------------- stats

    @property
    def stats(self) -> RecorderStats:
        return RecorderStats(
            session_dir=self.session_dir,
            flushes=self._flushes,
            last_flush_unix_s=self._last_flush_unix_s,
            tlog=self._tlog.snapshot(),
            journal=self._journal.snapshot(),
            nmea=MappingProxyType({p: s.snapshot() for p, s in self._nmea.items()}),
        )

    def _counts(self) -> dict[str, Any]:
        return {
            s.name: {
                "records": s.handed,
                "records_synced": s.synced,
                "records_dropped": s.records_dropped,
                "write_errors": s.write_errors,
            }
            for s in self._streams.values()
        }

    def _manifest(self, state: SessionState, ended_unix_us: int | None = None) -> Manifest:
        return Manifest(
            session_id="" if self._session_dir is None else self._session_dir.name,
            started_unix_us=self._started_unix_us,
            state=state,
            ended_unix_us=ended_unix_us,
            flush_interval_s=self._settings.flush_interval_s,
            tlog_segment_bytes=self._settings.tlog_segment_bytes,
            platforms=tuple(self._nmea),
            counts=MappingProxyType(self._counts()) if state is SessionState.CLOSED else MappingProxyType({}),
        )
