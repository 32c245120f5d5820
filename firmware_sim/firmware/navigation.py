"""On-board navigation: a complementary filter of IMU, GNSS and baro into position and velocity, and
the landing platform's deck as the vehicle knows it from the platform's own broadcast.

The filter integrates the sensed specific force (rotated by the inertial unit's attitude) with
gravity and the rotating-frame terms in ECEF, and pulls the result towards GNSS position and
velocity and, low in the air, towards baro altitude, with gains per second from parameters.
Knows nothing of the simulator's physics models (its geometry is the flight software's own).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firmware_sim.firmware import geometry as geo
from firmware_sim.firmware.frames import DeckSample, SensorFrame
from firmware_sim.firmware.geometry import (
    ecef_to_geodetic,
    frame_acceleration_ecef,
    geodetic_to_ecef,
    ned_basis,
)

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class NavGains:
    position_per_s: float
    velocity_per_s: float
    baro_per_s: float
    baro_top_m: float


@dataclass(frozen=True, slots=True)
class NavState:
    """The navigation solution at one instant (arrays are read-only by convention)."""

    time_s: float
    position_ecef_m: FloatArray
    velocity_ecef_mps: FloatArray
    attitude_ecef_from_body: FloatArray
    angular_rate_body_radps: FloatArray
    specific_force_body_mps2: FloatArray
    latitude_deg: float
    longitude_deg: float
    altitude_m: float
    ned_from_ecef: FloatArray  # rows north, east, down
    gnss_ok: bool

    @property
    def up_ecef(self) -> FloatArray:
        return np.asarray(-self.ned_from_ecef[2], dtype=np.float64)

    @property
    def velocity_ned_mps(self) -> FloatArray:
        return np.asarray(self.ned_from_ecef @ self.velocity_ecef_mps, dtype=np.float64)

    @property
    def vertical_speed_up_mps(self) -> float:
        return -float(self.ned_from_ecef[2] @ self.velocity_ecef_mps)

    @property
    def body_axis_ecef(self) -> FloatArray:
        return np.asarray(geo.body_x_axis(self.attitude_ecef_from_body), dtype=np.float64)

    @property
    def sensed_acceleration_ecef_mps2(self) -> FloatArray:
        return geo.quat_rotate(self.attitude_ecef_from_body, self.specific_force_body_mps2)

    @property
    def axial_load_g(self) -> float:
        return float(self.specific_force_body_mps2[0]) / 9.80665


class Navigator:
    """The filter's state between ticks; ``update`` is deterministic in its inputs."""

    def __init__(self) -> None:
        self._position: FloatArray | None = None
        self._velocity = np.zeros(3)
        self._last_acceleration = np.zeros(3)
        self.state: NavState | None = None

    def update(self, sensors: SensorFrame, dt_s: float, gains: NavGains) -> NavState:
        imu = sensors.imu
        q = geo.quat_normalize(np.asarray(imu.attitude_ecef_from_body, dtype=np.float64))
        force_body = np.asarray(imu.specific_force_body_mps2, dtype=np.float64)
        gnss = sensors.gnss
        gnss_position = (
            geodetic_to_ecef(gnss.latitude_deg, gnss.longitude_deg, gnss.altitude_m) if gnss.fix_ok else None
        )
        if self._position is None:
            if gnss_position is None:
                raise NavigationUnavailable("no GNSS fix to start navigation from")
            self._position = gnss_position
            basis = ned_basis(gnss.latitude_deg, gnss.longitude_deg)
            self._velocity = basis.T @ np.asarray(gnss.velocity_ned_mps, dtype=np.float64)
            self._last_acceleration = geo.quat_rotate(q, force_body) + frame_acceleration_ecef(
                self._position, self._velocity
            )
        elif dt_s > 0:
            position, velocity = self._position, self._velocity
            # Trapezoid over the tick: the last tick's acceleration and the one sensed now.
            acceleration = geo.quat_rotate(q, force_body) + frame_acceleration_ecef(position, velocity)
            mean = 0.5 * (acceleration + self._last_acceleration)
            position = position + velocity * dt_s + 0.5 * mean * dt_s * dt_s
            velocity = velocity + mean * dt_s
            self._last_acceleration = acceleration
            if gnss_position is not None:
                basis = ned_basis(gnss.latitude_deg, gnss.longitude_deg)
                gnss_velocity = basis.T @ np.asarray(gnss.velocity_ned_mps, dtype=np.float64)
                kp = min(gains.position_per_s * dt_s, 1.0)
                kv = min(gains.velocity_per_s * dt_s, 1.0)
                position = position + kp * (gnss_position - position)
                velocity = velocity + kv * (gnss_velocity - velocity)
            if sensors.baro_altitude_m is not None and gains.baro_per_s > 0:
                height = ecef_to_geodetic(position)[2]
                if height < gains.baro_top_m:
                    up = geo.unit(position)
                    kb = min(gains.baro_per_s * dt_s, 1.0)
                    position = position + kb * (sensors.baro_altitude_m - height) * up
            self._position, self._velocity = position, velocity
        assert self._position is not None
        lat, lon, alt = ecef_to_geodetic(self._position)
        self.state = NavState(
            sensors.time_s,
            self._position.copy(),
            self._velocity.copy(),
            q,
            np.asarray(imu.angular_rate_body_radps, dtype=np.float64),
            force_body,
            lat,
            lon,
            alt,
            ned_basis(lat, lon),
            gnss.fix_ok,
        )
        return self.state


