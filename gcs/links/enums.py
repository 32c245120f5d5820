"""MAVLink enumerations the links reason about, as ``IntEnum`` types. Knows nothing of sockets or rockets.

The generated dialect spells enums as module constants; the services want members that name
themselves in errors and journals (``MavResult.DENIED`` rather than ``2``). Values outside a
type (a newer autopilot's result code) stay plain ints through :func:`as_enum`, never an exception.
``tests/unit/links/test_enums.py`` checks every member against the generated dialect.
"""

from __future__ import annotations

import enum
from typing import TypeVar

from gcs.protocol.dialect import seaport

E = TypeVar("E", bound=enum.IntEnum)


class MavResult(enum.IntEnum):
    """MAV_RESULT: the outcome in a COMMAND_ACK."""

    ACCEPTED = 0
    TEMPORARILY_REJECTED = 1
    DENIED = 2
    UNSUPPORTED = 3
    FAILED = 4
    IN_PROGRESS = 5
    COMMAND_LONG_ONLY = 7
    COMMAND_INT_ONLY = 8


class MissionResult(enum.IntEnum):
    """MAV_MISSION_RESULT: the outcome in a MISSION_ACK."""

    ACCEPTED = 0
    ERROR = 1
    UNSUPPORTED_FRAME = 2
    UNSUPPORTED = 3
    NO_SPACE = 4
    INVALID = 5
    INVALID_PARAM1 = 6
    INVALID_PARAM2 = 7
    INVALID_PARAM3 = 8
    INVALID_PARAM4 = 9
    INVALID_PARAM5_X = 10
    INVALID_PARAM6_Y = 11
    INVALID_PARAM7 = 12
    INVALID_SEQUENCE = 13
    DENIED = 14
    OPERATION_CANCELLED = 15


class MissionType(enum.IntEnum):
    """MAV_MISSION_TYPE: which plan a transfer is about."""

    MISSION = 0
    FENCE = 1
    RALLY = 2


class ParamType(enum.IntEnum):
    """MAV_PARAM_TYPE: how a parameter's value is typed on the vehicle."""

    UINT8 = 1
    INT8 = 2
    UINT16 = 3
    INT16 = 4
    UINT32 = 5
    INT32 = 6
    UINT64 = 7
    INT64 = 8
    REAL32 = 9
    REAL64 = 10


#: Each enum type and the prefix of its constants in the generated dialect.
DIALECT_PREFIXES: dict[type[enum.IntEnum], tuple[str, str]] = {
    MavResult: ("MAV_RESULT", "MAV_RESULT_"),
    MissionResult: ("MAV_MISSION_RESULT", "MAV_MISSION_"),
    MissionType: ("MAV_MISSION_TYPE", "MAV_MISSION_TYPE_"),
    ParamType: ("MAV_PARAM_TYPE", "MAV_PARAM_TYPE_"),
}


def as_enum(kind: type[E], value: int) -> E | int:
    """``kind(value)`` if ``value`` is one of its members, else the plain int."""
    try:
        return kind(value)
    except ValueError:
        return int(value)


def command_name(command: int) -> str | None:
    """The MAV_CMD name of ``command`` in the dialect (``MAV_CMD_NAV_TAKEOFF``), or ``None``."""
    entry = seaport.enums["MAV_CMD"].get(command)
    return str(entry.name) if entry is not None else None
