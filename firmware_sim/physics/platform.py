"""Sea platforms: deck motion from waves through a response-amplitude model, station keeping, deck wind,
and touchdown geometry (speeds relative to the moving deck, tilt, miss distance).

Deck motion is linear: every wave component drives heave, pitch and roll through its RAO with the
same phase, so the three stay coherent (reference/domain.md §4, a kinematic approximation, not
naval architecture). Station keeping is a slow band-limited wander of position and heading. Changes
of conditions (``conditions.PlatformConditions``: a new sea state, surface wind, a move off station)
are given up front and folded in by time. All of it is a pure function of time for a given seed and
conditions. Knows nothing of the vehicle's dynamics or of where the changes come from.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from firmware_sim.physics.atmosphere import WindField
from firmware_sim.physics.conditions import (
    PlatformConditions,
    crossfade,
    mean_wind_ned_mps,
    station_offset_m,
)
from firmware_sim.physics.config import LandingGearConfig, MotionResponseConfig, PlatformConfig, PlatformKind
from firmware_sim.physics.earth import STANDARD_GRAVITY_MPS2, WGS84, EarthModel, geodetic_to_ecef, ned_basis
from firmware_sim.physics.waves import SeaState, WaveComponents

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
_Six = tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]

#: Height above the sea (m) of an anemometer on the deck, where "wind over deck" is taken.
ANEMOMETER_HEIGHT_ABOVE_DECK_M = 10.0


class TouchdownOutcome(enum.Enum):
    SOFT = "soft"  # within the gear's limits
    HARD = "hard"  # vertical speed beyond the gear's stroke: crush cores consumed
    TIPPED_OVER = "tipped_over"  # sideways speed or tilt beyond what the legs can hold


@dataclass(frozen=True, slots=True)
class TouchdownReport:
    """How one vehicle met the deck."""

    time_s: float
    vertical_speed_mps: float  # towards the deck, along the deck normal
    horizontal_speed_mps: float  # in the deck plane, relative to the deck under the legs
    tilt_deg: float  # between the vehicle axis and the deck normal
    miss_distance_m: float  # from the deck centre, in the deck plane
    outcome: TouchdownOutcome


class Deck(Protocol):
    """A surface the vehicle can land on; the integrator sees platforms only through this."""

    @property
    def highest_point_m(self) -> float:
        """An altitude above which no part of the deck ever is (for cheap contact screening)."""
        ...

    def contact_height_m(self, time_s: FloatArray, point_ecef_m: FloatArray) -> tuple[FloatArray, BoolArray]:
        """Height of points (N, 3) above the deck plane at times (N,), and whether they are over the deck."""
        ...

    def touchdown_report(
        self,
        time_s: float,
        position_ecef_m: FloatArray,
        velocity_ecef_mps: FloatArray,
        body_axis_ecef: FloatArray,
        gear: LandingGearConfig,
    ) -> TouchdownReport:
        """Describe a contact of a vehicle's base point (3,) moving at (3,) with its axis (3,)."""
        ...


def _sinc(x: FloatArray) -> FloatArray:
    return np.asarray(np.sinc(x / math.pi), dtype=np.float64)


def resonance_gain(frequency_radps: FloatArray, natural_period_s: float, damping_ratio: float) -> FloatArray:
    """Magnitude of a second-order resonance 1/sqrt((1-r²)² + (2 zeta r)²), r = omega/omega_n."""
    r = frequency_radps * natural_period_s / (2.0 * math.pi)
    return np.asarray(1.0 / np.sqrt((1.0 - r * r) ** 2 + (2.0 * damping_ratio * r) ** 2), dtype=np.float64)


