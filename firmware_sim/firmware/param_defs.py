"""The flight software's tunable parameters: name, default, range, units and meaning of each.

The parameter store (``params.py``) loads ``PARAMETERS`` and serves them over the MAVLink
parameter protocol; the flight software reads them by name through ``ParamSource.get`` every tick,
so a value set from the ground takes effect at once. Names are MAVLink param ids (at most 16
characters). ``parameters_for(vehicle)`` is the table of one vehicle: the same, with the
defaults that come from its config (the cargo loaded). Knows nothing of how parameters are stored,
persisted or sent.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from firmware_sim.firmware.config import VehicleKnowledge

#: MAVLink PARAM_VALUE.param_id holds at most 16 characters.
PARAM_ID_MAX_CHARS = 16
#: The cargo loaded, kg (the only parameter that may not change in flight).
CARGO_MASS_PARAM = "CARGO_MASS_KG"


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter: its id, default, inclusive range, units (MAVLink units strings) and meaning."""

    name: str
    default: float
    min: float
    max: float
    units: str
    description: str

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > PARAM_ID_MAX_CHARS or not self.name.isascii():
            raise ValueError(f"parameter id {self.name!r} must be 1-{PARAM_ID_MAX_CHARS} ASCII characters")
        if not all(math.isfinite(v) for v in (self.default, self.min, self.max)):
            raise ValueError(f"{self.name}: default and range must be finite")
        if not self.min <= self.default <= self.max:
            raise ValueError(f"{self.name}: default {self.default} outside [{self.min}, {self.max}]")


