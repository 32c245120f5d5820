"""The vehicle: its state, the commands it takes each tick, its model (config + Earth + air) and air data.

State and commands are frozen dataclasses of arrays shaped (N, ...): one call steps one vehicle or
N dispersed ones. The flight software is not here: a flight computer (or a test's open-loop law)
produces ``Commands``; this module only says what the vehicle is and what it feels. Knows nothing
of integration schemes, events or platforms.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from firmware_sim.physics import attitude as att
from firmware_sim.physics.aero import DragCurve, sutton_graves_heat_flux_w_per_m2
from firmware_sim.physics.atmosphere import AtmosphereTable, WindField
from firmware_sim.physics.config import VehicleConfig
from firmware_sim.physics.earth import (
    STANDARD_GRAVITY_MPS2,
    WGS84,
    EarthModel,
    approximate_height_m,
    ecef_to_geodetic,
    geodetic_to_ecef,
    gravity_ecef,
    ned_basis,
)
from firmware_sim.physics.engine import EngineMode, EngineModel

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


class VehicleStatus(enum.IntEnum):
    ON_PAD = 0  # held by the pad (clamps, or thrust below weight): does not move
    FLYING = 1
    LANDED = 2  # came to rest on a deck; frozen at touchdown
    SPLASHED = 3  # hit the sea; frozen at impact


_FLYING = int(VehicleStatus.FLYING)


@dataclass(frozen=True, slots=True)
class VehicleState:
    """Everything that persists between ticks, for N vehicles. Treat the arrays as read-only."""

    time_s: float
    status: IntArray
    position_ecef_m: FloatArray
    velocity_ecef_mps: FloatArray
    attitude_ecef_from_body: FloatArray
    body_rate_ecef_radps: FloatArray
    lox_mass_kg: FloatArray
    ch4_mass_kg: FloatArray
    inert_mass_kg: FloatArray
    thrust_fraction: FloatArray
    engine_mode: IntArray
    engines_lit: IntArray
    engines_failed: IntArray
    ignitions_used: IntArray
    heat_load_j_per_m2: FloatArray

    @property
    def count(self) -> int:
        return int(self.status.shape[0])

    @property
    def mass_kg(self) -> FloatArray:
        return self.inert_mass_kg + self.lox_mass_kg + self.ch4_mass_kg

    @property
    def active(self) -> BoolArray:
        """Vehicles still on the pad or in flight (not landed or splashed)."""
        return np.asarray(self.status <= _FLYING, dtype=np.bool_)

    def select(self, index: ArrayLike) -> VehicleState:
        """The sub-fleet at ``index`` (an index array or boolean mask)."""
        idx = np.asarray(index)
        values = {f.name: getattr(self, f.name)[idx] for f in dataclasses.fields(self) if f.name != "time_s"}
        return VehicleState(time_s=self.time_s, **values)


@dataclass(frozen=True, slots=True)
class Commands:
    """What the flight software asks for, held constant over one tick (arrays shaped (N, ...)).

    ``throttle`` is per lit engine (raised to the minimum throttle when lit); ``engines_lit`` 0
    shuts the cluster down; ``cutoff_in_s`` starts the shutdown that many seconds into the tick
    (``inf``: not this tick), as a sequencer timer would; ``gimbal_deg`` tilts the thrust towards
    body +y and +z; ``release_clamps`` lets the vehicle leave the pad once thrust exceeds weight.
    ``thrust_factor`` is not a command but a fault knob: what the engines deliver (chamber pressure,
    thrust and flow) as a fraction of what the throttle asks for (None: all of it).
    """

    throttle: FloatArray
    engines_lit: IntArray
    attitude_ecef_from_body: FloatArray
    gimbal_deg: FloatArray
    release_clamps: BoolArray
    cutoff_in_s: FloatArray
    thrust_factor: FloatArray | None = None

    def __post_init__(self) -> None:
        n = self.throttle.shape[0]
        shapes = {
            "engines_lit": (self.engines_lit.shape, (n,)),
            "attitude_ecef_from_body": (self.attitude_ecef_from_body.shape, (n, 4)),
            "gimbal_deg": (self.gimbal_deg.shape, (n, 2)),
            "release_clamps": (self.release_clamps.shape, (n,)),
            "cutoff_in_s": (self.cutoff_in_s.shape, (n,)),
        }
        if self.thrust_factor is not None:
            shapes["thrust_factor"] = (self.thrust_factor.shape, (n,))
        for name, (got, wanted) in shapes.items():
            if got != wanted:
                raise ValueError(f"Commands.{name} has shape {got}, expected {wanted} for {n} vehicles")

    @classmethod
    def hold(cls, state: VehicleState) -> Commands:
        """Keep the present attitude, engines as they are lit now at full throttle, clamps closed."""
        n = state.count
        return cls(
            throttle=np.ones(n),
            engines_lit=state.engines_lit.copy(),
            attitude_ecef_from_body=state.attitude_ecef_from_body.copy(),
            gimbal_deg=np.zeros((n, 2)),
            release_clamps=np.zeros(n, dtype=np.bool_),
            cutoff_in_s=np.full(n, math.inf),
        )


@dataclass(frozen=True, slots=True)
class Dispersions:
    """Per-vehicle multipliers on nominal performance (1.0 = nominal), arrays shaped (N,)."""

    thrust_scale: FloatArray
    isp_scale: FloatArray
    drag_scale: FloatArray

    @classmethod
    def nominal(cls, count: int) -> Dispersions:
        return cls(np.ones(count), np.ones(count), np.ones(count))

    @classmethod
    def sample(
        cls,
        count: int,
        seed: int,
        thrust_sigma: float = 0.01,
        isp_sigma: float = 0.003,
        drag_sigma: float = 0.05,
    ) -> Dispersions:
        """Gaussian scatter (1-sigma fractions) from a seeded generator."""
        rng = np.random.default_rng(seed)
        return cls(
            1.0 + thrust_sigma * rng.standard_normal(count),
            1.0 + isp_sigma * rng.standard_normal(count),
            np.maximum(1.0 + drag_sigma * rng.standard_normal(count), 0.0),
        )


@dataclass(frozen=True, slots=True)
class VehicleModel:
    """What stays fixed during a run: configuration, Earth, air, wind, engines, per-vehicle scatter."""

    config: VehicleConfig
    earth: EarthModel
    atmosphere: AtmosphereTable
    wind: WindField
    engine: EngineModel
    drag_curve: DragCurve
    drag_scale: FloatArray
    attitude_limits: att.AttitudeLimits

    @classmethod
    def build(
        cls,
        config: VehicleConfig,
        count: int = 1,
        earth: EarthModel = WGS84,
        atmosphere: AtmosphereTable | None = None,
        wind: WindField | None = None,
        dispersions: Dispersions | None = None,
    ) -> VehicleModel:
        disp = dispersions or Dispersions.nominal(count)
        if disp.thrust_scale.shape != (count,):
            raise ValueError(f"dispersions are for {disp.thrust_scale.shape[0]} vehicles, not {count}")
        air_wind = wind or WindField.calm(count)
        if air_wind.vehicle_count != count:
            raise ValueError(f"wind field is for {air_wind.vehicle_count} vehicles, not {count}")
        return cls(
            config,
            earth,
            atmosphere or _default_atmosphere(),
            air_wind,
            EngineModel.build(config.engine, config.propellant, disp.thrust_scale, disp.isp_scale),
            DragCurve.through(config.aero.mach, config.aero.drag_coefficient),
            disp.drag_scale,
            att.AttitudeLimits.from_config(config.attitude),
        )

    @property
    def count(self) -> int:
        return int(self.drag_scale.shape[0])

    def select(self, index: ArrayLike) -> VehicleModel:
        """The model of the sub-fleet at ``index``."""
        idx = np.asarray(index)
        engine = dataclasses.replace(
            self.engine,
            thrust_vacuum_total_n=self.engine.thrust_vacuum_total_n[idx],
            exit_area_total_m2=self.engine.exit_area_total_m2[idx],
            mass_flow_full_kg_per_s=self.engine.mass_flow_full_kg_per_s[idx],
        )
        wind = dataclasses.replace(
            self.wind,
            gust_phase_north_rad=self.wind.gust_phase_north_rad[:, idx],
            gust_phase_east_rad=self.wind.gust_phase_east_rad[:, idx],
        )
        return dataclasses.replace(self, engine=engine, wind=wind, drag_scale=self.drag_scale[idx])


@functools.cache
def _default_atmosphere() -> AtmosphereTable:
    # Building the table costs a few ms; every model of a run can share the one immutable copy.
    return AtmosphereTable.us76()


def attitude_from_ned(
    latitude_deg: ArrayLike, longitude_deg: ArrayLike, pitch_deg: ArrayLike, heading_deg: ArrayLike
) -> FloatArray:
    """Quaternion whose body x axis is pitched ``pitch_deg`` above the local horizon towards a heading.

    90° pitch is straight up. The body z axis lies in the vertical plane of the heading, which
    fixes the roll (irrelevant to this axisymmetric vehicle but telemetry shows it).
    """
    basis = ned_basis(latitude_deg, longitude_deg)
    north, east, down = basis[..., 0, :], basis[..., 1, :], basis[..., 2, :]
    pitch = np.radians(np.asarray(pitch_deg, dtype=np.float64))[..., None]
    heading = np.radians(np.asarray(heading_deg, dtype=np.float64))[..., None]
    horizontal = np.cos(heading) * north + np.sin(heading) * east
    x_axis = np.cos(pitch) * horizontal - np.sin(pitch) * down
    z_axis = np.sin(pitch) * horizontal + np.cos(pitch) * down
    y_axis = np.cross(z_axis, x_axis)
    return att.quat_from_axes(x_axis, y_axis, z_axis)


def initial_state(
    model: VehicleModel,
    position_ecef_m: ArrayLike,
    velocity_ecef_mps: ArrayLike,
    attitude_ecef_from_body: ArrayLike,
    status: VehicleStatus = VehicleStatus.FLYING,
    time_s: float = 0.0,
    lox_mass_kg: ArrayLike | None = None,
    ch4_mass_kg: ArrayLike | None = None,
    inert_mass_kg: ArrayLike | None = None,
) -> VehicleState:
    """A state for ``model.count`` vehicles, engines off, tanks as configured unless given."""
    n = model.count
    cfg = model.config

    def per_vehicle(value: ArrayLike | None, default: float) -> FloatArray:
        return np.broadcast_to(np.asarray(default if value is None else value, dtype=np.float64), (n,)).copy()

    def rows(value: ArrayLike, width: int) -> FloatArray:
        return np.broadcast_to(np.asarray(value, dtype=np.float64), (n, width)).copy()

    return VehicleState(
        time_s=time_s,
        status=np.full(n, int(status), dtype=np.int64),
        position_ecef_m=rows(position_ecef_m, 3),
        velocity_ecef_mps=rows(velocity_ecef_mps, 3),
        attitude_ecef_from_body=att.quat_normalize(rows(attitude_ecef_from_body, 4)),
        body_rate_ecef_radps=np.zeros((n, 3)),
        lox_mass_kg=per_vehicle(lox_mass_kg, cfg.propellant.lox_mass_kg),
        ch4_mass_kg=per_vehicle(ch4_mass_kg, cfg.propellant.ch4_mass_kg),
        inert_mass_kg=per_vehicle(inert_mass_kg, cfg.structure.dry_mass_kg + cfg.structure.cargo_mass_kg),
        thrust_fraction=np.zeros(n),
        engine_mode=np.full(n, int(EngineMode.OFF), dtype=np.int64),
        engines_lit=np.zeros(n, dtype=np.int64),
        engines_failed=np.zeros(n, dtype=np.int64),
        ignitions_used=np.zeros(n, dtype=np.int64),
        heat_load_j_per_m2=np.zeros(n),
    )


def state_on_pad(
    model: VehicleModel,
    latitude_deg: float,
    longitude_deg: float,
    deck_height_m: float,
    heading_deg: float = 0.0,
) -> VehicleState:
    """Vehicles standing upright on a pad, the base on the deck, engines off, tanks full."""
    up_axis_height_m = deck_height_m + model.config.structure.cg_height_above_base_m
    position = geodetic_to_ecef(latitude_deg, longitude_deg, up_axis_height_m, model.earth)
    attitude = attitude_from_ned(latitude_deg, longitude_deg, 90.0, heading_deg)
    return initial_state(model, position, np.zeros(3), attitude, VehicleStatus.ON_PAD)


@dataclass(frozen=True, slots=True)
class FlightConditions:
    """What the vehicle feels at one instant (telemetry, red lines, load and heating budgets)."""

    latitude_deg: FloatArray
    longitude_deg: FloatArray
    altitude_m: FloatArray
    velocity_ned_mps: FloatArray
    air_velocity_ecef_mps: FloatArray
    density_kg_per_m3: FloatArray
    ambient_pressure_pa: FloatArray
    mach: FloatArray
    dynamic_pressure_pa: FloatArray
    angle_of_attack_deg: FloatArray
    thrust_n: FloatArray
    isp_s: FloatArray
    mass_kg: FloatArray
    axial_load_g: FloatArray
    normal_load_g: FloatArray
    sensed_acceleration_ecef_mps2: FloatArray
    heat_flux_w_per_m2: FloatArray


def flight_conditions(
    model: VehicleModel, state: VehicleState, gimbal_deg: ArrayLike | None = None
) -> FlightConditions:
    """Air data, loads and heating at the state's instant (exact geodetic, US76 table, wind field).

    Load factors are the non-gravitational (sensed) acceleration along and across the body axis in
    units of standard gravity: what an accelerometer on the centreline would read.
    """
    cfg = model.config
    position = state.position_ecef_m
    geo = ecef_to_geodetic(position, model.earth)
    # Air data at the dynamics' own height (along the radius) so that both see the same air.
    altitude = approximate_height_m(position, model.earth)
    basis = ned_basis(geo.latitude_deg, geo.longitude_deg)
    velocity_ned = np.einsum("nij,nj->ni", basis, state.velocity_ecef_mps)
    wind_north, wind_east = model.wind.wind_ned_mps(np.full(state.count, state.time_s), altitude)
    wind_ecef = wind_north[:, None] * basis[:, 0, :] + wind_east[:, None] * basis[:, 1, :]
    air_velocity = state.velocity_ecef_mps - wind_ecef
    speed = np.linalg.norm(air_velocity, axis=1)
    density = model.atmosphere.density(altitude)
    pressure = model.atmosphere.pressure(altitude)
    mach = speed / model.atmosphere.speed_of_sound(altitude)
    q = 0.5 * density * speed**2
    body_x = att.body_x_axis(state.attitude_ecef_from_body)
    cos_alpha = np.clip(np.sum(body_x * air_velocity, axis=1) / np.maximum(speed, 1e-9), -1.0, 1.0)
    air_dir = air_velocity / np.maximum(speed, 1e-9)[:, None]
    mass = state.mass_kg
    drag_coefficient = model.drag_curve(mach) * model.drag_scale
    area = cfg.structure.reference_area_m2
    aero = -(q * area * drag_coefficient)[:, None] * air_dir + (
        q * area * cfg.aero.normal_force_slope_per_rad * cos_alpha
    )[:, None] * (body_x - cos_alpha[:, None] * air_dir)
    lit_fraction = state.engines_lit / cfg.engine.count
    thrust = model.engine.thrust_n(state.thrust_fraction, lit_fraction, pressure)
    thrust_dir = att.quat_rotate(
        state.attitude_ecef_from_body, _gimbal_direction(model, gimbal_deg, state.count)
    )
    sensed = (thrust[:, None] * thrust_dir + aero) / mass[:, None]
    axial = np.sum(sensed * body_x, axis=1)
    normal = np.linalg.norm(sensed - axial[:, None] * body_x, axis=1)
    mass_flow = state.thrust_fraction * model.engine.mass_flow_full_kg_per_s
    isp = np.where(mass_flow > 0, thrust / np.maximum(mass_flow, 1e-300) / STANDARD_GRAVITY_MPS2, 0.0)
    heat = sutton_graves_heat_flux_w_per_m2(density, speed, cfg.structure.nose_radius_m)
    return FlightConditions(
        geo.latitude_deg,
        geo.longitude_deg,
        geo.height_m,
        velocity_ned,
        air_velocity,
        density,
        pressure,
        mach,
        q,
        np.degrees(np.arccos(cos_alpha)),
        thrust,
        isp,
        mass,
        axial / STANDARD_GRAVITY_MPS2,
        normal / STANDARD_GRAVITY_MPS2,
        sensed,
        heat,
    )


def gravity_and_frame_acceleration(model: VehicleModel, state: VehicleState) -> FloatArray:
    """Gravity plus centrifugal and Coriolis accelerations in ECEF (the readable form of the dynamics)."""
    omega = np.array([0.0, 0.0, model.earth.rotation_rate_radps])
    position = state.position_ecef_m
    return np.asarray(
        gravity_ecef(position, model.earth)
        - np.cross(omega, np.cross(omega, position))
        - 2.0 * np.cross(omega, state.velocity_ecef_mps),
        dtype=np.float64,
    )


def gimbal_direction_body(gimbal_deg: FloatArray, limit_deg: float) -> FloatArray:
    """Unit thrust direction in body axes for gimbal angles (N, 2), the tilt clipped to the limit."""
    g = np.radians(np.asarray(gimbal_deg, dtype=np.float64))
    tilt = np.hypot(g[:, 0], g[:, 1])
    clipped = np.minimum(tilt, math.radians(limit_deg))
    scale = np.where(tilt > 0, np.sin(clipped) / np.where(tilt > 0, tilt, 1.0), 0.0)
    return np.stack([np.cos(clipped), g[:, 0] * scale, g[:, 1] * scale], axis=1)


def _gimbal_direction(model: VehicleModel, gimbal_deg: ArrayLike | None, count: int) -> FloatArray:
    g = (
        np.zeros((count, 2))
        if gimbal_deg is None
        else np.broadcast_to(np.asarray(gimbal_deg, float), (count, 2))
    )
    return gimbal_direction_body(g, model.config.engine.gimbal_limit_deg)
