"""What each run's flight computer believes: the truth plus its sensors' errors, for many runs at once.

The on-board complementary filter (``firmware.navigation``) pulls its inertial solution towards
GNSS with gains per second, and towards the baro low down. Its error is then, to first order,
the GNSS bias (blended with the baro's in height) plus the GNSS noise through a first-order
filter of that gain; that is what this model gives, per run, from the flight software's
``[sensors]`` levels times a scale. The inertial drift between fixes is neglected (navigation
grade, 20 Hz fixes). Attitude, rates and specific force are the truth rotated and biased as
``firmware_sim.sensors`` does. Knows nothing of guidance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firmware_sim.firmware.geometry import EQUATORIAL_RADIUS_M, GM_M3_PER_S2, J2, ROTATION_RATE_RADPS
from firmware_sim.physics import attitude as att
from firmware_sim.physics.earth import ecef_to_geodetic, ned_basis
from firmware_sim.sensors import SensorConfig

FloatArray = NDArray[np.float64]
G0_MPS2 = 9.80665
_OMEGA = np.array([0.0, 0.0, ROTATION_RATE_RADPS])


def frame_acceleration_ecef(position: FloatArray, velocity: FloatArray) -> FloatArray:
    """``firmware.geometry.frame_acceleration_ecef`` for rows (N, 3)."""
    x, y, z = position[:, 0], position[:, 1], position[:, 2]
    r2 = x * x + y * y + z * z
    r = np.sqrt(r2)
    mu_over_r3 = GM_M3_PER_S2 / (r2 * r)
    z2_over_r2 = z * z / r2
    j2_term = 1.5 * J2 * EQUATORIAL_RADIUS_M**2 / r2
    factor_xy = -mu_over_r3 * (1.0 + j2_term * (1.0 - 5.0 * z2_over_r2))
    factor_z = -mu_over_r3 * (1.0 + j2_term * (3.0 - 5.0 * z2_over_r2))
    w = ROTATION_RATE_RADPS
    return np.stack(
        [
            factor_xy * x + w * w * x + 2.0 * w * velocity[:, 1],
            factor_xy * y + w * w * y - 2.0 * w * velocity[:, 0],
            factor_z * z,
        ],
        axis=1,
    )


@dataclass(frozen=True, slots=True)
class FleetNav:
    """The navigation solution of every run at one tick (rows per run)."""

    position_ecef_m: FloatArray
    velocity_ecef_mps: FloatArray
    attitude_ecef_from_body: FloatArray
    angular_rate_body_radps: FloatArray
    altitude_m: FloatArray
    up_ecef: FloatArray
    vertical_speed_up_mps: FloatArray
    body_axis_ecef: FloatArray
    axial_load_g: FloatArray


@dataclass(frozen=True, slots=True)
class NavGains:
    position_per_s: float
    velocity_per_s: float
    baro_per_s: float


class FleetNavigator:
    """Each run's sensor biases (drawn once) and filtered noise (stepped each tick)."""

    def __init__(
        self,
        config: SensorConfig,
        scale: float,
        runs: int,
        seed: int,
        site_latitude_deg: float,
        site_longitude_deg: float,
        gains: NavGains,
        tick_s: float,
    ) -> None:
        rng = np.random.default_rng(seed)
        self._rng = rng
        c = config
        self._to_ecef = ned_basis(site_latitude_deg, site_longitude_deg).T  # NED rows -> ECEF
        kp, kb = gains.position_per_s, gains.baro_per_s
        gnss_bias = rng.normal(0.0, scale * c.gnss_position_bias_m, (runs, 3))
        baro_bias = rng.normal(0.0, scale * c.baro_bias_m, runs)
        # Low down the baro pulls height towards its own bias at kb against the GNSS's kp.
        gnss_bias[:, 2] = (kp * gnss_bias[:, 2] - kb * baro_bias) / (kp + kb)  # NED: down = -height
        self._position_bias = gnss_bias @ self._to_ecef.T
        self._kp = min(kp * tick_s, 1.0)
        self._kv = min(gains.velocity_per_s * tick_s, 1.0)
        self._position_sigma = scale * c.gnss_position_noise_m
        self._velocity_sigma = scale * c.gnss_velocity_noise_mps

        def settled(k: float, sigma: float) -> FloatArray:
            # The filter's steady output: variance sigma² k / (2 - k).
            return rng.normal(0.0, sigma * math.sqrt(k / (2.0 - k)), (runs, 3))

        self._position_noise = settled(self._kp, self._position_sigma)
        self._velocity_noise = settled(self._kv, self._velocity_sigma)
        self._accel_bias = rng.normal(0.0, scale * c.accel_bias_mps2, (runs, 3))
        self._accel_sigma = scale * c.accel_noise_mps2
        self._gyro_bias = rng.normal(0.0, scale * c.gyro_bias_radps, (runs, 3))
        self._gyro_sigma = scale * c.gyro_noise_radps
        self._attitude_bias = rng.normal(0.0, scale * math.radians(c.attitude_bias_deg), (runs, 3))
        self._attitude_sigma = scale * math.radians(c.attitude_noise_deg)
        self.tank_sigma = scale * c.tank_mass_noise_fraction
        self.chamber_sigma = scale * c.chamber_pressure_noise_fraction
        self.deck_position_bias = rng.normal(0.0, scale * c.deck_position_noise_m, (runs, 3))
        self.deck_position_bias[:, 2] = 0.0
        self.deck_position_sigma = scale * c.deck_position_noise_m
        self.deck_height_sigma = scale * c.deck_height_noise_m
        self.deck_velocity_sigma = scale * c.deck_velocity_noise_mps
        self.deck_attitude_sigma_deg = scale * c.deck_attitude_noise_deg
        self._runs = runs

    def normal(self, sigma: float, shape: tuple[int, ...]) -> FloatArray:
        """White noise (zeros when ``sigma`` is 0, without drawing)."""
        if sigma == 0.0:
            return np.zeros(shape)
        return np.asarray(self._rng.normal(0.0, sigma, shape), dtype=np.float64)

    def update(
        self,
        position: FloatArray,
        velocity: FloatArray,
        previous_velocity: FloatArray | None,
        attitude: FloatArray,
        body_rate_ecef_radps: FloatArray,
        at_rest: NDArray[np.bool_],
        dt_s: float,
    ) -> FleetNav:
        """The solution from the truth at this tick (``previous_velocity``: the last tick's truth)."""
        n = self._runs
        velocity = np.where(at_rest[:, None], 0.0, velocity)
        kp, kv = self._kp, self._kv
        self._position_noise += kp * (self.normal(self._position_sigma, (n, 3)) - self._position_noise)
        self._velocity_noise += kv * (self.normal(self._velocity_sigma, (n, 3)) - self._velocity_noise)
        nav_position = position + self._position_bias + self._position_noise @ self._to_ecef.T
        nav_velocity = velocity + self._velocity_noise @ self._to_ecef.T
        # The IMU: the mean specific force over the last tick (held: the support cancels gravity).
        if previous_velocity is None or dt_s <= 0.0:
            sensed = -frame_acceleration_ecef(position, velocity)
        else:
            sensed = (velocity - previous_velocity) / dt_s - frame_acceleration_ecef(position, velocity)
            sensed = np.where(at_rest[:, None], -frame_acceleration_ecef(position, velocity), sensed)
        conjugate = att.quat_conjugate(attitude)
        force_body = (
            att.quat_rotate(conjugate, sensed) + self._accel_bias + self.normal(self._accel_sigma, (n, 3))
        )
        rate_body = (
            att.quat_rotate(conjugate, body_rate_ecef_radps + _OMEGA)
            + self._gyro_bias
            + self.normal(self._gyro_sigma, (n, 3))
        )
        error = self._attitude_bias + self.normal(self._attitude_sigma, (n, 3))
        q_nav = att.quat_normalize(att.quat_multiply(attitude, att.quat_from_rotation_vector(error)))
        geodetic = ecef_to_geodetic(nav_position)
        lat, lon = np.radians(geodetic.latitude_deg), np.radians(geodetic.longitude_deg)
        up = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1)
        return FleetNav(
            nav_position,
            nav_velocity,
            q_nav,
            rate_body,
            geodetic.height_m,
            up,
            np.einsum("ij,ij->i", nav_velocity, up),
            att.body_x_axis(q_nav),
            force_body[:, 0] / G0_MPS2,
        )
