"""The fleet in a running station: each flight of the vehicle written to the fleet database, and the
vehicle's status (go, or past an inspection or refurbishment limit) kept current for the poll.

The async shell around the pure parts: it feeds a ``FlightRecordBuilder`` from the vehicle's
telemetry on the hub (phases, state, samples, the vehicle's touchdown report), writes the record
when the vehicle is back at rest after a flight or a pad abort (and, at shutdown, whatever a flight
left unwritten), and re-reads the vehicle's status every ``refresh_s`` (a clearance made with
``gcs fleet clear`` in another process shows without a restart). SQLite work runs in worker threads.

A database that cannot be read makes the vehicle no-go (its fitness is not known) until it can.
Knows nothing of the poll or the console: the composition root passes ``on_status``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gcs.clock import Clock
from gcs.domain.fields import vehicle_samples
from gcs.domain.phases import FLOWN_PHASES, FlightPhase
from gcs.errors import FleetError
from gcs.fleet.limits import FleetLimits
from gcs.fleet.record import FlightRecord, FlightRecordBuilder, TouchdownLimits
from gcs.fleet.status import VehicleStatus
from gcs.fleet.store import AddResult, record_flight, record_taken_over_flight, vehicle_status
from gcs.hub import Hub
from gcs.links.touchdown_report import touchdown_reports
from gcs.links.values import MavlinkTelemetry
from gcs.links.vehicle_telemetry import VehicleTelemetryTranslator
from gcs.tasks import background

_log = logging.getLogger(__name__)

AT_REST = frozenset({FlightPhase.SAFE, FlightPhase.STANDBY})
"""Back in one of these after engine starts or a flight: the flight is over and its record written."""

_RECORDED_MESSAGES = frozenset({"HEARTBEAT", "GLOBAL_POSITION_INT", "ENGINE_STATUS", "VFR_HUD"})
"""What the flight record is made of: phases, the vehicle's state (altitude, speeds), its engines."""

#: Touchdown limits for a vehicle type the limits file does not know (its status is no-go anyway).
_FALLBACK_TOUCHDOWN = TouchdownLimits(4.0, 1.0)


@dataclass(frozen=True, slots=True)
class FleetStatusUpdate:
    """The vehicle's fleet status on the hub (for the console and the broker)."""

    status: VehicleStatus
    unix_time_s: float


@dataclass(frozen=True, slots=True)
class FlightRecorded:
    """A flight record written to the database (for the journal, the console and the broker)."""

    record: FlightRecord
    result: AddResult
    unix_time_s: float


@dataclass(frozen=True, slots=True)
class _Finished:
    record: FlightRecord
    taken_over: bool
    """The record began with the vehicle flying (this station started mid-flight)."""


