"""The vehicle's telemetry as MAVLink messages, built from one ``FlightTelemetry`` snapshot. Pure.

Standard messages carry what a stock ground station understands (position, attitude, IMU, state);
the flight phase travels in HEARTBEAT ``custom_mode`` while MAV_STATE, the armed flag and
EXTENDED_SYS_STATE.landed_state stay truthful. Rocket specifics go in our dialect's ENGINE_STATUS
(one per engine), TANK_STATUS, COUNTDOWN, IMPACT_POINT and CARGO_BAY. CARGO_BAY reads the bay's
sensors through the context (``TelemetryContext.cargo_bay``; a read clears their peak and RMS
window, so the message carries them since the previous one). Timestamps are simulation time: boot is
simulation time 0, and SYSTEM_TIME's UNIX time is the simulation's start epoch plus simulation
time, so a ground station that follows SYSTEM_TIME keeps pace with an accelerated run. Quantities
the flight computer does not measure travel as NaN (floats) or the field's "unknown" value.

Knows nothing of sockets, rates or the flight computer's rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from firmware_sim.firmware.telemetry import FlightTelemetry
from firmware_sim.physics.cargo_bay import SET_POINT_DEGC, SET_POINT_HUMIDITY_PCT, CargoBayReading
from gcs.protocol.dialect import CountdownState, EngineState, FlightPhase, seaport

S = seaport
_NAN = math.nan

SENSORS = (
    S.MAV_SYS_STATUS_SENSOR_3D_GYRO
    | S.MAV_SYS_STATUS_SENSOR_3D_ACCEL
    | S.MAV_SYS_STATUS_SENSOR_ABSOLUTE_PRESSURE
    | S.MAV_SYS_STATUS_SENSOR_GPS
    | S.MAV_SYS_STATUS_SENSOR_ATTITUDE_STABILIZATION
    | S.MAV_SYS_STATUS_SENSOR_Z_ALTITUDE_CONTROL
    | S.MAV_SYS_STATUS_SENSOR_XY_POSITION_CONTROL
    | S.MAV_SYS_STATUS_SENSOR_MOTOR_OUTPUTS
    | S.MAV_SYS_STATUS_AHRS
)
_ESTIMATOR_GOOD = (
    S.ESTIMATOR_ATTITUDE
    | S.ESTIMATOR_VELOCITY_HORIZ
    | S.ESTIMATOR_VELOCITY_VERT
    | S.ESTIMATOR_POS_HORIZ_ABS
    | S.ESTIMATOR_POS_VERT_ABS
)


@dataclass(frozen=True, slots=True)
class TelemetryContext:
    """What the messages need besides the snapshot."""

    sim_epoch_unix_s: float
    """UNIX time of simulation time 0."""
    engine_count: int
    home_altitude_m: float = 0.0
    """Altitude (m, as the navigation reports it) that GLOBAL_POSITION_INT.relative_alt counts from."""
    mixture_ratio: float = _NAN
    cargo_bay: Callable[[FlightTelemetry], CargoBayReading] | None = None
    """Reads the cargo bay's sensors for one CARGO_BAY message (``firmware_sim.io.cargo_bay_sensors``);
    None: a conditioned bay at rest."""


def heartbeat(t: FlightTelemetry) -> Any:
    base_mode = S.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | S.MAV_MODE_FLAG_AUTO_ENABLED
    if t.armed:
        base_mode |= S.MAV_MODE_FLAG_SAFETY_ARMED
    return S.MAVLink_heartbeat_message(
        S.MAV_TYPE_ROCKET, S.MAV_AUTOPILOT_GENERIC, base_mode, int(t.phase), int(t.mav_state), 3
    )


def _ms(time_s: float) -> int:
    return max(0, int(time_s * 1000)) & 0xFFFFFFFF


def _us(time_s: float) -> int:
    return max(0, int(time_s * 1e6))


def _e7(degrees: float) -> int:
    return max(-(2**31), min(2**31 - 1, round(degrees * 1e7)))


def _clamp16(value: float) -> int:
    return max(-32768, min(32767, round(value)))


def system_time(t: FlightTelemetry, ctx: TelemetryContext) -> Any:
    return S.MAVLink_system_time_message(_us(ctx.sim_epoch_unix_s + t.time_s), _ms(t.time_s))


def sys_status(t: FlightTelemetry, ctx: TelemetryContext) -> Any:
    nav = t.navigation
    health = SENSORS
    if not nav.gnss_ok:
        health &= ~S.MAV_SYS_STATUS_SENSOR_GPS
    if not nav.healthy:
        health &= ~S.MAV_SYS_STATUS_AHRS
    if t.failsafes.engine_out:
        health &= ~S.MAV_SYS_STATUS_SENSOR_MOTOR_OUTPUTS
    # The flight termination system reports as MAVLink's "recovery system" (extended sensor bits):
    # present always; enabled (armable) except when the vehicle is safe (pyros safed with the rest:
    # what the recovery crew waits for before boarding); healthy until it has been used.
    fts = S.MAV_SYS_STATUS_RECOVERY_SYSTEM
    fts_enabled = 0 if t.phase is FlightPhase.SAFE else fts
    fts_health = 0 if t.phase is FlightPhase.FLIGHT_TERMINATION else fts
    return S.MAVLink_sys_status_message(
        SENSORS, SENSORS, health, 0, 65535, -1, -1, 0, 0, 0, 0, 0, 0, fts, fts_enabled, fts_health
    )


# ASSUMPTION: a dual-frequency receiver in open sky: 3D fix, HDOP 0.8 and 14 satellites while the
# navigation trusts GNSS; no fix otherwise.
_GNSS_HDOP = 0.8
_GNSS_SATELLITES = 14


def gps_raw_int(t: FlightTelemetry, ctx: TelemetryContext) -> Any:
    nav = t.navigation
    fix = S.GPS_FIX_TYPE_3D_FIX if nav.gnss_ok else S.GPS_FIX_TYPE_NO_FIX
    vn, ve, _ = nav.velocity_ned_mps
    ground_speed_cms = min(65534, round(math.hypot(vn, ve) * 100))
    course_cdeg = round(math.degrees(math.atan2(ve, vn)) % 360 * 100) % 36000
    return S.MAVLink_gps_raw_int_message(
        round(t.time_s * 1e6), fix, _e7(nav.latitude_deg), _e7(nav.longitude_deg),
        round(nav.altitude_m * 1000), round(_GNSS_HDOP * 100) if nav.gnss_ok else 65535, 65535,
        ground_speed_cms, course_cdeg, _GNSS_SATELLITES if nav.gnss_ok else 0,
    )  # fmt: skip


#: A bay with no sensors behind it: conditioned and at rest on the pad.
_BAY_AT_REST = CargoBayReading(SET_POINT_DEGC, SET_POINT_HUMIDITY_PCT, 101_325.0, 1.0, 0.01, False)


def cargo_bay(t: FlightTelemetry, ctx: TelemetryContext) -> Any:
    bay = ctx.cargo_bay(t) if ctx.cargo_bay is not None else _BAY_AT_REST
    return S.MAVLink_cargo_bay_message(
        _ms(t.time_s), bay.temperature_degc, bay.humidity_pct, bay.pressure_pa, bay.peak_shock_g,
        bay.vibration_g_rms, int(bay.smoke_detected),
    )  # fmt: skip


def global_position_int(t: FlightTelemetry, ctx: TelemetryContext) -> Any:
    nav = t.navigation
    vn, ve, vd = nav.velocity_ned_mps
    return S.MAVLink_global_position_int_message(
        _ms(t.time_s), _e7(nav.latitude_deg), _e7(nav.longitude_deg),
        round(nav.altitude_m * 1000), round((nav.altitude_m - ctx.home_altitude_m) * 1000),
        _clamp16(vn * 100), _clamp16(ve * 100), _clamp16(vd * 100), 65535,
    )  # fmt: skip


def attitude_quaternion(t: FlightTelemetry, ctx: TelemetryContext) -> Any:
    nav = t.navigation
    w, x, y, z = nav.attitude_ned_from_body
    p, q, r = nav.angular_rate_body_radps
    return S.MAVLink_attitude_quaternion_message(_ms(t.time_s), w, x, y, z, p, q, r, [0.0, 0.0, 0.0, 0.0])


def highres_imu(t: FlightTelemetry, ctx: TelemetryContext) -> Any:
    nav = t.navigation
    ax, ay, az = nav.specific_force_body_mps2
    gx, gy, gz = nav.angular_rate_body_radps
    fields = 0b111111  # accelerometer and gyro axes updated; no magnetometer, baro or temperature
    return S.MAVLink_highres_imu_message(
        _us(t.time_s), ax, ay, az, gx, gy, gz, _NAN, _NAN, _NAN, _NAN, _NAN, _NAN, _NAN, fields, 0
    )


def altitude(t: FlightTelemetry, ctx: TelemetryContext) -> Any:
    alt = t.navigation.altitude_m
    relative = alt - ctx.home_altitude_m
    # Terrain and height above the deck are unknown to this message's sender: -1000 and -1 say so.
    return S.MAVLink_altitude_message(_us(t.time_s), alt, alt, relative, relative, -1000.0, -1.0)


def extended_sys_state(t: FlightTelemetry, ctx: TelemetryContext) -> Any:
    return S.MAVLink_extended_sys_state_message(S.MAV_VTOL_STATE_UNDEFINED, int(t.landed_state))


def estimator_status(t: FlightTelemetry, ctx: TelemetryContext) -> Any:
    nav = t.navigation
    flags = 0
    if nav.healthy:
        flags |= S.ESTIMATOR_ATTITUDE | S.ESTIMATOR_VELOCITY_VERT | S.ESTIMATOR_POS_VERT_ABS
        if nav.gnss_ok:
            flags = _ESTIMATOR_GOOD
    if not nav.gnss_ok:
        flags |= S.ESTIMATOR_GPS_GLITCH
    return S.MAVLink_estimator_status_message(_us(t.time_s), flags, 0, 0, 0, 0, 0, 0, _NAN, _NAN)


def engine_status(t: FlightTelemetry, ctx: TelemetryContext) -> list[Any]:
    """One ENGINE_STATUS per engine: the running ones share the cluster's figures, the rest are off."""
    e = t.engine
    per_engine_thrust = e.thrust_estimate_n / e.engines_running if e.engines_running else 0.0
    out = []
    for engine_id in range(ctx.engine_count):
        running = engine_id < e.engines_running or (e.engines_running == 0 and e.state is not EngineState.OFF)
        state = e.state if running else EngineState.OFF
        out.append(S.MAVLink_engine_status_message(
            _ms(t.time_s), engine_id, int(state),
            e.chamber_pressure_pa if running else 0.0, per_engine_thrust if running else 0.0,
            e.throttle * 100.0 if running else 0.0, 0.0, 0.0, ctx.mixture_ratio, e.ignition_count,
        ))  # fmt: skip
    return out


