"""The HIL link's messages: a ``SensorFrame`` as MAVLink for a flight computer, and its ``ActuatorFrame``
back. Pure: frames in, messages out, and the reverse.

Per control tick the physics sends, in this order (the flight computer ticks on the last one):

- HIL_STATE_QUATERNION (vehicle): the INS attitude solution as NED-from-body, with the lat/lon
  (degE7) whose NED frame it is in; nothing else of it is used.
- GPS_INPUT (vehicle): the GNSS fix, lat/lon degE7, altitude and NED velocity as floats.
- HIL_GPS (vehicle): the same fix as the stock HIL GNSS message. Its int16 cm/s velocities
  saturate at 327 m/s, far below a rocket's, so our flight computer reads GPS_INPUT.
- ENGINE_STATUS (vehicle), one per engine: the chamber pressure.
- TANK_STATUS (vehicle): LOX and CH4 mass.
- NAMED_VALUE_INT "DISCRETES" (vehicle): bit 0 hold-down clamps closed, bit 1 touchdown contact.
- GLOBAL_POSITION_INT and DECK_MOTION from each platform's own system id: its deck broadcast
  (position, velocity, heading, attitude, rates), as a platform sends it on MAVLink.
- HIL_SENSOR (vehicle): specific force and angular rate in body axes, the baro altitude in
  ``pressure_alt``. It ends the frame.

All carry the frame's simulated time (``time_usec``, or ``time_boot_ms`` where that is the field).
The assembler completes a frame only when every vehicle message in it carries the HIL_SENSOR's time:
a frame with a part lost on the cable is dropped, not ticked with the previous frame's part, and the
physics' resend of it ticks whole (the decks carry their own sample time and may be older).
The flight computer answers each frame with HIL_ACTUATOR_CONTROLS of the same ``time_usec``;
``controls`` holds engines_lit (0), throttle 0-1 (1), attitude_ecef_from_body w, x, y, z (2-5),
gimbal_deg (6, 7), cutoff_in_s, +inf for none (8), and release_clamps, vent_lox, vent_ch4,
fts_fire as 1.0 or 0.0 (9-12).

Knows nothing of sockets, clocks or the flight software's rules.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from firmware_sim.firmware.frames import ActuatorFrame, DeckSample, GnssSample, ImuSample, SensorFrame
from firmware_sim.physics import attitude as att
from firmware_sim.physics.earth import ned_basis
from gcs.protocol.dialect import EngineState, seaport

S = seaport
DISCRETES = b"DISCRETES"
CLAMPS_BIT = 1
CONTACT_BIT = 2
_FIX_3D = 3
_NO_FIX = 1
_IMU_FIELDS = 0b111111 | 0b111000000  # accelerometer and gyro axes; the magnetometer bits stay clear
_GPS_IGNORED = (
    S.GPS_INPUT_IGNORE_FLAG_HDOP
    | S.GPS_INPUT_IGNORE_FLAG_VDOP
    | S.GPS_INPUT_IGNORE_FLAG_SPEED_ACCURACY
    | S.GPS_INPUT_IGNORE_FLAG_HORIZONTAL_ACCURACY
    | S.GPS_INPUT_IGNORE_FLAG_VERTICAL_ACCURACY
)


def _us(time_s: float) -> int:
    return round(time_s * 1e6)


def _ms(time_s: float) -> int:
    return round(time_s * 1000) & 0xFFFFFFFF


def _e7(degrees: float) -> int:
    return round(degrees * 1e7)


def _q_ecef_from_ned(lat_deg: float, lon_deg: float) -> Any:
    basis = ned_basis(lat_deg, lon_deg)  # rows: north, east, down in ECEF
    return att.quat_from_axes(basis[0], basis[1], basis[2])


def _clamp16(value: float) -> int:
    return max(-32768, min(32767, round(value)))


def sensor_messages(frame: SensorFrame, platform_ids: Mapping[str, int]) -> list[tuple[int, Any]]:
    """The messages for one sensor frame, each with the system id it is sent as (0: the vehicle's)."""
    t = frame.time_s
    gnss, imu = frame.gnss, frame.imu
    lat_e7, lon_e7 = _e7(gnss.latitude_deg), _e7(gnss.longitude_deg)
    q_ned = att.quat_normalize(
        att.quat_multiply(
            att.quat_conjugate(_q_ecef_from_ned(lat_e7 / 1e7, lon_e7 / 1e7)),
            np.asarray(imu.attitude_ecef_from_body, dtype=np.float64),
        )
    )
    vn, ve, vd = gnss.velocity_ned_mps
    fix = _FIX_3D if gnss.fix_ok else _NO_FIX
    out: list[tuple[int, Any]] = [
        (
            0,
            S.MAVLink_hil_state_quaternion_message(
                _us(t), [float(v) for v in q_ned], 0.0, 0.0, 0.0, lat_e7, lon_e7, 0, 0, 0, 0, 0, 0, 0, 0, 0
            ),
        ),
        (
            0,
            S.MAVLink_gps_input_message(
                _us(t),
                0,
                _GPS_IGNORED,
                0,
                0,
                fix,
                lat_e7,
                lon_e7,
                gnss.altitude_m,
                0.0,
                0.0,
                vn,
                ve,
                vd,
                0.0,
                0.0,
                0.0,
                12,
                0,
            ),
        ),
        (
            0,
            S.MAVLink_hil_gps_message(
                _us(t),
                fix,
                lat_e7,
                lon_e7,
                round(gnss.altitude_m * 1000),
                65535,
                65535,
                min(65534, round(math.hypot(vn, ve) * 100)),
                _clamp16(vn * 100),
                _clamp16(ve * 100),
                _clamp16(vd * 100),
                65535,
                12,
                0,
                0,
            ),
        ),
    ]
    for engine_id, pressure in enumerate(frame.chamber_pressure_pa):
        state = EngineState.RUNNING if pressure > 0 else EngineState.OFF
        out.append(
            (
                0,
                S.MAVLink_engine_status_message(
                    _ms(t), engine_id, int(state), pressure, math.nan, math.nan, 0.0, 0.0, math.nan, 0
                ),
            )
        )
    out.append(
        (
            0,
            S.MAVLink_tank_status_message(
                _ms(t), frame.lox_mass_kg, frame.ch4_mass_kg, math.nan, math.nan, math.nan, math.nan, 0
            ),
        )
    )
    discretes = (CLAMPS_BIT if frame.clamps_closed else 0) | (CONTACT_BIT if frame.touchdown_contact else 0)
    out.append((0, S.MAVLink_named_value_int_message(_ms(t), DISCRETES, discretes)))
    for deck in frame.decks:
        sysid = platform_ids.get(deck.platform_name)
        if sysid is None:
            continue  # a platform the flight computer would not know by id cannot be named on the wire
        dn, de, dd = deck.velocity_ned_mps
        out.append(
            (
                sysid,
                S.MAVLink_global_position_int_message(
                    _ms(deck.sample_time_s),
                    _e7(deck.latitude_deg),
                    _e7(deck.longitude_deg),
                    round(deck.deck_altitude_m * 1000),
                    0,
                    _clamp16(dn * 100),
                    _clamp16(de * 100),
                    _clamp16(dd * 100),
                    round(deck.heading_deg * 100) % 36000,
                ),
            )
        )
        out.append(
            (
                sysid,
                S.MAVLink_deck_motion_message(
                    _ms(deck.sample_time_s),
                    sysid,
                    deck.pitch_deg,
                    deck.roll_deg,
                    0.0,
                    deck.pitch_rate_dps,
                    deck.roll_rate_dps,
                    -dd,
                    0.0,
                    0.0,
                    0.0,
                ),
            )
        )
    fa, rate = imu.specific_force_body_mps2, imu.angular_rate_body_radps
    fields = _IMU_FIELDS
    pressure_alt = math.nan
    if frame.baro_altitude_m is not None:
        fields |= S.HIL_SENSOR_UPDATED_PRESSURE_ALT
        pressure_alt = frame.baro_altitude_m
    out.append(
        (
            0,
            S.MAVLink_hil_sensor_message(
                _us(t), *fa, *rate, 0.0, 0.0, 0.0, math.nan, math.nan, pressure_alt, math.nan, fields, 0
            ),
        )
    )
    return out


@dataclass(slots=True)
class _DeckParts:
    position: Any = None
    motion: Any = None


class SensorFrameAssembler:
    """The flight computer's side: collects one frame's messages; HIL_SENSOR completes a frame."""

    def __init__(self, engine_count: int, platform_names: Mapping[int, str], vehicle_id: int = 1) -> None:
        self._engines = engine_count
        self._names = dict(platform_names)
        self._vehicle_id = vehicle_id
        self._attitude: Any = None
        self._gps: Any = None
        self._pressures = [0.0] * engine_count
        self._tanks: Any = None
        self._discretes = 0
        self._discretes_ms: int | None = None
        self._engine_ms: list[int | None] = [None] * engine_count  # None: never heard (reads 0 Pa)
        self._decks: dict[int, _DeckParts] = {}
        self.incomplete_frames = 0
        """Frames dropped because one of their vehicle messages was lost (or never came)."""

    def feed(self, msg: Any) -> SensorFrame | None:
        """Take one message; returns the frame when it is complete (on HIL_SENSOR), else None."""
        kind = msg.get_type()
        source = int(msg.get_srcSystem())
        if source in self._names:
            parts = self._decks.setdefault(source, _DeckParts())
            if kind == "GLOBAL_POSITION_INT":
                parts.position = msg
            elif kind == "DECK_MOTION":
                parts.motion = msg
            return None
        if source != self._vehicle_id:
            return None
        if kind == "HIL_STATE_QUATERNION":
            self._attitude = msg
        elif kind == "GPS_INPUT":
            self._gps = msg
        elif kind == "ENGINE_STATUS" and 0 <= msg.engine_id < self._engines:
            self._pressures[msg.engine_id] = float(msg.chamber_pressure_pa)
            self._engine_ms[msg.engine_id] = int(msg.time_boot_ms)
        elif kind == "TANK_STATUS":
            self._tanks = msg
        elif kind == "NAMED_VALUE_INT" and _name(msg.name) == DISCRETES.decode():
            self._discretes = int(msg.value)
            self._discretes_ms = int(msg.time_boot_ms)
        elif kind == "HIL_SENSOR":
            return self._frame(msg)
        return None

    def _frame(self, sensor: Any) -> SensorFrame | None:
        if self._attitude is None or self._gps is None or self._tanks is None or self._lost_part(sensor):
            self.incomplete_frames += 1
            return None  # a part of this frame was lost: wait for the physics to send it again
        time_s = sensor.time_usec / 1e6
        a = self._attitude
        q_ecef = att.quat_normalize(
            att.quat_multiply(
                _q_ecef_from_ned(a.lat / 1e7, a.lon / 1e7),
                np.asarray(a.attitude_quaternion, dtype=np.float64),
            )
        )
        g = self._gps
        baro = (
            float(sensor.pressure_alt) if sensor.fields_updated & S.HIL_SENSOR_UPDATED_PRESSURE_ALT else None
        )
        return SensorFrame(
            time_s=time_s,
            imu=ImuSample(
                (float(sensor.xacc), float(sensor.yacc), float(sensor.zacc)),
                (float(sensor.xgyro), float(sensor.ygyro), float(sensor.zgyro)),
                (float(q_ecef[0]), float(q_ecef[1]), float(q_ecef[2]), float(q_ecef[3])),
            ),
            gnss=GnssSample(
                g.fix_type >= _FIX_3D,
                g.lat / 1e7,
                g.lon / 1e7,
                float(g.alt),
                (float(g.vn), float(g.ve), float(g.vd)),
            ),
            baro_altitude_m=baro,
            chamber_pressure_pa=tuple(self._pressures),
            lox_mass_kg=float(self._tanks.lox_mass_kg),
            ch4_mass_kg=float(self._tanks.ch4_mass_kg),
            decks=tuple(d for d in (self._deck(sysid, p) for sysid, p in self._decks.items()) if d),
            clamps_closed=bool(self._discretes & CLAMPS_BIT),
            touchdown_contact=bool(self._discretes & CONTACT_BIT),
        )

    def _lost_part(self, sensor: Any) -> bool:
        """Whether a vehicle message of the frame ``sensor`` ends is missing: the last one heard is older."""
        time_us = int(sensor.time_usec)
        if int(self._attitude.time_usec) != time_us or int(self._gps.time_usec) != time_us:
            return True
        # Millisecond fields: the sender rounds the time itself, so allow the rounding (ticks are >= 10 ms).
        frame_ms = round(time_us / 1000) & 0xFFFFFFFF
        engines = [t for t in self._engine_ms if t is not None]
        stamps = [int(self._tanks.time_boot_ms), self._discretes_ms, *engines]
        return any(t is None or abs(t - frame_ms) > 1 for t in stamps)

    def _deck(self, sysid: int, parts: _DeckParts) -> DeckSample | None:
        p, m = parts.position, parts.motion
        if p is None or m is None:
            return None
        return DeckSample(
            platform_name=self._names[sysid],
            sample_time_s=p.time_boot_ms / 1000,
            latitude_deg=p.lat / 1e7,
            longitude_deg=p.lon / 1e7,
            deck_altitude_m=p.alt / 1000,
            velocity_ned_mps=(p.vx / 100, p.vy / 100, p.vz / 100),
            heading_deg=p.hdg / 100,
            roll_deg=float(m.roll_deg),
            pitch_deg=float(m.pitch_deg),
            roll_rate_dps=float(m.roll_rate_degps),
            pitch_rate_dps=float(m.pitch_rate_degps),
        )


def _name(raw: str | bytes) -> str:
    text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else raw
    return text.split("\0", 1)[0]


def actuator_message(frame: ActuatorFrame, time_s: float) -> Any:
    controls = [0.0] * 16
    controls[0] = float(frame.engines_lit)
    controls[1] = frame.throttle
    controls[2:6] = [float(v) for v in frame.attitude_ecef_from_body]
    controls[6:8] = [float(v) for v in frame.gimbal_deg]
    controls[8] = frame.cutoff_in_s
    controls[9:13] = [
        float(b) for b in (frame.release_clamps, frame.vent_lox, frame.vent_ch4, frame.fts_fire)
    ]
    mode = S.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | (S.MAV_MODE_FLAG_SAFETY_ARMED if frame.engines_lit else 0)
    return S.MAVLink_hil_actuator_controls_message(_us(time_s), controls, mode, 0)


def actuators_from(msg: Any) -> ActuatorFrame:
    """The ActuatorFrame a HIL_ACTUATOR_CONTROLS carries (out-of-range values are clipped to valid ones).

    Raises:
        ValueError: the message carries NaN where a number is needed.
    """
    c = [float(v) for v in msg.controls]
    if any(math.isnan(v) for v in c[:13]):
        raise ValueError("HIL_ACTUATOR_CONTROLS carries NaN")
    q = np.asarray(c[2:6], dtype=np.float64)
    q = q / np.linalg.norm(q) if np.linalg.norm(q) > 0 else np.array([1.0, 0.0, 0.0, 0.0])
    return ActuatorFrame(
        engines_lit=max(0, round(c[0])),
        throttle=min(1.0, max(0.0, c[1])),
        attitude_ecef_from_body=(float(q[0]), float(q[1]), float(q[2]), float(q[3])),
        gimbal_deg=(c[6], c[7]),
        cutoff_in_s=max(0.0, c[8]),
        release_clamps=c[9] > 0.5,
        vent_lox=c[10] > 0.5,
        vent_ch4=c[11] > 0.5,
        fts_fire=c[12] > 0.5,
    )