def deck_axes_ned(
    heading_deg: ArrayLike, pitch_deg: ArrayLike, roll_deg: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The deck's forward, starboard and down axes in NED for its heading, pitch and roll (any shape:
    a trailing axis of 3 is added). Euler angles in the ship convention: yaw, then pitch, then roll."""
    psi, theta, phi = np.radians(heading_deg), np.radians(pitch_deg), np.radians(roll_deg)
    cps, sps = np.cos(psi), np.sin(psi)
    cth, sth = np.cos(theta), np.sin(theta)
    cph, sph = np.cos(phi), np.sin(phi)
    forward = np.stack([cps * cth, sps * cth, -sth], axis=-1)
    starboard = np.stack([cps * sth * sph - sps * cph, sps * sth * sph + cps * cph, cth * sph], axis=-1)
    down = np.stack([cps * sth * cph + sps * sph, sps * sth * cph - cps * sph, cth * cph], axis=-1)
    return forward, starboard, down


def response_amplitude_operators(
    frequency_radps: FloatArray,
    wave_heading_rel_bow_deg: float,
    length_m: float,
    width_m: float,
    motion: MotionResponseConfig,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Heave (m/m), pitch (deg/m) and roll (deg/m) per unit wave amplitude (domain.md §4).

    The sinc factors average the wave over the hull length and beam (short waves cancel); the
    pitch and roll amplitudes follow the wave slope k; each has its own resonance.
    """
    beta = math.radians(wave_heading_rel_bow_deg)
    k = frequency_radps**2 / STANDARD_GRAVITY_MPS2
    along = np.abs(_sinc(k * length_m * math.cos(beta) / 2.0))
    across = np.abs(_sinc(k * width_m * math.sin(beta) / 2.0))
    heave = (
        along
        * across
        * resonance_gain(frequency_radps, motion.heave_natural_period_s, motion.heave_damping_ratio)
    )
    pitch = (
        k
        * math.cos(beta)
        * math.degrees(1.0)
        * along
        * resonance_gain(frequency_radps, motion.pitch_natural_period_s, motion.pitch_damping_ratio)
    )
    roll = (
        k
        * math.sin(beta)
        * math.degrees(1.0)
        * across
        * resonance_gain(frequency_radps, motion.roll_natural_period_s, motion.roll_damping_ratio)
    )
    return heave, pitch, roll


@dataclass(frozen=True, slots=True)
class DeckMotion:
    """Deck motion at an array of times (the MRU's view): heave +up, pitch +bow up, roll +port up."""

    heave_m: FloatArray
    heave_rate_mps: FloatArray
    pitch_deg: FloatArray
    pitch_rate_dps: FloatArray
    roll_deg: FloatArray
    roll_rate_dps: FloatArray
    offset_north_m: FloatArray
    offset_east_m: FloatArray
    drift_north_mps: FloatArray
    drift_east_mps: FloatArray
    heading_deg: FloatArray
    yaw_rate_dps: FloatArray


@dataclass(frozen=True, slots=True)
class DeckPose:
    """Where the deck is at times (N,): centre, its velocity, its axes (rows (N, 3), ECEF)."""

    motion: DeckMotion
    center_ecef_m: FloatArray
    velocity_ecef_mps: FloatArray
    forward_ecef: FloatArray
    starboard_ecef: FloatArray
    normal_ecef: FloatArray  # deck "up"
    angular_velocity_ecef_radps: FloatArray


@dataclass(frozen=True, slots=True)
class _Wander:
    """A slow band-limited random process as a sum of sinusoids (station-keeping error)."""

    frequency_radps: FloatArray
    amplitude: FloatArray
    phase_rad: FloatArray

    @classmethod
    def build(
        cls,
        sigma: float,
        shortest_period_s: float,
        longest_period_s: float,
        rng: np.random.Generator,
        count: int = 16,
    ) -> _Wander:
        frequency = (
            2.0
            * math.pi
            / np.exp(rng.uniform(math.log(shortest_period_s), math.log(longest_period_s), count))
        )
        return cls(
            frequency, np.full(count, sigma * math.sqrt(2.0 / count)), rng.uniform(0, 2 * math.pi, count)
        )

    def value_and_rate(self, time_s: FloatArray) -> tuple[FloatArray, FloatArray]:
        angle = np.multiply.outer(time_s, self.frequency_radps) + self.phase_rad
        return np.cos(angle) @ self.amplitude, -np.sin(angle) @ (self.amplitude * self.frequency_radps)