# ASSUMPTION: the simulator has no tank thermodynamics; ullage pressures follow the phase as a
# pressurisation system holds them: vent-regulated on the pad, at flight pressure from the terminal
# count on, falling to ambient while the vents are open. Propellants at their normal boiling points.
_PAD_ULLAGE_PA = 160_000.0
_FLIGHT_ULLAGE_PA = (300_000.0, 280_000.0)  # LOX, CH4
_VENTED_ULLAGE_PA = 105_000.0
_LOX_TEMPERATURE_K = 90.2
_CH4_TEMPERATURE_K = 111.7
_PRESSURISED = frozenset({
    FlightPhase.TERMINAL_COUNT, FlightPhase.IGNITION, FlightPhase.ASCENT, FlightPhase.COAST,
    FlightPhase.ENTRY, FlightPhase.LANDING_BURN, FlightPhase.TOUCHDOWN, FlightPhase.ABORT,
})


def _ullage_pa(t: FlightTelemetry) -> tuple[float, float]:
    if t.tanks.venting:
        return _VENTED_ULLAGE_PA, _VENTED_ULLAGE_PA
    if t.phase in _PRESSURISED:
        return _FLIGHT_ULLAGE_PA
    return _PAD_ULLAGE_PA, _PAD_ULLAGE_PA


