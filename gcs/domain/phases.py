"""Flight phases and the countdown's display state, as the domain sees them.

Both enums mirror the seaport dialect (``FLIGHT_PHASE`` and ``COUNTDOWN_STATE``) value for value, so
the link layer converts with ``FlightPhase(custom_mode)``; the domain must not import the dialect, so
a unit test compares the two. Knows nothing of MAVLink framing or of how a phase is learned.
"""

from __future__ import annotations

import enum


class FlightPhase(enum.IntEnum):
    """Phase of the vehicle's flight software (HEARTBEAT ``custom_mode``)."""

    SAFE = 0
    STANDBY = 1
    TERMINAL_COUNT = 2
    IGNITION = 3
    ASCENT = 4
    COAST = 5
    ENTRY = 6
    LANDING_BURN = 7
    TOUCHDOWN = 8
    SAFING = 9
    ABORT = 10
    FLIGHT_TERMINATION = 11

    @classmethod
    def from_name(cls, name: str) -> FlightPhase:
        """The phase called ``name`` in config files (``"landing_burn"``), case-insensitive.

        Raises:
            ValueError: naming the phases there are.
        """
        try:
            return cls[name.strip().upper()]
        except KeyError:
            choices = ", ".join(p.name.lower() for p in cls)
            raise ValueError(f"unknown flight phase {name!r}; one of {choices}") from None

    @property
    def config_name(self) -> str:
        return self.name.lower()


class CountdownDisplay(enum.IntEnum):
    """What the countdown shows, including the kind of hold (COUNTDOWN ``state`` on the wire)."""

    IDLE = 0
    COUNTING = 1
    HOLD_BUILT_IN = 2
    HOLD_OPERATOR = 3
    HOLD_AUTOMATIC = 4
    RECYCLE = 5
    SCRUBBED = 6
    LIFTOFF = 7


AIRBORNE_PHASES = frozenset(
    {
        FlightPhase.ASCENT,
        FlightPhase.COAST,
        FlightPhase.ENTRY,
        FlightPhase.LANDING_BURN,
    }
)
"""Phases in which the vehicle is off the pad and not yet down: its impact point matters."""

FLOWN_PHASES = AIRBORNE_PHASES | {FlightPhase.TOUCHDOWN}
"""Phases only a vehicle that has lifted off can be in (an abort may also be a pad abort, SAFING a
scrubbed count's): a station that starts and sees one takes the flight over."""

ABORT_PHASES = frozenset({FlightPhase.ABORT, FlightPhase.FLIGHT_TERMINATION})
"""Phases that mean the vehicle has given up the nominal mission on its own or on command."""

PRE_ENTRY_PHASES = frozenset({FlightPhase.ASCENT, FlightPhase.COAST})
"""In flight and before the entry point: the last moment a new landing target can still be flown."""