@dataclass(frozen=True, slots=True)
class _SeaField:
    """One wave field's six deck responses. They share one set of wave angles: cos and sin of
    (ω t + φ) weighted by these columns give heave, heave rate, pitch, pitch rate, roll, roll rate (a
    quarter-period shift turns cos into ∓sin), so a pose costs one cos and one sin per component."""

    waves: WaveComponents
    cos_weights: FloatArray  # (components, 6)
    sin_weights: FloatArray

    @classmethod
    def build(
        cls, waves: WaveComponents, heave_gain: FloatArray, pitch_gain: FloatArray, roll_gain: FloatArray
    ) -> _SeaField:
        a, omega = waves.amplitude_m, waves.frequency_radps
        heave, pitch, roll, zero = a * heave_gain, a * pitch_gain, a * roll_gain, 0.0 * a
        cos_weights = np.stack([heave, zero, zero, pitch * omega, zero, roll * omega], axis=1)
        sin_weights = np.stack([zero, -heave * omega, pitch, zero, roll, zero], axis=1)
        return cls(waves, cos_weights, sin_weights)

    def six(self, time_s: FloatArray) -> FloatArray:
        """(len(time_s), 6): heave, heave rate, pitch, pitch rate, roll, roll rate."""
        angle = np.multiply.outer(time_s, self.waves.frequency_radps) + self.waves.phase_rad
        six: FloatArray = np.cos(angle) @ self.cos_weights + np.sin(angle) @ self.sin_weights
        return six


