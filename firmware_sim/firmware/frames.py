"""What the flight computer reads each tick (``SensorFrame``) and what it drives (``ActuatorFrame``).

Frozen values in SI units with frames in the names: ECEF is Earth-centred Earth-fixed, NED the local
north-east-down frame, body x is the vehicle's long axis (nose up on the pad, the thrust axis).
Quaternions are scalar-first ``(w, x, y, z)`` and rotate body vectors into ECEF, as the physics
does. Knows nothing of where sensor values come from (SITL physics, HIL messages or hardware).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Vector3 = tuple[float, float, float]
Quaternion = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class ImuSample:
    """The inertial unit: specific force and angular rate in body axes, and its attitude solution.

    ``attitude_ecef_from_body`` is the unit's own strapdown/star-tracker attitude (as an INS reports
    it), with its errors; navigation does not integrate the gyros itself.
    """

    specific_force_body_mps2: Vector3
    angular_rate_body_radps: Vector3
    attitude_ecef_from_body: Quaternion


@dataclass(frozen=True, slots=True)
class GnssSample:
    """A GNSS fix: WGS-84 geodetic position (height above the ellipsoid) and NED velocity."""

    fix_ok: bool
    latitude_deg: float
    longitude_deg: float
    altitude_m: float
    velocity_ned_mps: Vector3


@dataclass(frozen=True, slots=True)
class DeckSample:
    """One platform's own broadcast of where its deck is (GNSS + MRU on the platform).

    ``deck_altitude_m`` is the deck centre's height above the ellipsoid, heave included;
    ``velocity_ned_mps`` includes the station-keeping drift and the heave rate (down positive).
    Attitude follows the project's deck convention: roll +port up, pitch +bow up (as the MRU
    reports it). ``sample_time_s`` is when the platform measured it, on the simulation clock.
    """

    platform_name: str
    sample_time_s: float
    latitude_deg: float
    longitude_deg: float
    deck_altitude_m: float
    velocity_ned_mps: Vector3
    heading_deg: float
    roll_deg: float = 0.0
    pitch_deg: float = 0.0
    roll_rate_dps: float = 0.0
    pitch_rate_dps: float = 0.0


@dataclass(frozen=True, slots=True)
class SensorFrame:
    """Everything the flight computer senses at one instant."""

    time_s: float
    imu: ImuSample
    gnss: GnssSample
    baro_altitude_m: float | None  # pressure altitude; None where the sensor has no reading (vacuum)
    chamber_pressure_pa: tuple[float, ...]  # one per engine, 0 for an engine that is not burning
    lox_mass_kg: float
    ch4_mass_kg: float
    # Every platform broadcast heard (target, alternate, launch). A sequence, not always a tuple: SITL
    # hands over one that works out a broadcast's deck position when it is first read.
    decks: Sequence[DeckSample]
    clamps_closed: bool  # hold-down clamps still holding the vehicle
    touchdown_contact: bool  # landing-leg switches (or the impact accelerometer) saw contact

    def deck(self, platform_name: str) -> DeckSample | None:
        """The broadcast of the named platform, if heard."""
        for sample in self.decks:
            if sample.platform_name == platform_name:
                return sample
        return None


@dataclass(frozen=True, slots=True)
class ActuatorFrame:
    """What the flight computer drives for the next tick.

    ``engines_lit`` is the number of engines to run (0 shuts the cluster down; lighting an engine
    that is off ignites it). ``throttle`` is per running engine, 0-1 (the engine holds its own
    minimum). ``cutoff_in_s`` shuts the engines down that far into the tick (inf: not this tick),
    as a sequencer timer would. ``gimbal_deg`` tilts thrust towards body +y and +z.
    """

    engines_lit: int
    throttle: float
    attitude_ecef_from_body: Quaternion
    gimbal_deg: tuple[float, float] = (0.0, 0.0)
    cutoff_in_s: float = math.inf
    release_clamps: bool = False
    vent_lox: bool = False
    vent_ch4: bool = False
    fts_fire: bool = False

    def __post_init__(self) -> None:
        if self.engines_lit < 0:
            raise ValueError(f"engines_lit must be >= 0, got {self.engines_lit}")
        if not 0.0 <= self.throttle <= 1.0:
            raise ValueError(f"throttle must be in [0, 1], got {self.throttle}")
        if not self.cutoff_in_s >= 0.0:
            raise ValueError(f"cutoff_in_s must be >= 0, got {self.cutoff_in_s}")

    @property
    def engine_on(self) -> bool:
        return self.engines_lit > 0 and not math.isfinite(self.cutoff_in_s)