class FleetWatch:
    """Records one vehicle's flights and watches its status, for one station run."""

    def __init__(
        self,
        *,
        database: Path,
        limits: FleetLimits,
        vehicle_id: str,
        vehicle_type: str,
        vehicle_sysid: int,
        session_name: str,
        hub: Hub,
        clock: Clock,
        on_status: Callable[[bool, str], None],
        on_recorded: Callable[[FlightRecorded], None] | None = None,
        refresh_s: float = 2.0,
    ) -> None:
        self._database = database
        self._limits = limits
        self._vehicle_id = vehicle_id
        self._vehicle_type = vehicle_type
        self._sysid = vehicle_sysid
        self._session = session_name
        self._hub = hub
        self._clock = clock
        self._on_status = on_status
        self._on_recorded = on_recorded
        self._refresh_s = refresh_s
        type_limits = limits.for_type(vehicle_type)
        self._touchdown = type_limits.touchdown_limits if type_limits is not None else _FALLBACK_TOUCHDOWN
        self._translator = VehicleTelemetryTranslator()
        self._flights = 0
        self._builder = self._new_builder()
        self._started_utc = self._now_utc()
        self._phase: FlightPhase | None = None
        self._status: VehicleStatus | None = None
        self._said: tuple[bool, str] | None = None
        self._writes: asyncio.Queue[_Finished] = asyncio.Queue()
        self._writing: asyncio.Future[bool] | None = None
        self.problems = 0
        """Database errors met (each logged and put on the hub as a status it could not read)."""

    @property
    def status(self) -> VehicleStatus | None:
        return self._status

    @property
    def flight_under_way(self) -> bool:
        """Engine starts or a liftoff seen and not yet written."""
        return self._has_flight()

    async def run(self) -> None:
        """Run until cancelled; on the way out, write what a flight left unwritten."""
        try:
            async with background(
                ("fleet telemetry", self._telemetry()),
                ("fleet touchdown reports", self._status_texts()),
                ("fleet status", self._refresh()),
                ("fleet writer", self._writer()),
            ):
                await asyncio.Event().wait()
        finally:
            # A write under way when the stop came finishes first (its journal line must reach the
            # session before it closes), then what is queued, then the flight under way if any.
            if self._writing is not None:
                await asyncio.wait([self._writing])
            pending = []
            while not self._writes.empty():
                pending.append(self._writes.get_nowait())
            if self._has_flight():
                pending.append(self._finish())
            for finished in pending:
                await self._write(finished)

    # --- feeding the record ----------------------------------------------------------------------

    async def _telemetry(self) -> None:
        # The link publishes each message under (sysid, type): subscribe to the few the record needs.
        topics = [(self._sysid, name) for name in _RECORDED_MESSAGES]
        async with self._hub.subscribe_keyed(MavlinkTelemetry, maxsize=4096, keys=topics) as feed:
            async for keyed in feed:
                msg = keyed.value.msg  # our vehicle's, of a type the record reads (the keys)
                t_s = self._clock.unix_time_s()
                out = self._translator.translate(msg, t_s)
                if msg.get_type() == "HEARTBEAT":
                    with contextlib.suppress(ValueError):
                        self._phase_seen(FlightPhase(msg.custom_mode), t_s)
                if out.state is not None:
                    self._phase_seen(out.state.phase, t_s)
                    for sample in vehicle_samples(out.state):
                        self._builder.observe(sample)
                for sample in out.samples:
                    self._builder.observe(sample)

    async def _status_texts(self) -> None:
        async for report in touchdown_reports(self._hub, self._sysid):
            down, across = report.vertical_speed_down_mps, report.horizontal_speed_mps
            self._builder.observe_touchdown_report(down, across, self._clock.unix_time_s())

    def _phase_seen(self, phase: FlightPhase, t_s: float) -> None:
        previous, self._phase = self._phase, phase
        if previous is None and phase in FLOWN_PHASES:
            self._builder.take_over(t_s)  # this station started while the vehicle flies
        self._builder.observe_phase(phase, t_s)
        if phase is not previous and phase in AT_REST and self._has_flight():
            self._writes.put_nowait(self._finish())

    def _has_flight(self) -> bool:
        return self._builder.lifted_off or self._builder.engine_starts > 0

    def _finish(self) -> _Finished:
        builder = self._builder
        record = builder.finish(started_utc=self._started_utc, ended_utc=self._now_utc())
        self._builder = self._new_builder()
        self._started_utc = self._now_utc()
        return _Finished(record, builder.taken_over)

    def _new_builder(self) -> FlightRecordBuilder:
        self._flights += 1
        # The session names the flight, so writing the same session again replaces, never adds.
        flight_id = self._session if self._flights == 1 else f"{self._session}-{self._flights}"
        return FlightRecordBuilder(self._vehicle_id, self._vehicle_type, flight_id, self._touchdown)

    def _now_utc(self) -> datetime:
        return datetime.fromtimestamp(self._clock.unix_time_s(), UTC)

    # --- the database ----------------------------------------------------------------------------

    async def _writer(self) -> None:
        while True:
            finished = await self._writes.get()
            # Shielded, and awaited by run() on a stop: the record and its journal line are never lost.
            self._writing = asyncio.ensure_future(self._write(finished))
            written = await asyncio.shield(self._writing)
            self._writing = None
            if written:
                await self._read_status()

    async def _write(self, finished: _Finished) -> bool:
        record = finished.record
        try:
            if finished.taken_over:
                result, record = await asyncio.to_thread(record_taken_over_flight, self._database, record)
            else:
                result = await asyncio.to_thread(record_flight, self._database, record)
        except FleetError as exc:
            # The flight's telemetry stays in the session's tlog; the error is on the log and counted.
            self.problems += 1
            _log.error("fleet: flight %s not recorded: %s", record.flight_id, exc)
            return False
        recorded = FlightRecorded(record, result, self._clock.unix_time_s())
        self._hub.publish(recorded)
        if self._on_recorded is not None:
            self._on_recorded(recorded)
        return True

    async def _refresh(self) -> None:
        # Opening the database (header, schema, WAL) and judging every flight is work: redo it only
        # when the files changed (our own write re-reads by itself; another process's clearance
        # shows in the database or its write-ahead log).
        seen: tuple[tuple[int, int], ...] | None = None
        while True:
            now = self._file_stamps()
            if now != seen or self._status is None:
                seen = now
                await self._read_status()
            await self._clock.sleep(self._refresh_s)

    def _file_stamps(self) -> tuple[tuple[int, int], ...]:
        stamps = []
        for path in (self._database, self._database.with_name(self._database.name + "-wal")):
            with contextlib.suppress(OSError):
                info = path.stat()
                stamps.append((info.st_mtime_ns, info.st_size))
        return tuple(stamps)

    async def _read_status(self) -> None:
        try:
            status = await asyncio.to_thread(
                vehicle_status, self._database, self._vehicle_id, self._vehicle_type, self._limits)
        except FleetError as exc:
            # An airframe whose record cannot be read is not known to be fit: no-go until it can be.
            self.problems += 1
            _log.error("fleet: status of %s unreadable: %s", self._vehicle_id, exc)
            self._say(False, f"fleet record unreadable: {exc}")
            return
        if status != self._status:
            self._status = status
            self._hub.publish(FleetStatusUpdate(status, self._clock.unix_time_s()))
        self._say(status.go, status.summary)

    def _say(self, go: bool, reason: str) -> None:
        if (go, reason) != self._said:
            self._said = (go, reason)
            self._on_status(go, reason)
