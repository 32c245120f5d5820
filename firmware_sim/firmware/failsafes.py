"""On-board red lines and ground-link rules: which condition trips, and for how long it must last.

``RedLineMonitor.update`` is given what the computer measured this tick and returns the name of a
red line that has tripped (the computer aborts on it); ``LinkMonitor`` decides whether the ground
link counts as lost. Both hold only persistence timers. Knows nothing of phases' transitions,
guidance or the simulator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gcs.protocol.dialect import FlightPhase

#: Phases in which the red lines are watched (on the pad the ignition checks do the job).
WATCHED_PHASES = frozenset(
    {FlightPhase.ASCENT, FlightPhase.COAST, FlightPhase.ENTRY, FlightPhase.LANDING_BURN}
)


@dataclass(frozen=True, slots=True)
class RedLineInputs:
    phase: FlightPhase
    dynamic_pressure_pa: float
    axial_load_g: float
    attitude_error_deg: float  # between the wanted and the measured thrust axis
    engines_commanded: int  # engines that should be burning steadily now (0 during transients)
    engines_burning: int  # engines whose chamber pressure is above the engine-out fraction


class RedLineMonitor:
    """Persistence of each red line; a trip is latched until ``reset``."""

    #: A large attitude error must last this long (s) before it counts: turns pass through it briefly.
    ATTITUDE_ERROR_PERSIST_S = 2.0

    def __init__(self) -> None:
        self._engine_low_since: float | None = None
        self._attitude_bad_since: float | None = None
        self.tripped: str = ""

    def reset(self) -> None:
        self._engine_low_since = None
        self._attitude_bad_since = None
        self.tripped = ""

    def update(self, inputs: RedLineInputs, now_s: float, param: Callable[[str], float]) -> str:
        """The red line tripped this tick ("" for none, or when one is already latched)."""
        if self.tripped or inputs.phase not in WATCHED_PHASES:
            return ""
        tripped = ""
        if inputs.engines_commanded > 0 and inputs.engines_burning < inputs.engines_commanded:
            if self._engine_low_since is None:
                self._engine_low_since = now_s
            if now_s - self._engine_low_since >= param("RL_PC_DELAY_S"):
                tripped = "engine out (chamber pressure low)"
        else:
            self._engine_low_since = None
        if inputs.phase is FlightPhase.ASCENT:
            if inputs.dynamic_pressure_pa > param("RL_Q_MAX_PA"):
                tripped = tripped or f"dynamic pressure {inputs.dynamic_pressure_pa / 1000:.1f} kPa"
            if inputs.axial_load_g > param("RL_AXIAL_G"):
                tripped = tripped or f"axial load {inputs.axial_load_g:.1f} g"
            if inputs.attitude_error_deg > param("RL_ATT_ERR_DEG"):
                if self._attitude_bad_since is None:
                    self._attitude_bad_since = now_s
                if now_s - self._attitude_bad_since >= self.ATTITUDE_ERROR_PERSIST_S:
                    tripped = tripped or f"attitude error {inputs.attitude_error_deg:.0f} deg"
            else:
                self._attitude_bad_since = None
        self.tripped = tripped
        return tripped


class LinkMonitor:
    """The ground link as the endpoint reports it; silent until the first report (no link watched)."""

    def __init__(self) -> None:
        self._last_up_s: float | None = None
        self._reported_down = False

    @property
    def watched(self) -> bool:
        return self._last_up_s is not None or self._reported_down

    def report(self, up: bool, now_s: float) -> None:
        if up:
            self._last_up_s = now_s
            self._reported_down = False
        else:
            self._reported_down = True

    def lost(self, now_s: float, timeout_s: float) -> bool:
        if self._reported_down:
            return True
        return self._last_up_s is not None and now_s - self._last_up_s > timeout_s