class NavigationUnavailable(RuntimeError):
    """Navigation cannot start (no GNSS fix yet)."""


@dataclass(frozen=True, slots=True)
class DeckEstimate:
    """The landing deck now, from the platform's broadcast extrapolated over its age (ECEF)."""

    platform_name: str
    center_ecef_m: FloatArray
    velocity_ecef_mps: FloatArray
    normal_ecef: FloatArray  # deck "up"
    normal_rate_ecef_per_s: FloatArray  # d(normal)/dt, from the MRU's roll and pitch rates
    age_s: float


def deck_estimate(sample: DeckSample, now_s: float) -> DeckEstimate:
    """Where the broadcast deck is at ``now_s`` (linear extrapolation over the sample's age)."""
    age = max(now_s - sample.sample_time_s, 0.0)
    basis = ned_basis(sample.latitude_deg, sample.longitude_deg)
    velocity = basis.T @ np.asarray(sample.velocity_ned_mps, dtype=np.float64)
    center = (
        geodetic_to_ecef(sample.latitude_deg, sample.longitude_deg, sample.deck_altitude_m) + velocity * age
    )
    normal_ned, rate_ned = _deck_normal_ned(sample)
    return DeckEstimate(
        sample.platform_name,
        np.asarray(center, dtype=np.float64),
        velocity,
        basis.T @ (-normal_ned),
        basis.T @ (-rate_ned),
        age,
    )


def _deck_normal_ned(sample: DeckSample) -> tuple[FloatArray, FloatArray]:
    """The deck's down axis in NED and its rate, from heading, pitch (+bow up) and roll (+port up).

    The same rotation as the platform's pose: heading about down, then pitch, then roll.
    """
    psi = math.radians(sample.heading_deg)
    theta = math.radians(sample.pitch_deg)
    phi = math.radians(sample.roll_deg)
    cps, sps, cth, sth, cph, sph = (
        math.cos(psi),
        math.sin(psi),
        math.cos(theta),
        math.sin(theta),
        math.cos(phi),
        math.sin(phi),
    )
    down = np.array([cps * sth * cph + sps * sph, sps * sth * cph - cps * sph, cth * cph])
    theta_rate = math.radians(sample.pitch_rate_dps)
    phi_rate = math.radians(sample.roll_rate_dps)
    d_theta = np.array([cps * cth * cph, sps * cth * cph, -sth * cph])
    d_phi = np.array([-cps * sth * sph + sps * cph, -sps * sth * sph - cps * cph, -cth * sph])
    return down, d_theta * theta_rate + d_phi * phi_rate


def ecef_of(latitude_deg: float, longitude_deg: float, altitude_m: float) -> FloatArray:
    return np.asarray(geodetic_to_ecef(latitude_deg, longitude_deg, altitude_m), dtype=np.float64)
