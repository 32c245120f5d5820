"""SITL sensor models: the physics' truth turned into what the flight computer's sensors would report.

IMU (specific force, angular rate, the INS attitude), GNSS, baro, chamber pressures, tank gauges,
hold-down clamps and leg contact from the vehicle state, and each platform's own broadcast of its
deck (GNSS + MRU) from the platform's pose. Every channel gets a constant bias drawn once per run
and white noise per sample from one seeded generator, so a run is repeatable. A deck broadcast's
noise is drawn when it is due, but its pose is worked out only when the flight computer first reads
it (it reads the target's deck in flight, not on the pad): the same numbers, the same draws.
Levels come from the ``[sensors]`` table of ``configs/flight_software/<name>.toml``. Knows nothing
of the flight software's internals: it only builds ``SensorFrame`` values.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import overload

import numpy as np
from numpy.typing import NDArray

from firmware_sim.firmware import geometry as geo
from firmware_sim.firmware.frames import DeckSample, GnssSample, ImuSample, SensorFrame
from firmware_sim.firmware.geometry import frame_acceleration_ecef
from firmware_sim.physics.engine import EngineMode
from firmware_sim.physics.platform import Platform
from firmware_sim.physics.vehicle import VehicleModel, VehicleState, VehicleStatus

FloatArray = NDArray[np.float64]
_OMEGA_EARTH = np.array([0.0, 0.0, geo.ROTATION_RATE_RADPS])
_AT_REST = (int(VehicleStatus.ON_PAD), int(VehicleStatus.LANDED), int(VehicleStatus.SPLASHED))
_CONTACT = (int(VehicleStatus.LANDED), int(VehicleStatus.SPLASHED))
_ENGINE_OFF = int(EngineMode.OFF)


@dataclass(frozen=True, slots=True)
class SensorConfig:
    """1-sigma noise per sample and 1-sigma of the constant bias drawn per run, per channel."""

    accel_noise_mps2: float = 0.02
    accel_bias_mps2: float = 0.005
    gyro_noise_radps: float = 0.0002
    gyro_bias_radps: float = 0.00002
    attitude_noise_deg: float = 0.02
    attitude_bias_deg: float = 0.02
    gnss_position_noise_m: float = 0.3
    gnss_position_bias_m: float = 0.2
    gnss_velocity_noise_mps: float = 0.03
    baro_noise_m: float = 0.5
    baro_bias_m: float = 2.0
    baro_top_m: float = 80_000.0  # no reading above this
    chamber_pressure_noise_fraction: float = 0.005
    tank_mass_noise_fraction: float = 0.002
    deck_position_noise_m: float = 0.2
    deck_height_noise_m: float = 0.05
    deck_velocity_noise_mps: float = 0.03
    deck_attitude_noise_deg: float = 0.05

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not (math.isfinite(value) and value >= 0.0):
                raise ValueError(f"sensors.{f.name} must be a finite number >= 0, got {value}")

    @classmethod
    def noiseless(cls) -> SensorConfig:
        return cls(**{f.name: 0.0 for f in dataclasses.fields(cls) if f.name != "baro_top_m"})


def load_sensor_config(path: Path | str) -> SensorConfig:
    """The ``[sensors]`` table of a flight-software config (defaults where it is missing).

    Raises:
        ValueError: for an unreadable file, an unknown key or a bad value, naming the file.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            table = tomllib.load(fh).get("sensors", {})
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read sensor config: {exc}") from exc
    known = {f.name for f in dataclasses.fields(SensorConfig)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ValueError(f"{path}: sensors.{unknown[0]}: unknown key")
    try:
        return SensorConfig(**{k: float(v) for k, v in table.items()})
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from None


@dataclass(frozen=True, slots=True)
class _Biases:
    accel: FloatArray
    gyro: FloatArray
    attitude: FloatArray  # rotation vector, body axes (rad)
    gnss_ned: FloatArray
    baro_m: float
    decks: dict[str, FloatArray]  # per platform: north, east, up (m)


class SensorModel:
    """Builds one vehicle's ``SensorFrame`` per tick (vehicle 0 of a physics fleet).

    The IMU reports the mean specific force over the last tick (the velocity change less gravity and
    the frame terms), as a delta-velocity IMU does. Platforms broadcast their deck every
    ``deck_period_s``; between broadcasts the flight computer sees the last one, with its time.
    """

    def __init__(
        self,
        config: SensorConfig,
        model: VehicleModel,
        platforms: Sequence[Platform],
        chamber_pressure_nominal_pa: float,
        seed: int,
        deck_period_s: float = 0.1,
    ) -> None:
        self.config = config
        self.model = model
        self.platforms = tuple(platforms)
        self.chamber_pressure_nominal_pa = chamber_pressure_nominal_pa
        self.deck_period_s = deck_period_s
        self._decks: dict[str, _Broadcast] = {}
        self._rng = np.random.default_rng(seed)
        rng = self._rng
        c = config
        self._bias = _Biases(
            rng.normal(0.0, c.accel_bias_mps2, 3),
            rng.normal(0.0, c.gyro_bias_radps, 3),
            rng.normal(0.0, math.radians(c.attitude_bias_deg), 3),
            rng.normal(0.0, c.gnss_position_bias_m, 3),
            float(rng.normal(0.0, c.baro_bias_m)),
            {
                p.name: rng.normal(0.0, c.deck_position_noise_m, 3) * np.array([1.0, 1.0, 0.0])
                for p in platforms
            },
        )

    def frame(self, state: VehicleState, previous: VehicleState | None, clamps_closed: bool) -> SensorFrame:
        """What the sensors read at the state's instant (vehicle 0), ``previous`` being the last tick's."""
        c = self.config
        rng = self._rng
        bias = self._bias
        q = state.attitude_ecef_from_body[0]
        status = int(state.status[0])
        position = state.position_ecef_m[0]
        at_rest = status in _AT_REST
        # A vehicle at rest is frozen by the physics with its contact velocity; it is not moving.
        velocity = np.zeros(3) if at_rest else state.velocity_ecef_mps[0]
        if at_rest or previous is None or state.time_s <= previous.time_s:
            # Held by a pad or deck (or the sea): the support cancels gravity, which the IMU feels.
            sensed_ecef = -frame_acceleration_ecef(position, velocity)
        else:
            dt = state.time_s - previous.time_s
            p0, v0 = previous.position_ecef_m[0], previous.velocity_ecef_mps[0]
            mean_frame = 0.5 * (frame_acceleration_ecef(p0, v0) + frame_acceleration_ecef(position, velocity))
            sensed_ecef = (velocity - v0) / dt - mean_frame
        q_body_from_ecef = geo.quat_conjugate(q)
        force_body = (
            geo.quat_rotate(q_body_from_ecef, sensed_ecef)
            + bias.accel
            + rng.normal(0.0, c.accel_noise_mps2, 3)
        )
        inertial_rate = state.body_rate_ecef_radps[0] + _OMEGA_EARTH
        rate_body = (
            geo.quat_rotate(q_body_from_ecef, inertial_rate)
            + bias.gyro
            + rng.normal(0.0, c.gyro_noise_radps, 3)
        )
        attitude_error = bias.attitude + rng.normal(0.0, math.radians(c.attitude_noise_deg), 3)
        q_measured = geo.quat_normalize(geo.quat_multiply(q, geo.quat_from_rotation_vector(attitude_error)))

        lat, lon, alt = geo.ecef_to_geodetic(position)
        basis = geo.ned_basis(lat, lon)
        offset_ned = bias.gnss_ned + rng.normal(0.0, c.gnss_position_noise_m, 3)
        gnss = GnssSample(
            True,
            lat + math.degrees(offset_ned[0] / geo.EQUATORIAL_RADIUS_M),
            lon
            + math.degrees(
                offset_ned[1] / (geo.EQUATORIAL_RADIUS_M * max(math.cos(math.radians(lat)), 1e-6))
            ),
            alt - float(offset_ned[2]),
            _t3(basis @ velocity + rng.normal(0.0, c.gnss_velocity_noise_mps, 3)),
        )
        baro = alt + bias.baro_m + float(rng.normal(0.0, c.baro_noise_m)) if alt < c.baro_top_m else None

        engines = self.model.config.engine.count
        lit = int(state.engines_lit[0])
        pressures = [0.0] * engines
        if int(state.engine_mode[0]) != _ENGINE_OFF and lit > 0:
            per_engine = float(state.thrust_fraction[0]) * engines / lit
            for i in range(min(lit, engines)):
                noise = 1.0 + float(rng.normal(0.0, c.chamber_pressure_noise_fraction))
                pressures[i] = max(per_engine * self.chamber_pressure_nominal_pa * noise, 0.0)
        tank_noise = c.tank_mass_noise_fraction
        return SensorFrame(
            time_s=state.time_s,
            imu=ImuSample(_t3(force_body), _t3(rate_body), _q4(q_measured)),
            gnss=gnss,
            baro_altitude_m=baro,
            chamber_pressure_pa=tuple(pressures),
            lox_mass_kg=float(state.lox_mass_kg[0]) * (1.0 + float(rng.normal(0.0, tank_noise))),
            ch4_mass_kg=float(state.ch4_mass_kg[0]) * (1.0 + float(rng.normal(0.0, tank_noise))),
            decks=self._broadcasts(state.time_s),
            clamps_closed=clamps_closed,
            touchdown_contact=status in _CONTACT,
        )

    def _broadcasts(self, time_s: float) -> _Broadcasts:
        for platform in self.platforms:
            last = self._decks.get(platform.name)
            if last is None or time_s - last.time_s >= self.deck_period_s - 1e-9:
                self._decks[platform.name] = self._broadcast(platform, time_s)
        return _Broadcasts(tuple(self._decks.values()))

    def _broadcast(self, platform: Platform, time_s: float) -> _Broadcast:
        """The platform's broadcast due now: its noise drawn now, in the order ``_deck_sample`` adds it."""
        c = self.config
        rng = self._rng
        return _Broadcast(
            self._deck_sample,
            platform,
            time_s,
            _DeckNoise(
                rng.normal(0.0, c.deck_position_noise_m, 3),
                rng.normal(0.0, c.deck_velocity_noise_mps, 3),
                float(rng.normal(0.0, c.deck_height_noise_m)),
                float(rng.normal(0.0, c.deck_attitude_noise_deg)),
                float(rng.normal(0.0, c.deck_attitude_noise_deg)),
            ),
        )

    def _deck_sample(self, platform: Platform, time_s: float, noise: _DeckNoise) -> DeckSample:
        """The platform's broadcast: its GNSS fix of the deck centre, its MRU's heave and attitude."""
        # The pose's centre, velocity and attitude only (``Platform.pose`` would add axes and rates).
        motion = platform.motion(np.array([time_s]))
        lat, lon, height = geo.ecef_to_geodetic(platform.center_ecef_m(motion)[0])
        basis = geo.ned_basis(lat, lon)
        offset = self._bias.decks[platform.name] + noise.position_m * np.array([1.0, 1.0, 0.0])
        velocity_ned = basis @ platform.velocity_ecef_mps(motion)[0] + noise.velocity_mps
        return DeckSample(
            platform_name=platform.name,
            sample_time_s=time_s,
            latitude_deg=lat + math.degrees(offset[0] / geo.EQUATORIAL_RADIUS_M),
            longitude_deg=lon
            + math.degrees(offset[1] / (geo.EQUATORIAL_RADIUS_M * max(math.cos(math.radians(lat)), 1e-6))),
            deck_altitude_m=height + noise.height_m,
            velocity_ned_mps=_t3(velocity_ned),
            heading_deg=float(motion.heading_deg[0]),
            roll_deg=float(motion.roll_deg[0]) + noise.roll_deg,
            pitch_deg=float(motion.pitch_deg[0]) + noise.pitch_deg,
            roll_rate_dps=float(motion.roll_rate_dps[0]),
            pitch_rate_dps=float(motion.pitch_rate_dps[0]),
        )


@dataclass(frozen=True, slots=True)
class _DeckNoise:
    """One broadcast's white noise (position north/east/up, velocity NED, height, roll, pitch)."""

    position_m: FloatArray
    velocity_mps: FloatArray
    height_m: float
    roll_deg: float
    pitch_deg: float


class _Broadcast:
    """A platform's broadcast due at ``time_s``; its sample is worked out when first read, then kept."""

    __slots__ = ("_build", "_noise", "_sample", "platform", "time_s")

    def __init__(
        self,
        build: Callable[[Platform, float, _DeckNoise], DeckSample],
        platform: Platform,
        time_s: float,
        noise: _DeckNoise,
    ) -> None:
        self._build = build
        self.platform = platform
        self.time_s = time_s
        self._noise = noise
        self._sample: DeckSample | None = None

    def sample(self) -> DeckSample:
        if self._sample is None:
            self._sample = self._build(self.platform, self.time_s, self._noise)
        return self._sample


class _Broadcasts(Sequence[DeckSample]):
    """The broadcasts heard, as ``SensorFrame.decks``: each sample is built when it is first read."""

    __slots__ = ("_items",)

    def __init__(self, items: tuple[_Broadcast, ...]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> DeckSample: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[DeckSample, ...]: ...

    def __getitem__(self, index: int | slice) -> DeckSample | tuple[DeckSample, ...]:
        if isinstance(index, slice):
            return tuple(item.sample() for item in self._items[index])
        return self._items[index].sample()

    def __iter__(self) -> Iterator[DeckSample]:
        return (item.sample() for item in self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"_Broadcasts({tuple(self)!r})"


def _t3(v: FloatArray) -> tuple[float, float, float]:
    return float(v[0]), float(v[1]), float(v[2])


def _q4(q: FloatArray) -> tuple[float, float, float, float]:
    return float(q[0]), float(q[1]), float(q[2]), float(q[3])
