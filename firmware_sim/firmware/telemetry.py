"""What the flight computer reports: phase, MAVLink coarse state, navigation, engine, tanks, countdown,
impact point, touchdown, events and failsafe flags, as one frozen ``FlightTelemetry`` snapshot.

``MavState``, ``LandedState`` and ``Severity`` take the MAVLink enum values (MAV_STATE,
MAV_LANDED_STATE, MAV_SEVERITY) so the endpoint puts them on the wire unchanged. Knows nothing of
message rates, encoding or links.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from firmware_sim.firmware.frames import Quaternion, Vector3
from gcs.protocol.dialect import EngineState, FlightPhase


class MavState(enum.IntEnum):
    UNINIT = 0
    BOOT = 1
    CALIBRATING = 2
    STANDBY = 3
    ACTIVE = 4
    CRITICAL = 5
    EMERGENCY = 6
    POWEROFF = 7
    FLIGHT_TERMINATION = 8


class LandedState(enum.IntEnum):
    UNDEFINED = 0
    ON_GROUND = 1
    IN_AIR = 2
    TAKEOFF = 3
    LANDING = 4


class Severity(enum.IntEnum):
    EMERGENCY = 0
    ALERT = 1
    CRITICAL = 2
    ERROR = 3
    WARNING = 4
    NOTICE = 5
    INFO = 6
    DEBUG = 7


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """A STATUSTEXT-worthy event; ``seq`` counts up from 1 so a sender can tell new ones apart."""

    seq: int
    time_s: float
    severity: Severity
    text: str


@dataclass(frozen=True, slots=True)
class NavigationEstimate:
    """The on-board navigation solution (not the truth)."""

    time_s: float
    latitude_deg: float
    longitude_deg: float
    altitude_m: float  # above the WGS-84 ellipsoid
    position_ecef_m: Vector3
    velocity_ecef_mps: Vector3
    velocity_ned_mps: Vector3
    attitude_ecef_from_body: Quaternion
    attitude_ned_from_body: Quaternion  # what MAVLink ATTITUDE_QUATERNION carries
    angular_rate_body_radps: Vector3
    specific_force_body_mps2: Vector3
    gnss_ok: bool
    healthy: bool


@dataclass(frozen=True, slots=True)
class EngineTelemetry:
    state: EngineState
    engines_running: int
    chamber_pressure_pa: float  # mean over running engines
    thrust_estimate_n: float
    throttle: float  # commanded, per running engine
    ignition_count: int


@dataclass(frozen=True, slots=True)
class TankTelemetry:
    lox_mass_kg: float
    ch4_mass_kg: float
    lox_fraction: float  # of the full load
    ch4_fraction: float
    venting: bool


@dataclass(frozen=True, slots=True)
class CountdownTelemetry:
    """Mission time relative to T-0 (negative before), once the ignition go has set T-0."""

    t_zero_s: float | None  # simulation time of T-0
    mission_time_s: float | None  # now - T-0
    liftoff_time_s: float | None


@dataclass(frozen=True, slots=True)
class ImpactPointEstimate:
    """Where the vehicle would come down with the engines off from now (instantaneous impact point)."""

    latitude_deg: float
    longitude_deg: float
    time_to_impact_s: float
    distance_to_target_m: float


@dataclass(frozen=True, slots=True)
class TouchdownTelemetry:
    """How the vehicle met the deck, as the flight computer measured it (relative to the deck)."""

    time_s: float
    platform_name: str
    vertical_speed_mps: float
    horizontal_speed_mps: float
    tilt_deg: float
    miss_distance_m: float

    @property
    def text(self) -> str:
        """The report's wording, as the flight computer says it (STATUSTEXT) and the HIL physics its truth."""
        return touchdown_text(
            self.platform_name,
            self.vertical_speed_mps,
            self.horizontal_speed_mps,
            self.tilt_deg,
            self.miss_distance_m,
        )


def touchdown_text(
    platform_name: str,
    vertical_speed_mps: float,
    horizontal_speed_mps: float,
    tilt_deg: float,
    miss_distance_m: float,
) -> str:
    """``touchdown on NAME: V m/s down, H m/s across, T deg, M m off centre``: the ground reads this."""
    return (
        f"touchdown on {platform_name}: {vertical_speed_mps:.2f} m/s down, "
        f"{horizontal_speed_mps:.2f} m/s across, {tilt_deg:.1f} deg, {miss_distance_m:.1f} m off centre"
    )


@dataclass(frozen=True, slots=True)
class FailsafeFlags:
    ground_link_lost: bool = False
    engine_out: bool = False
    redline: str = ""  # the red line that tripped, "" when none has
    navigation_degraded: bool = False
    auto_abort: bool = False
    diverted: bool = False


@dataclass(frozen=True, slots=True)
class FlightTelemetry:
    time_s: float
    phase: FlightPhase
    mav_state: MavState
    landed_state: LandedState
    armed: bool
    flight_plan_loaded: bool
    landing_target: str | None  # platform name the vehicle is flying to
    guidance_mode: str  # e.g. "ascent", "hover", "final descent": free text for the console
    navigation: NavigationEstimate
    engine: EngineTelemetry
    tanks: TankTelemetry
    countdown: CountdownTelemetry
    impact_point: ImpactPointEstimate | None
    touchdown: TouchdownTelemetry | None
    last_event: StatusEvent | None
    recent_events: tuple[StatusEvent, ...]  # the last few, oldest first
    failsafes: FailsafeFlags
