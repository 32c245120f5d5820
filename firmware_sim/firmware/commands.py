"""Commands the ground sends the flight computer and the outcome it answers with.

``CommandResult`` takes MAV_RESULT's values so the endpoint can put it on the wire unchanged.
Knows nothing of MAVLink command ids (the endpoint maps those) or of the phases' rules.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class VehicleCommand(enum.Enum):
    ARM = "arm"  # arm the vehicle (needs a flight plan)
    DISARM = "disarm"  # on the ground only
    START_TERMINAL_COUNT = "start_terminal_count"  # the ground hands over the terminal count
    LAUNCH = "launch"  # ignition go: args "t_zero_s" (sim time of T-0; default now + ignition lead)
    HOLD = "hold"  # stop the count before liftoff (pad abort once the engine burns)
    ABORT = "abort"  # pad abort, or in-flight abort
    FLIGHT_TERMINATION = "flight_termination"  # fire the flight termination system
    DIVERT = "divert"  # land on the alternate platform
    SAFE_VEHICLE = "safe_vehicle"  # passivate: vent, safe pyros, disarm


class CommandResult(enum.IntEnum):
    """The answer, numbered as MAV_RESULT."""

    ACCEPTED = 0
    TEMPORARILY_REJECTED = 1
    DENIED = 2
    UNSUPPORTED = 3
    FAILED = 4
    IN_PROGRESS = 5


@dataclass(frozen=True, slots=True)
class CommandOutcome:
    """What a command did; ``reason`` says why it was refused (a STATUSTEXT for the operator)."""

    result: CommandResult
    reason: str = ""
    progress_pct: int | None = None

    @classmethod
    def accepted(cls, reason: str = "") -> CommandOutcome:
        return cls(CommandResult.ACCEPTED, reason)

    @classmethod
    def denied(cls, reason: str) -> CommandOutcome:
        return cls(CommandResult.DENIED, reason)

    @property
    def ok(self) -> bool:
        return self.result in (CommandResult.ACCEPTED, CommandResult.IN_PROGRESS)
