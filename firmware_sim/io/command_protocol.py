"""The vehicle side of MAVLink's command protocol: MAV_CMD to flight-computer command, ACKs, retries. Pure.

``CommandProtocol.handle(request)`` returns the messages to send back: a STATUSTEXT with the
reason when a command is refused or fails (autopilots explain refusals there, and ground stations
show the last one with the failed command), then the COMMAND_ACK.

Which MAV_CMD means what (``vehicle_command_for``):

| MAV_CMD | params | flight computer |
|---|---|---|
| COMPONENT_ARM_DISARM (400) | 1: 1 arm / 0 disarm; 2: 21196 forces | ARM / DISARM (``force``) |
| MISSION_START (300) | | START_TERMINAL_COUNT (the ground hands over the count) |
| NAV_TAKEOFF (22) | | LAUNCH: ignition go, T-0 after the ignition lead |
| HOLD_COUNT (52500) | 1: hold kind (COUNTDOWN_STATE_HOLD_OPERATOR or _AUTOMATIC) | HOLD (``hold_kind``) |
| RESUME_COUNT (52501) | 1: T-minus to resume from, s (< 0); NaN: default lead | LAUNCH (``t_zero_s``) |
| DO_SET_MODE (176) | 1: CUSTOM_MODE_ENABLED flag; 2: phase ABORT, SAFING or SAFE | ABORT / SAFE_VEHICLE |
| DO_FLIGHTTERMINATION (185) | 1: > 0.5 fires | FLIGHT_TERMINATION (1 < 0.5: nothing to do) |
| DIVERT (52502) | 1: platform sysid; 5/6: lat/lon (degE7 in COMMAND_INT); 7: deck height, m | DIVERT |

Other commands are answered by the endpoint itself (``local`` handlers: REQUEST_MESSAGE,
SET_MESSAGE_INTERVAL, ...) or UNSUPPORTED.

A COMMAND_LONG resent with a higher ``confirmation`` and the same parameters from the same
sender, after we answered the first one, is a retry whose ACK was lost: it gets the same answer
again (the latest progress for one still in progress) and is never acted on twice. COMMAND_INT
has no ``confirmation``, so every one is a new command; the commands it carries (DIVERT) are
idempotent.

Knows nothing of sockets, asyncio, or the rules by which the flight computer accepts a command.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from firmware_sim.firmware.commands import CommandOutcome, CommandResult, VehicleCommand
from firmware_sim.io.statustext import Severity, StatusTexts
from gcs.protocol.dialect import CountdownState, FlightPhase, seaport

ARM_FORCE_MAGIC = 21196.0
"""COMPONENT_ARM_DISARM param2 value that forces arming or disarming (MAVLink common)."""


@dataclass(frozen=True, slots=True)
class CommandRequest:
    """One COMMAND_LONG or COMMAND_INT as received, its seven parameters in wire order."""

    command: int
    params: tuple[float, float, float, float, float, float, float]
    source: tuple[int, int]
    confirmation: int = 0
    is_int: bool = False
    frame: int = 0

    @classmethod
    def from_message(cls, msg: Any) -> CommandRequest:
        source = (int(msg.get_srcSystem()), int(msg.get_srcComponent()))
        if msg.get_type() == "COMMAND_INT":
            params = (msg.param1, msg.param2, msg.param3, msg.param4, float(msg.x), float(msg.y), msg.z)
            return cls(int(msg.command), params, source, 0, True, int(msg.frame))
        params = (msg.param1, msg.param2, msg.param3, msg.param4, msg.param5, msg.param6, msg.param7)
        return cls(int(msg.command), params, source, int(msg.confirmation))

    def param(self, number: int) -> float:
        """Parameter ``number`` (1-7) as sent."""
        return float(self.params[number - 1])

    def degrees(self, number: int) -> float:
        """Parameter 5 or 6 as degrees: degE7 integers in COMMAND_INT, degrees in COMMAND_LONG."""
        value = self.param(number)
        return value / 1e7 if self.is_int else value


@dataclass(frozen=True, slots=True)
class Mapped:
    """A MAVLink command the flight computer should act on."""

    command: VehicleCommand
    args: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer decided without the flight computer (refusals, no-ops, endpoint-local commands)."""

    outcome: CommandOutcome
    messages: tuple[Any, ...] = ()
    """Messages sent before the ACK (what REQUEST_MESSAGE asked for, for example)."""