class Platform:
    """One sea platform (landing barge or launch platform) with its sea, deck motion and wind."""

    def __init__(
        self,
        config: PlatformConfig,
        seed: int,
        earth: EarthModel = WGS84,
        wave_components: int = 200,
        conditions: PlatformConditions | None = None,
    ):
        """The platform on its station in its configured sea and wind; ``conditions`` change them
        over time (each new sea state gets its own wave record, seeded from ``seed``)."""
        self.config = config
        self.conditions = conditions or PlatformConditions()
        self.earth = earth
        pos = config.position
        self.sea = SeaState(
            config.sea_state.spectrum,
            config.sea_state.significant_wave_height_m,
            config.sea_state.peak_period_s,
            config.sea_state.wave_direction_from_deg,
            config.sea_state.peak_enhancement,
        )
        rng = np.random.default_rng(seed)
        self.waves = WaveComponents.synthesize(self.sea, int(rng.integers(2**31)), wave_components)
        heading_rel = (config.sea_state.wave_direction_from_deg - pos.heading_deg) % 360.0
        self._heave_gain, self._pitch_gain, self._roll_gain = response_amplitude_operators(
            self.waves.frequency_radps, heading_rel, config.deck.length_m, config.deck.width_m, config.motion
        )
        keep = config.station_keeping
        self._seas = [_SeaField.build(self.waves, self._heave_gain, self._pitch_gain, self._roll_gain)]
        for k, change in enumerate(self.conditions.sea, start=1):
            # Its own generator per change: the configured sea's record stays what it was without one.
            change_seed = int(np.random.default_rng([seed, k]).integers(2**31))
            waves = WaveComponents.synthesize(change.sea, change_seed, wave_components)
            relative = (change.sea.wave_direction_from_deg - pos.heading_deg) % 360.0
            gains = response_amplitude_operators(
                waves.frequency_radps, relative, config.deck.length_m, config.deck.width_m, config.motion
            )
            self._seas.append(_SeaField.build(waves, *gains))
        self._north = _Wander.build(keep.position_sigma_m, keep.shortest_period_s, keep.longest_period_s, rng)
        self._east = _Wander.build(keep.position_sigma_m, keep.shortest_period_s, keep.longest_period_s, rng)
        self._yaw = _Wander.build(keep.heading_sigma_deg, keep.shortest_period_s, keep.longest_period_s, rng)
        self.wind = WindField.from_profile(
            config.wind.altitude_m,
            config.wind.speed_mps,
            config.wind.direction_from_deg,
            config.wind.gust_sigma_mps,
            config.wind.gust_top_altitude_m,
            vehicle_count=1,
            seed=int(rng.integers(2**31)),
        )
        self.nominal_center_ecef_m = geodetic_to_ecef(
            pos.latitude_deg, pos.longitude_deg, pos.deck_height_m, earth
        )
        self._ned = ned_basis(pos.latitude_deg, pos.longitude_deg)  # rows north, east, down

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def kind(self) -> PlatformKind:
        return self.config.kind

    @property
    def highest_point_m(self) -> float:
        half_diagonal = math.hypot(self.config.deck.length_m, self.config.deck.width_m) / 2.0
        highest_hs_m = max(
            [self.sea.significant_wave_height_m]
            + [change.sea.significant_wave_height_m for change in self.conditions.sea]
        )
        # Heave and tilt can lift a deck corner; 3 x Hs and 15° bound anything this model produces.
        return (
            self.config.position.deck_height_m
            + 3.0 * highest_hs_m
            + half_diagonal * math.sin(math.radians(15.0))
        )

    def _six(self, time_s: FloatArray) -> FloatArray:
        """The six deck responses of the sea in force at each time (crossfading between records)."""
        seas, changes = self._seas, self.conditions.sea
        if not changes or time_s.size == 0:
            return seas[0].six(time_s)
        earliest, latest = float(time_s.min()), float(time_s.max())
        # Records faded out at every time asked for cost nothing: start from the last one in full force.
        first = 0
        for k, change in enumerate(changes, start=1):
            if earliest >= change.at_s + change.ramp_s:
                first = k
        six = seas[first].six(time_s)
        for k in range(first + 1, len(seas)):
            change = changes[k - 1]
            if latest < change.at_s:
                break
            keep, take, keep_rate, take_rate = crossfade(time_s, change.at_s, change.ramp_s)
            new = seas[k].six(time_s)
            mixed = keep[:, None] * six + take[:, None] * new
            # The weights' own rates carry the values (heave, pitch, roll) into their rates' columns.
            mixed[:, 1::2] += keep_rate[:, None] * six[:, 0::2] + take_rate[:, None] * new[:, 0::2]
            six = mixed
        return six

    def motion(self, time_s: ArrayLike) -> DeckMotion:
        t = np.asarray(time_s, dtype=np.float64)
        # Pitch and roll follow the wave slope, a quarter period away from the elevation (heave).
        six = self._six(t.reshape(-1))
        heave, heave_rate, pitch, pitch_rate, roll, roll_rate = (six[:, k].reshape(t.shape) for k in range(6))
        north, east, north_rate, east_rate, heading, yaw_rate = self._station(t)
        return DeckMotion(
            heave_m=heave,
            heave_rate_mps=heave_rate,
            pitch_deg=pitch,
            pitch_rate_dps=pitch_rate,
            roll_deg=roll,
            roll_rate_dps=roll_rate,
            offset_north_m=north,
            offset_east_m=east,
            drift_north_mps=north_rate,
            drift_east_mps=east_rate,
            heading_deg=heading,
            yaw_rate_dps=yaw_rate,
        )

    def _station(self, t: FloatArray) -> _Six:
        """Station keeping at times ``t``: offset north and east (m), their rates, heading (deg) and its
        rate; the motion's fields of the same names, without the sea."""
        north, north_rate = self._north.value_and_rate(t)
        east, east_rate = self._east.value_and_rate(t)
        if self.conditions.moves:
            off_north, off_east, off_north_rate, off_east_rate = station_offset_m(self.conditions.moves, t)
            north, east = north + off_north, east + off_east
            north_rate, east_rate = north_rate + off_north_rate, east_rate + off_east_rate
        yaw, yaw_rate = self._yaw.value_and_rate(t)
        return north, east, north_rate, east_rate, (self.config.position.heading_deg + yaw) % 360.0, yaw_rate

    def center_ecef_m(self, m: DeckMotion) -> FloatArray:
        """The deck centre (ECEF, rows) for a ``motion``: what ``pose`` gives, without the axes and rates
        (a platform's sensor box needs only this and the motion, at every sentence)."""
        offset_ned = np.stack([m.offset_north_m, m.offset_east_m, -m.heave_m], axis=-1)
        center: FloatArray = self.nominal_center_ecef_m + offset_ned @ self._ned
        return center

    def velocity_ecef_mps(self, m: DeckMotion) -> FloatArray:
        """The deck centre's velocity (ECEF, rows) for a ``motion``: what ``pose`` gives."""
        rate_ned = np.stack([m.drift_north_mps, m.drift_east_mps, -m.heave_rate_mps], axis=-1)
        velocity: FloatArray = rate_ned @ self._ned
        return velocity

    def pose(self, time_s: ArrayLike) -> DeckPose:
        m = self.motion(time_s)
        to_ecef = self._ned.T  # columns north, east, down
        forward, starboard, down = deck_axes_ned(m.heading_deg, m.pitch_deg, m.roll_deg)
        # Small-angle body rates are ample for the sub-degree-per-second motions here.
        omega_ned = (
            np.radians(m.roll_rate_dps)[..., None] * forward
            + np.radians(m.pitch_rate_dps)[..., None] * starboard
            + np.radians(m.yaw_rate_dps)[..., None] * down
        )
        return DeckPose(
            m,
            self.center_ecef_m(m),
            self.velocity_ecef_mps(m),
            forward @ to_ecef.T,
            starboard @ to_ecef.T,
            -down @ to_ecef.T,
            omega_ned @ to_ecef.T,
        )

    def contact_height_m(self, time_s: FloatArray, point_ecef_m: FloatArray) -> tuple[FloatArray, BoolArray]:
        pose = self.pose(time_s)
        rel = point_ecef_m - pose.center_ecef_m
        height = np.sum(rel * pose.normal_ecef, axis=-1)
        along = np.sum(rel * pose.forward_ecef, axis=-1)
        across = np.sum(rel * pose.starboard_ecef, axis=-1)
        inside = (np.abs(along) <= self.config.deck.length_m / 2) & (
            np.abs(across) <= self.config.deck.width_m / 2
        )
        return height, np.asarray(inside, dtype=np.bool_)

    def touchdown_report(
        self,
        time_s: float,
        position_ecef_m: FloatArray,
        velocity_ecef_mps: FloatArray,
        body_axis_ecef: FloatArray,
        gear: LandingGearConfig,
    ) -> TouchdownReport:
        pose = self.pose(np.array([time_s]))
        rel = position_ecef_m - pose.center_ecef_m[0]
        normal = pose.normal_ecef[0]
        deck_point_velocity = pose.velocity_ecef_mps[0] + np.cross(pose.angular_velocity_ecef_radps[0], rel)
        relative = velocity_ecef_mps - deck_point_velocity
        vertical = -float(relative @ normal)
        horizontal = float(np.linalg.norm(relative + vertical * normal))
        tilt = math.degrees(math.acos(float(np.clip(body_axis_ecef @ normal, -1.0, 1.0))))
        miss = math.hypot(float(rel @ pose.forward_ecef[0]), float(rel @ pose.starboard_ecef[0]))
        if horizontal > gear.max_horizontal_speed_mps or tilt > gear.max_tilt_deg:
            outcome = TouchdownOutcome.TIPPED_OVER
        elif vertical > gear.max_vertical_speed_mps:
            outcome = TouchdownOutcome.HARD
        else:
            outcome = TouchdownOutcome.SOFT
        return TouchdownReport(time_s, vertical, horizontal, tilt, miss, outcome)

    def wind_over_deck(self, time_s: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Apparent wind at the deck anemometer: speed (m/s) and angle off the bow it blows from (deg,
        clockwise, as an MWV 'relative' reading)."""
        t = np.asarray(time_s, dtype=np.float64)
        height = np.full_like(t, self.config.position.deck_height_m + ANEMOMETER_HEIGHT_ABOVE_DECK_M)
        north, east = self.wind.wind_ned_mps(t, height)
        if self.conditions.wind:
            # A new surface wind replaces the profile's mean at the anemometer; the gusts stay.
            wind = self.wind
            base_north = np.interp(height, wind.profile_altitude_m, wind.profile_north_mps)
            base_east = np.interp(height, wind.profile_altitude_m, wind.profile_east_mps)
            mean_north, mean_east = mean_wind_ned_mps(self.conditions.wind, base_north, base_east, t)
            north, east = north + (mean_north - base_north), east + (mean_east - base_east)
        # The platform's drift and heading only: the sea does not move the anemometer here.
        _, _, drift_north, drift_east, heading, _ = self._station(t)
        apparent_north = north - drift_north
        apparent_east = east - drift_east
        speed = np.hypot(apparent_north, apparent_east)
        from_deg = np.degrees(np.arctan2(-apparent_east, -apparent_north))
        return speed, (from_deg - heading) % 360.0