def tank_status(t: FlightTelemetry, ctx: TelemetryContext) -> Any:
    tanks = t.tanks
    vents = S.TANK_VENT_FLAGS_LOX_VENT_OPEN | S.TANK_VENT_FLAGS_CH4_VENT_OPEN if tanks.venting else 0
    lox_pa, ch4_pa = _ullage_pa(t)
    return S.MAVLink_tank_status_message(
        _ms(t.time_s), tanks.lox_mass_kg, tanks.ch4_mass_kg, lox_pa, ch4_pa, _LOX_TEMPERATURE_K,
        _CH4_TEMPERATURE_K, vents
    )


def countdown_state(t: FlightTelemetry) -> CountdownState:
    c = t.countdown
    if c.liftoff_time_s is not None:
        return CountdownState.LIFTOFF
    if t.phase is FlightPhase.IGNITION:
        return CountdownState.COUNTING
    if t.phase is FlightPhase.TERMINAL_COUNT:
        # Handed over but no ignition go yet: the count waits at its built-in hold.
        return CountdownState.COUNTING if c.t_zero_s is not None else CountdownState.HOLD_BUILT_IN
    if t.phase in (FlightPhase.SAFING, FlightPhase.ABORT) and c.t_zero_s is not None:
        return CountdownState.SCRUBBED
    return CountdownState.IDLE


