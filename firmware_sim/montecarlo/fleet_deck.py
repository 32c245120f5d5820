"""Each run's landing deck in its own sea: heave, pitch and roll through the platform's RAOs, and the
station-keeping wander, for many runs at once (the array form of ``physics.platform.Platform``).

Every run gets its own wave record (its own phases, and its own significant wave height when the sea
state is dispersed) and its own wander; ``pose(time_s, index)`` gives the deck of the runs at
``index`` at one time, with the same rotation order and signs as ``Platform.pose`` (heave +up,
pitch +bow up, roll +port up). Fewer wave components than a SITL platform (the record only has to
last a flight, not hours without repeating). Knows nothing of vehicles or guidance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firmware_sim.physics.config import PlatformConfig
from firmware_sim.physics.earth import geodetic_to_ecef, ned_basis
from firmware_sim.physics.platform import deck_axes_ned, response_amplitude_operators
from firmware_sim.physics.waves import SeaState, WaveComponents

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Wave components per run: Hs comes out right with far fewer than a platform's 200 (test_fleet_deck).
WAVE_COMPONENTS = 48
#: Sinusoids per station-keeping wander (north, east, yaw), as ``physics.platform``.
WANDER_COMPONENTS = 16


@dataclass(frozen=True, slots=True)
class FleetDeckPose:
    """The deck of the selected runs at one time; rows (n, 3) in ECEF, angles in degrees."""

    center_ecef_m: FloatArray
    velocity_ecef_mps: FloatArray
    forward_ecef: FloatArray
    starboard_ecef: FloatArray
    normal_ecef: FloatArray
    angular_velocity_ecef_radps: FloatArray
    heave_m: FloatArray
    heading_deg: FloatArray
    pitch_deg: FloatArray
    roll_deg: FloatArray
    pitch_rate_dps: FloatArray
    roll_rate_dps: FloatArray


@dataclass(frozen=True, slots=True)
class _Wander:
    frequency_radps: FloatArray  # (N, M)
    amplitude: FloatArray  # (N, M)
    phase_rad: FloatArray  # (N, M)

    @classmethod
    def build(
        cls, sigma: float, shortest_s: float, longest_s: float, rngs: list[np.random.Generator]
    ) -> _Wander:
        m = WANDER_COMPONENTS
        periods = np.stack([np.exp(r.uniform(math.log(shortest_s), math.log(longest_s), m)) for r in rngs])
        phases = np.stack([r.uniform(0.0, 2.0 * math.pi, m) for r in rngs])
        return cls(2.0 * math.pi / periods, np.full(periods.shape, sigma * math.sqrt(2.0 / m)), phases)

    def value_and_rate(self, time_s: float, index: IntArray) -> tuple[FloatArray, FloatArray]:
        omega, amplitude = self.frequency_radps[index], self.amplitude[index]
        angle = omega * time_s + self.phase_rad[index]
        return (np.cos(angle) * amplitude).sum(axis=1), -(np.sin(angle) * (amplitude * omega)).sum(axis=1)


class FleetDeck:
    """The landing platform of every run (one config, one sea per run)."""

    def __init__(self, config: PlatformConfig, wave_height_scale: FloatArray, seeds: IntArray) -> None:
        self.config = config
        pos = config.position
        sea = config.sea_state
        runs = int(seeds.shape[0])
        rngs = [np.random.default_rng(int(s)) for s in seeds]
        heading_rel = (sea.wave_direction_from_deg - pos.heading_deg) % 360.0
        cos_rows, sin_rows, freqs, phases = [], [], [], []
        self.significant_wave_height_m = sea.significant_wave_height_m * np.asarray(wave_height_scale)
        for i in range(runs):
            state = SeaState(
                sea.spectrum,
                float(self.significant_wave_height_m[i]),
                sea.peak_period_s,
                sea.wave_direction_from_deg,
                sea.peak_enhancement,
            )
            waves = WaveComponents.synthesize(state, int(rngs[i].integers(2**31)), WAVE_COMPONENTS)
            heave_gain, pitch_gain, roll_gain = response_amplitude_operators(
                waves.frequency_radps, heading_rel, config.deck.length_m, config.deck.width_m, config.motion
            )
            a, omega = waves.amplitude_m, waves.frequency_radps
            heave, pitch, roll, zero = a * heave_gain, a * pitch_gain, a * roll_gain, 0.0 * a
            # Columns: heave, heave rate, pitch, pitch rate, roll, roll rate (as physics.platform).
            cos_rows.append(np.stack([heave, zero, zero, pitch * omega, zero, roll * omega], axis=1))
            sin_rows.append(np.stack([zero, -heave * omega, pitch, zero, roll, zero], axis=1))
            freqs.append(omega)
            phases.append(waves.phase_rad)
        self._cos_weights = np.stack(cos_rows)  # (N, K, 6)
        self._sin_weights = np.stack(sin_rows)
        self._frequency = np.stack(freqs)  # (N, K)
        self._phase = np.stack(phases)
        keep = config.station_keeping
        self._north = _Wander.build(
            keep.position_sigma_m, keep.shortest_period_s, keep.longest_period_s, rngs
        )
        self._east = _Wander.build(keep.position_sigma_m, keep.shortest_period_s, keep.longest_period_s, rngs)
        self._yaw = _Wander.build(keep.heading_sigma_deg, keep.shortest_period_s, keep.longest_period_s, rngs)
        self.nominal_center_ecef_m = geodetic_to_ecef(pos.latitude_deg, pos.longitude_deg, pos.deck_height_m)
        self._to_ecef = ned_basis(pos.latitude_deg, pos.longitude_deg).T  # columns north, east, down
        self.half_length_m = config.deck.length_m / 2.0
        self.half_width_m = config.deck.width_m / 2.0
        # No part of a run's deck is ever higher than this above the ellipsoid (m): every wave crest
        # at once, and a corner lifted by the largest tilt the components can add up to.
        heave_bound = np.abs(self._cos_weights[:, :, 0]).sum(axis=1)
        tilt_bound_deg = np.abs(self._sin_weights[:, :, 2]).sum(axis=1) + np.abs(
            self._sin_weights[:, :, 4]
        ).sum(axis=1)
        half_diagonal = math.hypot(config.deck.length_m, config.deck.width_m) / 2.0
        self.highest_point_m: FloatArray = (
            pos.deck_height_m
            + heave_bound
            + half_diagonal * np.sin(np.radians(np.minimum(tilt_bound_deg, 90.0)))
        )

    def pose(self, time_s: float, index: IntArray) -> FleetDeckPose:
        """The deck of runs ``index`` at ``time_s`` (the same formulas as ``Platform.pose``)."""
        angle = self._frequency[index] * time_s + self._phase[index]
        six = np.einsum("nk,nkj->nj", np.cos(angle), self._cos_weights[index]) + np.einsum(
            "nk,nkj->nj", np.sin(angle), self._sin_weights[index]
        )
        heave, heave_rate, pitch, pitch_rate, roll, roll_rate = (six[:, k] for k in range(6))
        north, north_rate = self._north.value_and_rate(time_s, index)
        east, east_rate = self._east.value_and_rate(time_s, index)
        yaw, yaw_rate = self._yaw.value_and_rate(time_s, index)
        heading = (self.config.position.heading_deg + yaw) % 360.0
        to_ecef = self._to_ecef.T
        offset_ned = np.stack([north, east, -heave], axis=-1)
        rate_ned = np.stack([north_rate, east_rate, -heave_rate], axis=-1)
        forward, starboard, down = deck_axes_ned(heading, pitch, roll)
        omega_ned = (
            np.radians(roll_rate)[:, None] * forward
            + np.radians(pitch_rate)[:, None] * starboard
            + np.radians(yaw_rate)[:, None] * down
        )
        return FleetDeckPose(
            self.nominal_center_ecef_m + offset_ned @ to_ecef,
            rate_ned @ to_ecef,
            forward @ to_ecef,
            starboard @ to_ecef,
            -down @ to_ecef,
            omega_ned @ to_ecef,
            heave,
            heading,
            pitch,
            roll,
            pitch_rate,
            roll_rate,
        )
