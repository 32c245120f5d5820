"""What every guidance law is given and returns, and the small pieces they share (a thrust demand
turned into engines, throttle and direction; a simple air model; the vehicle's mass from its tanks).

Knows nothing of phases' rules, sensors or the simulator; the computer hands guidance a navigation
solution and a deck estimate and turns its demand into actuator commands.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from firmware_sim.firmware import geometry as geo
from firmware_sim.firmware.config import FlightSoftwareConfig
from firmware_sim.firmware.navigation import DeckEstimate, NavState
from firmware_sim.firmware.phases import PhaseEvent
from gcs.protocol.dialect import FlightPhase

FloatArray = NDArray[np.float64]
G0_MPS2 = 9.80665
#: Sea-level density and scale height of the flight software's exponential air (good to ~10 % low down).
SEA_LEVEL_DENSITY_KG_PER_M3 = 1.225
DENSITY_SCALE_HEIGHT_M = 8_400.0
SEA_LEVEL_PRESSURE_PA = 101_325.0
PRESSURE_SCALE_HEIGHT_M = 7_400.0


def air_density_kg_per_m3(altitude_m: float) -> float:
    return SEA_LEVEL_DENSITY_KG_PER_M3 * math.exp(-max(altitude_m, 0.0) / DENSITY_SCALE_HEIGHT_M)


def ambient_pressure_pa(altitude_m: float) -> float:
    return SEA_LEVEL_PRESSURE_PA * math.exp(-max(altitude_m, 0.0) / PRESSURE_SCALE_HEIGHT_M)


@dataclass(frozen=True, slots=True)
class GuidanceInput:
    now_s: float
    dt_s: float
    phase: FlightPhase
    nav: NavState
    mass_kg: float
    deck_now: Callable[[], DeckEstimate | None]
    """The landing target's deck (None until its broadcast is heard), worked out when first asked
    for: most phases do not look at it (``deck``)."""
    landing_target_name: str
    engines_running: int
    param: Callable[[str], float]

    @property
    def deck(self) -> DeckEstimate | None:
        """The landing target's deck, when its broadcast is heard."""
        return self.deck_now()


@dataclass(frozen=True, slots=True)
class GuidanceOutput:
    """A thrust demand: engines, throttle, the thrust direction and the body axis wanted (ECEF).

    ``body_axis_ecef`` None: point the body along the thrust (the usual case). When it differs
    (aligning with a tilted deck) the gimbal makes up the difference.
    """

    engines_lit: int
    throttle: float
    thrust_direction_ecef: FloatArray
    mode: str
    body_axis_ecef: FloatArray | None = None
    body_axis_rate_ecef: FloatArray | None = None  # d(body axis)/dt when known (deck rates), for the lead
    cutoff_in_s: float = math.inf
    event: PhaseEvent | None = None


class Guidance(Protocol):
    """One mission's guidance across the flight phases (ascent to touchdown)."""

    def step(self, inputs: GuidanceInput) -> GuidanceOutput: ...


def coast(
    inputs: GuidanceInput,
    mode: str,
    direction_ecef: FloatArray | None = None,
    event: PhaseEvent | None = None,
) -> GuidanceOutput:
    """Engines off, pointing along ``direction_ecef`` (default: hold the present body axis)."""
    axis = inputs.nav.body_axis_ecef if direction_ecef is None else direction_ecef
    return GuidanceOutput(0, 0.0, axis, mode, event=event)


def unit(v: FloatArray) -> FloatArray:
    n = geo.norm(v)
    return v / n if n > 1e-12 else v


def thrust_demand(
    config: FlightSoftwareConfig,
    acceleration_ecef_mps2: FloatArray,
    mass_kg: float,
    altitude_m: float,
    engines: int,
    max_tilt_from_up_deg: float,
    up_ecef: FloatArray,
) -> tuple[float, FloatArray]:
    """Throttle and thrust direction that give a wanted thrust acceleration (limits applied).

    The direction is kept within ``max_tilt_from_up_deg`` of local up by trimming the horizontal
    part first: the vertical part keeps the vehicle out of the sea.
    """
    vertical = float(acceleration_ecef_mps2 @ up_ecef)
    horizontal = acceleration_ecef_mps2 - vertical * up_ecef
    h_norm = geo.norm(horizontal)
    limit = math.tan(math.radians(max_tilt_from_up_deg)) * max(vertical, 0.0)
    if h_norm > limit:
        horizontal = horizontal * (limit / h_norm) if h_norm > 0 else horizontal
    wanted = max(vertical, 0.0) * up_ecef + horizontal
    magnitude = geo.norm(wanted)
    direction = wanted / magnitude if magnitude > 1e-9 else up_ecef
    vehicle = config.vehicle
    pressure = ambient_pressure_pa(altitude_m)
    thrust_needed = magnitude * mass_kg
    # thrust = engines (throttle T_vac - p A_exit): solve for the throttle.
    throttle = (thrust_needed / max(engines, 1) + pressure * vehicle.exit_area_m2) / vehicle.thrust_vacuum_n
    return min(max(throttle, 0.0), 1.0), direction