def countdown(t: FlightTelemetry, ctx: TelemetryContext) -> Any:
    c = t.countdown
    t_s = c.mission_time_s if c.mission_time_s is not None else _NAN
    return S.MAVLink_countdown_message(_ms(t.time_s), t_s, int(countdown_state(t)), 0.0, 0)


def impact_point(t: FlightTelemetry, ctx: TelemetryContext) -> Any | None:
    iip = t.impact_point
    if iip is None:
        return None
    return S.MAVLink_impact_point_message(
        _ms(t.time_s), _e7(iip.latitude_deg), _e7(iip.longitude_deg), iip.time_to_impact_s,
        _NAN, _NAN, _NAN, 1,
    )  # fmt: skip


Builder = Callable[[FlightTelemetry, TelemetryContext], Any]
"""Builds the message(s) of one id: a message, a list of them, or None when there is nothing to say."""

BUILDERS: dict[int, Builder] = {
    S.MAVLINK_MSG_ID_HEARTBEAT: lambda t, ctx: heartbeat(t),
    S.MAVLINK_MSG_ID_SYS_STATUS: sys_status,
    S.MAVLINK_MSG_ID_SYSTEM_TIME: system_time,
    S.MAVLINK_MSG_ID_GLOBAL_POSITION_INT: global_position_int,
    S.MAVLINK_MSG_ID_ATTITUDE_QUATERNION: attitude_quaternion,
    S.MAVLINK_MSG_ID_HIGHRES_IMU: highres_imu,
    S.MAVLINK_MSG_ID_ALTITUDE: altitude,
    S.MAVLINK_MSG_ID_EXTENDED_SYS_STATE: extended_sys_state,
    S.MAVLINK_MSG_ID_ESTIMATOR_STATUS: estimator_status,
    S.MAVLINK_MSG_ID_ENGINE_STATUS: engine_status,
    S.MAVLINK_MSG_ID_TANK_STATUS: tank_status,
    S.MAVLINK_MSG_ID_COUNTDOWN: countdown,
    S.MAVLINK_MSG_ID_IMPACT_POINT: impact_point,
    S.MAVLINK_MSG_ID_GPS_RAW_INT: gps_raw_int,
    S.MAVLINK_MSG_ID_CARGO_BAY: cargo_bay,
}


def default_rates_hz(fast_hz: float) -> dict[int, float]:
    """Default stream rates: heartbeat 1 Hz, state at 1-2 Hz, the fast streams at ``fast_hz``."""
    return {
        S.MAVLINK_MSG_ID_HEARTBEAT: 1.0,
        S.MAVLINK_MSG_ID_SYS_STATUS: 1.0,
        S.MAVLINK_MSG_ID_SYSTEM_TIME: fast_hz,
        S.MAVLINK_MSG_ID_GLOBAL_POSITION_INT: fast_hz,
        S.MAVLINK_MSG_ID_ATTITUDE_QUATERNION: fast_hz,
        S.MAVLINK_MSG_ID_HIGHRES_IMU: fast_hz,
        S.MAVLINK_MSG_ID_ALTITUDE: 2.0,
        S.MAVLINK_MSG_ID_EXTENDED_SYS_STATE: 1.0,
        S.MAVLINK_MSG_ID_ESTIMATOR_STATUS: 1.0,
        S.MAVLINK_MSG_ID_ENGINE_STATUS: 2.0,
        S.MAVLINK_MSG_ID_TANK_STATUS: 1.0,
        S.MAVLINK_MSG_ID_COUNTDOWN: 2.0,
        S.MAVLINK_MSG_ID_IMPACT_POINT: 1.0,
        S.MAVLINK_MSG_ID_GPS_RAW_INT: 1.0,
        S.MAVLINK_MSG_ID_CARGO_BAY: 1.0,
    }


def build(msg_id: int, t: FlightTelemetry, ctx: TelemetryContext) -> list[Any]:
    """The message(s) of ``msg_id`` for snapshot ``t`` (empty if there is nothing to report)."""
    built = BUILDERS[msg_id](t, ctx)
    if built is None:
        return []
    return list(built) if isinstance(built, list) else [built]