PARAMETERS: tuple[ParamSpec, ...] = (
    # Countdown and ignition (domain.md §2.1 rows 2-3).
    ParamSpec("IGN_LEAD_S", 3.0, 1.0, 10.0, "s", "Ignition command this long before T-0"),
    ParamSpec("IGN_PC_LOW", 0.85, 0.5, 1.0, "", "Chamber pressure band low edge, fraction of expected"),
    ParamSpec("IGN_PC_HIGH", 1.10, 1.0, 1.5, "", "Chamber pressure band high edge, fraction of expected"),
    ParamSpec(
        "IGN_PC_TIMEOUT", 2.5, 0.5, 10.0, "s", "Chamber pressure must be in band this soon after ignition"
    ),
    ParamSpec("IGN_HOLD_S", 0.5, 0.0, 5.0, "s", "Chamber pressure in band this long before clamp release"),
    ParamSpec("LIFTOFF_TMO_S", 3.0, 0.5, 10.0, "s", "Clamps released but no climb this long: pad abort"),
    # Red lines (domain.md §1.3), checked on board; a trip aborts.
    ParamSpec("RL_Q_MAX_PA", 35000.0, 5000.0, 100000.0, "Pa", "Dynamic pressure red line"),
    ParamSpec("RL_AXIAL_G", 8.0, 2.0, 20.0, "g", "Sensed axial load red line under thrust"),
    ParamSpec("RL_ATT_ERR_DEG", 20.0, 2.0, 90.0, "deg", "Attitude error red line under thrust"),
    ParamSpec("RL_PC_LOW", 0.70, 0.1, 1.0, "", "In-flight chamber pressure below this fraction: engine out"),
    ParamSpec("RL_PC_DELAY_S", 0.5, 0.0, 5.0, "s", "Low chamber pressure must last this long to count"),
    # Ground link (issue 4: before liftoff hold and safe, in flight continue).
    ParamSpec("GL_TIMEOUT_S", 5.0, 0.5, 60.0, "s", "No ground link for this long counts as link loss"),
    # Navigation filter gains (per second): how fast GNSS and baro pull the inertial solution.
    ParamSpec("NAV_POS_GAIN", 1.0, 0.01, 20.0, "1/s", "GNSS position correction gain"),
    ParamSpec("NAV_VEL_GAIN", 1.0, 0.01, 20.0, "1/s", "GNSS velocity correction gain"),
    ParamSpec("NAV_BARO_GAIN", 0.2, 0.0, 10.0, "1/s", "Baro altitude correction gain below NAV_BARO_TOP"),
    ParamSpec("NAV_BARO_TOP", 10000.0, 0.0, 80000.0, "m", "Highest altitude the baro is trusted at"),
    # Hop test (YXZ-1 public profile: ~125 s, ~2.5 km, ~10 s hover).
    ParamSpec("HOP_APOGEE_M", 2500.0, 100.0, 20000.0, "m", "Hop apogee altitude above sea level"),
    ParamSpec("HOP_HOVER_S", 10.0, 0.0, 60.0, "s", "Hover time over the landing deck"),
    ParamSpec("HOP_HOVER_M", 20.0, 5.0, 200.0, "m", "Hover height of the base above the deck"),
    ParamSpec("HOP_PITCH_DEG", 1.0, 0.0, 20.0, "deg", "Largest lean during the hop ascent"),
    # Ascent (cargo hop).
    ParamSpec("ASC_MAX_G", 5.0, 1.5, 8.0, "g", "Axial acceleration limit, held by throttling"),
    ParamSpec("ASC_Q_BUCKET", 30000.0, 5000.0, 60000.0, "Pa", "Throttle down to hold this dynamic pressure"),
    # Entry (cargo hop).
    ParamSpec(
        "ENT_BEND_MPS2",
        -10.0,
        -100.0,
        100.0,
        "m/s/s",
        "Entry below 15 km: lift to steepen the path (<0 stretches it: slower arrival; 0 off)",
    ),
    # Landing burn and touchdown (domain.md §1.3).
    ParamSpec(
        "LND_THR_MARGIN", 0.80, 0.3, 1.0, "", "Plan the landing burn at this fraction of max deceleration"
    ),
    ParamSpec(
        "LND_APPROACH_M",
        10.0,
        2.0,
        500.0,
        "m",
        "Hoverslam: base height over the deck where the final descent starts",
    ),
    ParamSpec("LND_FINAL_MPS", 1.2, 0.3, 3.0, "m/s", "Final descent speed relative to the deck"),
    ParamSpec("LND_POS_BW", 0.25, 0.02, 2.0, "rad/s", "Horizontal position loop bandwidth"),
    ParamSpec("LND_VEL_BW", 0.8, 0.05, 5.0, "rad/s", "Velocity loop bandwidth"),
    ParamSpec("LND_MAX_TILT", 10.0, 1.0, 30.0, "deg", "Largest tilt in hover and final descent"),
    ParamSpec("LND_BRAKE_TILT", 30.0, 1.0, 60.0, "deg", "Largest tilt while braking (kills speed across)"),
    ParamSpec("LND_ALIGN_M", 10.0, 0.0, 50.0, "m", "Below this base height, align the body with the deck"),
    ParamSpec(
        "LND_HEAVE_GAIN", 1.0, 0.0, 1.5, "", "Fraction of the deck's heave rate followed near touchdown"
    ),
    # Cargo (issue 11): what the ground loaded, from its manifest. Set only in SAFE or STANDBY,
    # disarmed (``FlightComputer.param_veto``); the guidance flies dry + this from arming on.
    # ASSUMPTION: up to twice the cargo vehicle's 10 t goal (domain.md §1.1); the ground checks the
    # manifest against the bay's own limits.
    ParamSpec(
        CARGO_MASS_PARAM,
        -1.0,
        -1.0,
        20000.0,
        "kg",
        "Cargo loaded; the guidance's inert mass is the dry vehicle plus this (-1: the configured cargo)",
    ),
)


def parameter_defaults() -> dict[str, float]:
    """Every parameter at its default (what a fresh flight computer starts with)."""
    return {spec.name: spec.default for spec in PARAMETERS}


def parameters_for(vehicle: VehicleKnowledge) -> tuple[ParamSpec, ...]:
    """``PARAMETERS`` with one vehicle's defaults: CARGO_MASS_KG is its configured cargo."""
    return tuple(
        dataclasses.replace(spec, default=vehicle.cargo_mass_kg) if spec.name == CARGO_MASS_PARAM else spec
        for spec in PARAMETERS
    )


def cargo_mass_kg(value: float, vehicle: VehicleKnowledge) -> float:
    """The cargo a CARGO_MASS_KG value means (a negative value: the configured cargo)."""
    return vehicle.cargo_mass_kg if value < 0.0 else value