Translation = Mapped | Answer


def _hold_kinds() -> frozenset[int]:
    return frozenset({int(CountdownState.HOLD_OPERATOR), int(CountdownState.HOLD_AUTOMATIC)})


def vehicle_command_for(request: CommandRequest, phase: FlightPhase, now_s: float) -> Translation | None:
    """What ``request`` asks of the flight computer in ``phase`` at simulation time ``now_s``.

    Returns ``None`` for a command this table does not know (UNSUPPORTED unless a local handler
    answers it), an ``Answer`` when the request is malformed or needs no action.
    """
    cmd, p = request.command, request.param
    if cmd == seaport.MAV_CMD_COMPONENT_ARM_DISARM:
        force = {"force": 1.0} if p(2) == ARM_FORCE_MAGIC else {}
        if p(1) == 1.0:
            return Mapped(VehicleCommand.ARM, MappingProxyType(force))
        if p(1) == 0.0:
            return Mapped(VehicleCommand.DISARM, MappingProxyType(force))
        return _denied(f"ARM_DISARM param1 must be 0 or 1, got {p(1):g}")
    if cmd == seaport.MAV_CMD_MISSION_START:
        return Mapped(VehicleCommand.START_TERMINAL_COUNT)
    if cmd == seaport.MAV_CMD_NAV_TAKEOFF:
        return Mapped(VehicleCommand.LAUNCH)
    if cmd == seaport.MAV_CMD_HOLD_COUNT:
        if int(p(1)) not in _hold_kinds() or p(1) != int(p(1)):
            return _denied(f"HOLD_COUNT: hold kind {p(1):g} is not an operator or automatic hold")
        return Mapped(VehicleCommand.HOLD, MappingProxyType({"hold_kind": p(1)}))
    if cmd == seaport.MAV_CMD_RESUME_COUNT:
        if math.isnan(p(1)):
            return Mapped(VehicleCommand.LAUNCH)
        if not (math.isfinite(p(1)) and p(1) < 0):
            return _denied(f"RESUME_COUNT: resume time {p(1):g} s must be negative (T-minus)")
        return Mapped(VehicleCommand.LAUNCH, MappingProxyType({"t_zero_s": now_s - p(1)}))
    if cmd == seaport.MAV_CMD_DO_SET_MODE:
        return _set_mode(request)
    if cmd == seaport.MAV_CMD_DO_FLIGHTTERMINATION:
        if p(1) > 0.5:
            return Mapped(VehicleCommand.FLIGHT_TERMINATION)
        if phase is FlightPhase.FLIGHT_TERMINATION:
            return _denied("Flight termination cannot be undone")
        return Answer(CommandOutcome.accepted())  # "do not terminate": nothing fired, nothing to do
    if cmd == seaport.MAV_CMD_DIVERT:
        args: dict[str, float] = {}
        if p(1) > 0:
            args["platform_sysid"] = p(1)
        if p(5) != 0 or p(6) != 0:
            args["latitude_deg"], args["longitude_deg"] = request.degrees(5), request.degrees(6)
        if math.isfinite(p(7)) and p(7) != 0:
            args["deck_height_m"] = p(7)
        return Mapped(VehicleCommand.DIVERT, MappingProxyType(args))
    return None


def _set_mode(request: CommandRequest) -> Translation:
    base_mode, custom_mode = request.param(1), request.param(2)
    if not int(base_mode) & seaport.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED:
        return _denied("DO_SET_MODE: only custom modes (flight phases) are supported")
    try:
        phase = FlightPhase(int(custom_mode))
    except ValueError:
        return _denied(f"DO_SET_MODE: {custom_mode:g} is not a flight phase")
    if phase is FlightPhase.ABORT:
        return Mapped(VehicleCommand.ABORT)
    if phase in (FlightPhase.SAFING, FlightPhase.SAFE):
        return Mapped(VehicleCommand.SAFE_VEHICLE)
    return _denied(f"Mode {phase.name} cannot be commanded; it follows from the flight")


def _denied(reason: str) -> Answer:
    return Answer(CommandOutcome.denied(reason))


LocalHandler = Callable[[CommandRequest], Answer]
VehicleCommander = Callable[[VehicleCommand, Mapping[str, float]], CommandOutcome]
ProgressProbe = Callable[[VehicleCommand], CommandOutcome | None]
"""The latest outcome of a command the flight computer answered IN_PROGRESS, or None if unknown."""


