"""Launch intents as MAVLink commands: what ``CommandVehicle`` means on the wire.

The vehicle's side of this table is in the simulator (``firmware_sim/io/command_protocol.py``);
the two are independent on purpose and a scenario over the real link proves they agree:

| intent | MAVLink |
|---|---|
| ARM | COMPONENT_ARM_DISARM (400), param1 = 1 |
| START_TERMINAL_COUNT | MISSION_START (300), then RESUME_COUNT (52501) with the count time as it is sent |
| HOLD_COUNT | HOLD_COUNT (52500), param1 = COUNTDOWN_STATE_HOLD_OPERATOR or _AUTOMATIC |
| RESUME_COUNT | RESUME_COUNT (52501), param1 = count time to resume from, s (NaN: the vehicle's lead) |

| SAFE_VEHICLE | DO_SET_MODE (176), custom mode SAFING |
| ABORT | DO_SET_MODE (176), custom mode ABORT |
| DIVERT | DIVERT (52502) as COMMAND_INT, x/y = the platform's position (degE7), z = deck height |
| FLIGHT_TERMINATION | DO_FLIGHTTERMINATION (185), param1 = 1 |
| PROPELLANT_LOAD, ENGINE_CHILL, PRESSURISE | none: ground support equipment steps, reported as such |

The hand-off gives the vehicle the count and its time: MISSION_START puts it in its terminal count,
and the RESUME_COUNT that follows is its ignition go, so its own sequencer runs the rest of the count.
Before the hand-off the count is the ground's alone: the vehicle waits in STANDBY and has no count
to hold or resume (it would refuse, and a RESUME_COUNT in its terminal count means ignition go), so
holds and resumes then send nothing and say so.

Knows nothing of sockets; talks to the vehicle through the link's ``Vehicle.commands``.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Mapping
from typing import Protocol

from gcs.domain.phases import FlightPhase
from gcs.domain.platform import PlatformSite
from gcs.errors import LaunchControlError, TimeoutError_
from gcs.launch.actions import CommandVehicle, VehicleCommand
from gcs.links.commands import CommandAck
from gcs.protocol.dialect import CountdownState, seaport

LATEST_RESUME_T_S = -0.1
"""The latest count time an ignition go may carry: the vehicle refuses a resume at T-0 or after."""

GROUND_SUPPORT_STEPS = frozenset(
    {VehicleCommand.PROPELLANT_LOAD, VehicleCommand.ENGINE_CHILL, VehicleCommand.PRESSURISE}
)
"""Countdown steps carried out by ground support equipment, not by the flight computer."""


class CommandService(Protocol):
    """The part of ``gcs.links.vehicle.Commands`` this module uses."""

    async def long(self, command: int, *params: float) -> CommandAck: ...

    async def int(self, command: int, *, params: tuple[float, ...] = (), x: int = 0, y: int = 0,
                  z: float = 0.0) -> CommandAck: ...


class MavlinkCommander:
    """A ``VehicleCommander`` over one vehicle's command service."""

    def __init__(
        self,
        commands: CommandService,
        sites: Mapping[str, PlatformSite],
        vehicle_phase: Callable[[], FlightPhase | None] = lambda: None,
        now_s: Callable[[], float] | None = None,
    ) -> None:
        self._commands = commands
        self._sites = sites
        self._vehicle_phase = vehicle_phase
        self._now_s = now_s

    async def __call__(self, action: CommandVehicle) -> str:
        command = action.command
        if command in GROUND_SUPPORT_STEPS:
            return "ground support equipment step: no flight-computer command"
        if command in (VehicleCommand.HOLD_COUNT, VehicleCommand.RESUME_COUNT):
            phase = self._vehicle_phase()
            if phase is not None and phase != FlightPhase.TERMINAL_COUNT:
                return f"ground count only: the vehicle is in {phase.name} and runs no count (nothing sent)"
        if command is VehicleCommand.START_TERMINAL_COUNT:
            # Unanswered is not refused (a slow link, a lost ACK): the vehicle's answer to the
            # ignition go settles it, as it refuses a RESUME_COUNT outside its terminal count.
            with contextlib.suppress(TimeoutError_):
                await self._commands.long(seaport.MAV_CMD_MISSION_START)
            t_s = action.t_count_s if action.t_count_s is not None and action.t_count_s < 0 else math.nan
            if self._now_s is not None and math.isfinite(t_s):
                # The count ran on while MISSION_START was answered (retries, a slow link): the
                # vehicle's T-0 must be the ground's, not the hand-off time counted from now. Past
                # T-0 already: as late as it can be (the vehicle takes a T-minus only, and keeps
                # its own ignition lead).
                t_s = min(t_s + max(0.0, self._now_s() - action.at_s), LATEST_RESUME_T_S)
            ack = await self._commands.long(seaport.MAV_CMD_RESUME_COUNT, t_s)
            return f"count handed over at T{t_s:+.0f} s; accepted after {ack.attempts} attempt(s)"
        ack = await self._send(action)
        return f"accepted after {ack.attempts} attempt(s) in {ack.elapsed_s:.2f} s"

    async def _send(self, action: CommandVehicle) -> CommandAck:
        long = self._commands.long
        match action.command:
            case VehicleCommand.ARM:
                return await long(seaport.MAV_CMD_COMPONENT_ARM_DISARM, 1.0)
            case VehicleCommand.HOLD_COUNT:
                kind = CountdownState.HOLD_OPERATOR if action.who else CountdownState.HOLD_AUTOMATIC
                return await long(seaport.MAV_CMD_HOLD_COUNT, float(kind))
            case VehicleCommand.RESUME_COUNT:
                t_s = action.t_count_s if action.t_count_s is not None and action.t_count_s < 0 else math.nan
                return await long(seaport.MAV_CMD_RESUME_COUNT, t_s)
            case VehicleCommand.SAFE_VEHICLE:
                return await long(seaport.MAV_CMD_DO_SET_MODE,
                                  float(seaport.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED), float(FlightPhase.SAFING))
            case VehicleCommand.ABORT:
                return await long(seaport.MAV_CMD_DO_SET_MODE,
                                  float(seaport.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED), float(FlightPhase.ABORT))
            case VehicleCommand.FLIGHT_TERMINATION:
                return await long(seaport.MAV_CMD_DO_FLIGHTTERMINATION, 1.0)
            case VehicleCommand.DIVERT:
                site = self._sites.get(action.target or "")
                if site is None:
                    raise LaunchControlError(f"divert to {action.target!r}: not a platform of the range file")
                return await self._commands.int(
                    seaport.MAV_CMD_DIVERT,
                    x=round(site.latitude_deg * 1e7), y=round(site.longitude_deg * 1e7), z=site.deck_height_m,
                )
        raise LaunchControlError(f"{action.command.value}: no MAVLink mapping")
