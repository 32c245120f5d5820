"""The simulated flight computer's MAVLink endpoint: the thin async shell around the pure services.

One ground-station link (any ``SimStream``) is served by: telemetry at rates that
SET_MESSAGE_INTERVAL changes (``message_rates``, ``vehicle_telemetry``), the flight computer's
events as STATUSTEXT, commands (``command_protocol``), parameters (``param_protocol``), the flight
plan as a mission (``mission_protocol`` and ``firmware.flight_plan``), REQUEST_MESSAGE,
AUTOPILOT_VERSION and TIMESYNC. Every protocol rule lives in those pure modules; this shell only
reads messages, asks them, sends what they return, and polls the clock.

Time: ``sim_time_s()`` is the simulation clock the flight computer runs on (the lockstep runner's,
or the wall clock scaled by ``--speed`` on a bare flight computer); rates and timestamps use it.
The shell polls every ``poll_s`` of wall time, and, told by the runner after each of its steps
(``stepped``), whenever a stream falls due in simulated time: so with the physics in the loop every
stream keeps its rate per simulated second at any speed (a ground station at 100x sees what it sees
at 1x; the ground pacing keeps it from being flooded). A bare flight computer or a HIL bridge is
polled by the wall clock only, which caps each stream at 1 / ``poll_s`` per second of wall time.
Signing uses the wall clock (see ``signing``).

The flight computer is called from this task only between the runner's ticks (one event loop, no
threads), so a command acts at a well-defined simulation time. Knows nothing of physics.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from firmware_sim.firmware.commands import CommandOutcome, CommandResult, VehicleCommand
from firmware_sim.firmware.flight_plan import (
    FlightPlanError,
    MissionItem,
    PlatformDirectory,
    from_mission_items,
)
from firmware_sim.firmware.flight_plan_types import FlightPlan
from firmware_sim.firmware.params import ParamStore
from firmware_sim.firmware.telemetry import FlightTelemetry
from firmware_sim.io import vehicle_telemetry
from firmware_sim.io.command_protocol import Answer, CommandProtocol, CommandRequest
from firmware_sim.io.ground_pace import GroundPace
from firmware_sim.io.mavlink_port import MavlinkPort
from firmware_sim.io.message_rates import MessageRates
from firmware_sim.io.mission_protocol import MissionProtocol
from firmware_sim.io.param_protocol import ParamProtocol
from firmware_sim.io.statustext import StatusTexts
from firmware_sim.io.vehicle_telemetry import TelemetryContext
from gcs.protocol.dialect import FlightPhase, seaport

S = seaport

VERSION = (0, 1, 0)
CAPABILITIES = (
    S.MAV_PROTOCOL_CAPABILITY_MAVLINK2
    | S.MAV_PROTOCOL_CAPABILITY_MISSION_INT
    | S.MAV_PROTOCOL_CAPABILITY_COMMAND_INT
    | S.MAV_PROTOCOL_CAPABILITY_PARAM_ENCODE_C_CAST
)
_PARAM_BURST = 16
"""PARAM_VALUEs sent back to back before yielding (a 921600-baud serial link takes ~16 in 7 ms)."""
PACE_REQUEST_WALL_S = 0.02
"""Ground-paced SITL: a TIMESYNC request this often (wall s), so the hold follows the ground closely."""
_SYSTEM_TIME = S.MAVLINK_MSG_ID_SYSTEM_TIME


class FlightComputerLike(Protocol):
    """What the endpoint uses of ``firmware.computer.FlightComputer``."""

    @property
    def phase(self) -> FlightPhase: ...

    @property
    def flight_plan(self) -> FlightPlan | None: ...

    def set_flight_plan(self, plan: FlightPlan) -> CommandOutcome: ...

    def command(
        self, command: VehicleCommand, now_s: float, args: Mapping[str, float] | None = None
    ) -> CommandOutcome: ...

    def ground_link(self, up: bool, now_s: float) -> None: ...

    def param_veto(self, name: str, value: float) -> str: ...

    def telemetry(self) -> FlightTelemetry: ...


@dataclass(frozen=True, slots=True)
class EndpointSettings:
    system_id: int = 1
    component_id: int = 1
    telemetry_hz: float = 4.0
    """Default rate of the fast streams (position, attitude, IMU, SYSTEM_TIME), per simulated second."""
    poll_s: float = 0.01
    mission_timeout_s: float = 1.0
    mission_retries: int = 5


class VehicleEndpoint:
    """Serves one ground-station link for one flight computer."""

    def __init__(
        self,
        port: MavlinkPort,
        computer: FlightComputerLike,
        params: ParamStore,
        *,
        sim_time_s: Callable[[], float],
        context: TelemetryContext,
        directory: PlatformDirectory,
        settings: EndpointSettings | None = None,
        unix_time_s: Callable[[], float] = time.time,
        ground_pace: GroundPace | None = None,
    ) -> None:
        self.port = port
        self.ground_pace = ground_pace
        """Ground-paced SITL: TIMESYNC requests stamped with simulated time, answers noted here."""
        self._pace_asked_wall_s = -math.inf
        self._fc = computer
        self._sim_time_s = sim_time_s
        self._context = context
        self._directory = directory
        settings = settings or EndpointSettings()
        self._settings = settings
        self._unix_time_s = unix_time_s
        texts = StatusTexts()
        self._texts = texts
        self.rates = MessageRates(vehicle_telemetry.default_rates_hz(settings.telemetry_hz))
        self.params = ParamProtocol(params, texts, veto=computer.param_veto)
        self.commands = CommandProtocol(
            settings.system_id, settings.component_id, self._command, texts,
            local={
                S.MAV_CMD_REQUEST_MESSAGE: self._request_message,
                S.MAV_CMD_SET_MESSAGE_INTERVAL: self._set_message_interval,
                S.MAV_CMD_GET_MESSAGE_INTERVAL: self._get_message_interval,
                S.MAV_CMD_REQUEST_AUTOPILOT_CAPABILITIES: self._request_capabilities,
            },
            progress=self._progress,
            events=self._new_events,
        )  # fmt: skip
        self.mission = MissionProtocol(
            self._accept_mission, texts,
            system_id=settings.system_id, component_id=settings.component_id,
            timeout_s=settings.mission_timeout_s, retries=settings.mission_retries,
        )  # fmt: skip
        self._events_sent = 0
        self._param_stream: asyncio.Task[None] | None = None
        self._group: asyncio.TaskGroup | None = None
        self._next_due_sim_s = -math.inf
        self._wake: asyncio.Future[None] | None = None

    async def run(self) -> None:
        """Serve until cancelled."""
        async with asyncio.TaskGroup() as group:
            self._group = group
            group.create_task(self._receive(), name="vehicle-endpoint.receive")
            group.create_task(self._service(), name="vehicle-endpoint.service")

    # --- periodic --------------------------------------------------------------------------------

    async def _service(self) -> None:
        while True:
            now_s = self._sim_time_s()
            snapshot = self._fc.telemetry()
            out: list[Any] = []
            due = self.rates.due(now_s)
            if _SYSTEM_TIME in due:
                # SYSTEM_TIME leads its burst: a station that follows the simulator's clock stamps the
                # rest of the burst with this poll's time, not the previous one's (at 100x with wall
                # polls, 1 Hz statuses stamped so looked 2-3 simulated seconds old).
                due.remove(_SYSTEM_TIME)
                due.insert(0, _SYSTEM_TIME)
            for msg_id in due:
                out.extend(vehicle_telemetry.build(msg_id, snapshot, self._context))
            out.extend(self._events_of(snapshot))
            out.extend(self.commands.follow_ups())
            out.extend(self.mission.on_timer(now_s))
            wall_s = time.monotonic()
            if self.ground_pace is not None and wall_s - self._pace_asked_wall_s >= PACE_REQUEST_WALL_S:
                self._pace_asked_wall_s = wall_s
                out.append(S.MAVLink_timesync_message(0, self.ground_pace.request_ts1(now_s)))
            self._next_due_sim_s = self.rates.next_due_s()
            await self.port.send_all(out)
            await self._next_poll()

    async def _next_poll(self) -> None:
        """Until ``poll_s`` of wall time has passed or ``stepped`` finds a poll due by simulated time."""
        loop = asyncio.get_running_loop()
        wake: asyncio.Future[None] = loop.create_future()
        self._wake = wake
        timer = loop.call_later(self._settings.poll_s, _release, wake)
        try:
            await wake
        finally:
            timer.cancel()
            self._wake = None

    def stepped(self) -> None:
        """The runner has advanced simulated time: poll now if a stream has fallen due.

        Polled by the wall clock only, a runner asked 100x left the fast streams at ~1 Hz of
        simulated time, and after the ascent (slower than 100x on two cores) raced through 8
        simulated seconds between two 10 ms polls: the station's range safety saw gaps in the
        vehicle state, its launch control a 3 s-old flight termination status (an automatic hold).
        """
        wake = self._wake
        if wake is not None and not wake.done() and self._sim_time_s() >= self._next_due_sim_s:
            wake.set_result(None)

    def _new_events(self) -> list[Any]:
        return self._events_of(self._fc.telemetry())

    def _events_of(self, snapshot: FlightTelemetry) -> list[Any]:
        out: list[Any] = []
        for event in snapshot.recent_events:
            if event.seq > self._events_sent:
                out.extend(self._texts(int(event.severity), event.text))
                self._events_sent = event.seq
        return out

    # --- incoming --------------------------------------------------------------------------------

    async def _receive(self) -> None:
        async for msg in self.port.messages():
            await self.port.send_all(self._handle(msg))

    def _handle(self, msg: Any) -> list[Any]:
        kind = msg.get_type()
        now_s = self._sim_time_s()
        if kind == "HEARTBEAT":
            if msg.type == S.MAV_TYPE_GCS:
                self._fc.ground_link(True, now_s)
            return []
        if kind == "TIMESYNC":
            if msg.tc1 == 0:  # a request; tc1 != 0 is someone's answer
                return [S.MAVLink_timesync_message(time.monotonic_ns(), msg.ts1)]
            if self.ground_pace is not None:
                self.ground_pace.answered(int(msg.ts1), time.monotonic())
            return []
        if kind in ("COMMAND_LONG", "COMMAND_INT"):
            if not self.commands.addressed_to_us(msg):
                return []
            return self.commands.handle(CommandRequest.from_message(msg), self._fc.phase, now_s)
        if kind.startswith("PARAM_"):
            return self._param(msg, kind)
        if kind.startswith("MISSION_"):
            return self.mission.handle(msg, now_s) if self.mission.addressed_to_us(msg) else []
        return []

    def _param(self, msg: Any, kind: str) -> list[Any]:
        if msg.target_system != self._settings.system_id or msg.target_component not in (
            0, self._settings.component_id,
        ):  # fmt: skip
            return []
        if kind == "PARAM_REQUEST_LIST":
            self._start_param_stream()
            return []
        if kind == "PARAM_REQUEST_READ":
            return self.params.on_request_read(msg)
        if kind == "PARAM_SET":
            return self.params.on_set(msg)
        return []

    def _start_param_stream(self) -> None:
        # A new request restarts the list, as a ground station that lost the start expects.
        if self._param_stream is not None:
            self._param_stream.cancel()
        assert self._group is not None
        self._param_stream = self._group.create_task(self._stream_params(), name="vehicle-endpoint.params")

    async def _stream_params(self) -> None:
        for index, msg in enumerate(self.params.list_all()):
            await self.port.send(msg)
            if index % _PARAM_BURST == _PARAM_BURST - 1:
                await asyncio.sleep(0.001)

    # --- what the services ask of the vehicle ----------------------------------------------------

    def _command(self, command: VehicleCommand, args: Mapping[str, float]) -> CommandOutcome:
        return self._fc.command(command, self._sim_time_s(), args)

    def _progress(self, command: VehicleCommand) -> CommandOutcome | None:
        # Only safing reports progress, and asking again while it runs is harmless (it says how far).
        if command is VehicleCommand.SAFE_VEHICLE:
            return self._fc.command(command, self._sim_time_s())
        return None

    def _accept_mission(self, items: Sequence[MissionItem]) -> tuple[int, str]:
        if not items:
            if self._fc.flight_plan is None:
                return S.MAV_MISSION_ACCEPTED, ""
            return S.MAV_MISSION_DENIED, "a loaded flight plan is replaced, never cleared"
        try:
            plan = from_mission_items(items, self._directory)
        except FlightPlanError as exc:
            return S.MAV_MISSION_INVALID, str(exc)
        outcome = self._fc.set_flight_plan(plan)
        if outcome.result is not CommandResult.ACCEPTED:
            return S.MAV_MISSION_DENIED, outcome.reason
        return S.MAV_MISSION_ACCEPTED, ""

    def _request_message(self, request: CommandRequest) -> Answer:
        msg_id = int(request.param(1))
        if msg_id == S.MAVLINK_MSG_ID_AUTOPILOT_VERSION:
            return Answer(CommandOutcome.accepted(), (self._autopilot_version(),))
        if msg_id == S.MAVLINK_MSG_ID_MESSAGE_INTERVAL:
            wanted = int(request.param(2))
            return Answer(CommandOutcome.accepted(), (self._message_interval(wanted),))
        if msg_id in vehicle_telemetry.BUILDERS:
            built = vehicle_telemetry.build(msg_id, self._fc.telemetry(), self._context)
            if built:
                return Answer(CommandOutcome.accepted(), tuple(built))
            return Answer(CommandOutcome(CommandResult.FAILED, f"message {msg_id}: nothing to report yet"))
        return Answer(CommandOutcome.denied(f"message {msg_id} is not provided by this vehicle"))

    def _request_capabilities(self, request: CommandRequest) -> Answer:
        return Answer(CommandOutcome.accepted(), (self._autopilot_version(),))

    def _set_message_interval(self, request: CommandRequest) -> Answer:
        result, reason = self.rates.set_interval_us(int(request.param(1)), request.param(2))
        return Answer(CommandOutcome(CommandResult(result), reason))

    def _get_message_interval(self, request: CommandRequest) -> Answer:
        return Answer(CommandOutcome.accepted(), (self._message_interval(int(request.param(1))),))

    def _message_interval(self, msg_id: int) -> Any:
        return S.MAVLink_message_interval_message(msg_id, self.rates.interval_us(msg_id))

    def _autopilot_version(self) -> Any:
        major, minor, patch = VERSION
        software = (major << 24) | (minor << 16) | (patch << 8) | S.FIRMWARE_VERSION_TYPE_DEV
        uid = self._settings.system_id
        return S.MAVLink_autopilot_version_message(
            CAPABILITIES, software, 0, 0, 0, [0] * 8, [0] * 8, [0] * 8, 0, 0, uid, [0] * 18
        )


def _release(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