@dataclass(slots=True)
class _Answered:
    request: CommandRequest
    outcome: CommandOutcome
    mapped: Mapped | None


class CommandProtocol:
    """Answers the commands of every ground station on one link."""

    def __init__(
        self,
        system_id: int,
        component_id: int,
        commander: VehicleCommander,
        texts: StatusTexts,
        *,
        local: Mapping[int, LocalHandler] | None = None,
        progress: ProgressProbe | None = None,
        events: Callable[[], list[Any]] | None = None,
    ) -> None:
        """``events``, if given, returns the STATUSTEXTs of what the flight computer reported while
        acting on a command; they go out before its ACK (the computer explains its own refusals)."""
        self._ids = (system_id, component_id)
        self._commander = commander
        self._texts = texts
        self._local = dict(local or {})
        self._progress = progress
        self._events = events
        self._answered: dict[tuple[tuple[int, int], int], _Answered] = {}
        self.acted: list[tuple[VehicleCommand, Mapping[str, float]]] = []
        """Every command passed to the flight computer, in order (for the shell's log and for tests)."""

    def addressed_to_us(self, msg: Any) -> bool:
        return msg.target_system in (0, self._ids[0]) and msg.target_component in (0, self._ids[1])

    def handle(self, request: CommandRequest, phase: FlightPhase, now_s: float) -> list[Any]:
        """The messages answering ``request``: optional STATUSTEXT reason, then the COMMAND_ACK."""
        key = (request.source, request.command)
        previous = self._answered.get(key)
        if (
            previous is not None
            and not request.is_int
            and request.confirmation > previous.request.confirmation
            and request.params == previous.request.params
        ):
            outcome = previous.outcome
            if outcome.result is CommandResult.IN_PROGRESS and previous.mapped and self._progress:
                outcome = self._progress(previous.mapped.command) or outcome
                previous.outcome = outcome
            previous.request = request
            return [self._ack(request, outcome)]  # a retry: answer again, never act twice
        local = self._local.get(request.command)
        translation = local(request) if local is not None else vehicle_command_for(request, phase, now_s)
        mapped: Mapped | None = None
        prefix: tuple[Any, ...] = ()
        if translation is None:
            outcome = CommandOutcome(CommandResult.UNSUPPORTED)
        elif isinstance(translation, Answer):
            outcome, prefix = translation.outcome, translation.messages
        else:
            mapped = translation
            outcome = self._commander(mapped.command, mapped.args)
            self.acted.append((mapped.command, mapped.args))
        self._answered[key] = _Answered(request, outcome, mapped)
        out = list(prefix)
        if mapped is not None and self._events is not None:
            out.extend(self._events())
        refused = outcome.result not in (CommandResult.ACCEPTED, CommandResult.IN_PROGRESS)
        explained = any(m.get_type() == "STATUSTEXT" for m in out)
        if outcome.reason and refused and not explained:
            severity = Severity.CRITICAL if mapped is not None else Severity.WARNING
            out.extend(self._texts(severity, outcome.reason))
        out.append(self._ack(request, outcome))
        return out

    def follow_ups(self) -> list[Any]:
        """ACKs for commands that were IN_PROGRESS and have moved on (new progress, or a final result)."""
        if self._progress is None:
            return []
        out: list[Any] = []
        for answered in self._answered.values():
            if answered.outcome.result is not CommandResult.IN_PROGRESS or answered.mapped is None:
                continue
            latest = self._progress(answered.mapped.command)
            if latest is None or latest == answered.outcome:
                continue
            answered.outcome = latest
            if latest.reason and latest.result not in (CommandResult.ACCEPTED, CommandResult.IN_PROGRESS):
                out.extend(self._texts(Severity.CRITICAL, latest.reason))
            out.append(self._ack(answered.request, latest))
        return out

    def _ack(self, request: CommandRequest, outcome: CommandOutcome) -> Any:
        progress = 0
        if outcome.result is CommandResult.IN_PROGRESS:
            # 255 is "progress unknown" (MAVLink common, COMMAND_ACK.progress).
            pct = outcome.progress_pct
            progress = 255 if pct is None else max(0, min(100, int(pct)))
        return seaport.MAVLink_command_ack_message(
            request.command,
            int(outcome.result),
            progress,
            0,
            request.source[0],
            request.source[1],
        )
