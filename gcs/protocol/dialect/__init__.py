"""The seaport MAVLink dialect: the wire definition shared by the ground station and the simulator.

``seaport.xml`` (which includes pymavlink's ``common.xml``) is the source; ``seaport.py`` is generated
from it by ``python -m gcs.protocol.dialect.generate`` and committed. Import the generated module
directly (``from gcs.protocol.dialect import seaport``), never through ``pymavlink.mavutil``.

This package is the only part of ``gcs`` that ``firmware_sim`` may import, so it must know nothing of
links, codecs or the ground station: it holds the wire definition and the enums below, which mirror
the XML enums as Python ``IntEnum`` types (a unit test checks they agree with the generated module).
"""

from __future__ import annotations

import enum

__all__ = ["CountdownState", "EngineState", "FlightPhase"]


class FlightPhase(enum.IntEnum):
    """Flight phase of the vehicle (XML enum ``FLIGHT_PHASE``); travels in HEARTBEAT ``custom_mode``."""

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


class EngineState(enum.IntEnum):
    """State of one engine (XML enum ``ENGINE_STATE``), as in ENGINE_STATUS ``state``."""

    OFF = 0
    CHILLDOWN = 1
    IGNITION = 2
    RUNNING = 3
    SHUTDOWN = 4
    FAULT = 5


class CountdownState(enum.IntEnum):
    """Countdown state, including the kind of hold (XML enum ``COUNTDOWN_STATE``); COUNTDOWN ``state``."""

    IDLE = 0
    COUNTING = 1
    HOLD_BUILT_IN = 2
    HOLD_OPERATOR = 3
    HOLD_AUTOMATIC = 4
    RECYCLE = 5
    SCRUBBED = 6
    LIFTOFF = 7
