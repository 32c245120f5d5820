"""Stepping: one call steps one vehicle or many alike, deterministically; pads, liftoff and events."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from firmware_sim.physics.atmosphere import WindField
from firmware_sim.physics.config import PlatformConfig, VehicleConfig
from firmware_sim.physics.earth import approximate_height_m, geodetic_to_ecef, ned_vector_to_ecef
from firmware_sim.physics.engine import EngineMode
from firmware_sim.physics.events import EventKind
from firmware_sim.physics.integrator import Integrator
from firmware_sim.physics.reference_trajectory import Flight, HopProgram, OpenLoopHop, fly
from firmware_sim.physics.vehicle import (
    Commands,
    Dispersions,
    VehicleModel,
    VehicleState,
    VehicleStatus,
    attitude_from_ned,
    flight_conditions,
    gravity_and_frame_acceleration,
    initial_state,
    state_on_pad,
)


def _fleet(cargo: VehicleConfig, launch: PlatformConfig, count: int) -> tuple[VehicleModel, VehicleState]:
    w = launch.wind
    wind = WindField.from_profile(
        w.altitude_m,
        w.speed_mps,
        w.direction_from_deg,
        w.gust_sigma_mps,
        w.gust_top_altitude_m,
        count,
        seed=5,
    )
    model = VehicleModel.build(cargo, count, wind=wind, dispersions=Dispersions.sample(count, seed=9))
    pos = launch.position
    return model, state_on_pad(model, pos.latitude_deg, pos.longitude_deg, pos.deck_height_m)


def _ascent(
    model: VehicleModel,
    state: VehicleState,
    launch: PlatformConfig,
    seconds: float,
    ticks: tuple[float, ...] | None = None,
) -> Flight:
    program = HopProgram(launch.position.latitude_deg, launch.position.longitude_deg, 44.0)
    return fly(Integrator(model), OpenLoopHop(model, program), state, seconds, ticks)


def test_a_fleet_steps_like_its_members_alone(cargo: VehicleConfig, launch_platform: PlatformConfig) -> None:
    """Vehicle i of a 3-vehicle fleet flies (to 1 mm) as it does alone on the same ticks: through
    ignition, liftoff, wind gusts, max q and throttling, for 90 s of ascent."""
    model, state = _fleet(cargo, launch_platform, 3)
    fleet = _ascent(model, state, launch_platform, 90.0)
    assert np.all(fleet.state.status == VehicleStatus.FLYING)
    for i in range(3):
        alone = _ascent(model.select([i]), state.select([i]), launch_platform, 90.0, fleet.tick_durations_s)
        np.testing.assert_allclose(alone.state.position_ecef_m[0], fleet.state.position_ecef_m[i], atol=1e-3)
        np.testing.assert_allclose(
            alone.state.velocity_ecef_mps[0], fleet.state.velocity_ecef_mps[i], atol=1e-6
        )
    assert len({float(x) for x in fleet.state.position_ecef_m[:, 2]}) == 3  # dispersed: all different


def test_same_seed_same_flight(cargo: VehicleConfig, launch_platform: PlatformConfig) -> None:
    model, state = _fleet(cargo, launch_platform, 2)
    a = _ascent(model, state, launch_platform, 20.0)
    b = _ascent(model, state, launch_platform, 20.0)
    np.testing.assert_array_equal(a.state.position_ecef_m, b.state.position_ecef_m)
    assert a.events == b.events


def test_the_pad_holds_until_released_and_thrust_beats_weight(
    cargo: VehicleConfig, launch_platform: PlatformConfig
) -> None:
    model, state = _fleet(cargo, launch_platform, 1)
    integrator = Integrator(model)
    light = dataclasses.replace(Commands.hold(state), engines_lit=np.array([9]))
    held = integrator.advance(state, light, 3.0)
    assert held.state.status[0] == VehicleStatus.ON_PAD
    assert held.state.engine_mode[0] == EngineMode.RUNNING
    np.testing.assert_array_equal(held.state.position_ecef_m, state.position_ecef_m)
    assert [e.kind for e in held.events] == [EventKind.IGNITION]
    low = dataclasses.replace(light, throttle=np.array([0.4]))
    throttled_back = integrator.advance(held.state, low, 2.0)
    low_released = dataclasses.replace(low, release_clamps=np.array([True]))
    throttled_back = integrator.advance(throttled_back.state, low_released, 1.0)  # 40% is below the weight
    assert throttled_back.state.status[0] == VehicleStatus.ON_PAD
    go = dataclasses.replace(light, release_clamps=np.array([True]))
    released = integrator.advance(throttled_back.state, go, 2.0)
    (liftoff,) = [e for e in released.events if e.kind is EventKind.LIFTOFF]
    assert released.state.status[0] == VehicleStatus.FLYING
    assert 3.0 + 3.0 < liftoff.time_s < 8.0  # once the slew back up beats the weight
    climb = approximate_height_m(released.state.position_ecef_m) - approximate_height_m(state.position_ecef_m)
    assert 0.0 < float(climb[0]) < 5.0


def test_the_hop_vehicle_flies_a_hop(hop: VehicleConfig, launch_platform: PlatformConfig) -> None:
    """YXZ-1 on full throttle for 40 s then cut: lifts off, reaches apogee, splashes; events in order
    and MECO exactly where the timed cutoff plus the tail-off put it."""
    model = VehicleModel.build(hop, 1)
    pos = launch_platform.position
    state = state_on_pad(model, pos.latitude_deg, pos.longitude_deg, pos.deck_height_m)
    integrator = Integrator(model)
    events = []
    for _ in range(600):
        t = state.time_s
        commands = dataclasses.replace(
            Commands.hold(state),
            engines_lit=np.array([1 if t < 40.0 else 0]),
            release_clamps=np.array([t >= 2.5]),
            cutoff_in_s=np.array([0.25 if 39.5 <= t < 40.0 else np.inf]),
        )
        result = integrator.advance(state, commands, 0.5)
        events += list(result.events)
        state = result.state
        if not state.active[0]:
            break
    kinds = [e.kind for e in events]
    assert kinds == [
        EventKind.IGNITION,
        EventKind.LIFTOFF,
        EventKind.MECO,
        EventKind.APOGEE,
        EventKind.SPLASHDOWN,
    ]
    meco = events[2]
    assert meco.time_s == pytest.approx(39.75 + hop.engine.shutdown_ramp_s, abs=1e-9)
    conditions = flight_conditions(model, state)
    assert state.status[0] == VehicleStatus.SPLASHED
    assert float(conditions.altitude_m[0]) < 30.0
    apogee = events[3]
    assert apogee.position_ecef_m is not None
    assert 2_000.0 < float(approximate_height_m(np.array(apogee.position_ecef_m))) < 20_000.0


def test_flight_conditions_at_max_q(cargo: VehicleConfig, launch_platform: PlatformConfig) -> None:
    """Air data and loads of the ascent are in the range a launcher sees (domain.md §1.3)."""
    model, state = _fleet(cargo, launch_platform, 1)
    program = HopProgram(launch_platform.position.latitude_deg, launch_platform.position.longitude_deg, 44.0)
    law, integrator = OpenLoopHop(model, program), Integrator(model)
    peak_q, peak_axial, peak_heat = 0.0, 0.0, 0.0
    while state.time_s < 120.0:
        state = integrator.advance(state, law.commands(state), 1.0).state
        c = flight_conditions(model, state)
        if float(c.dynamic_pressure_pa[0]) > peak_q:
            peak_q, q_mach = float(c.dynamic_pressure_pa[0]), float(c.mach[0])
        peak_axial = max(peak_axial, float(c.axial_load_g[0]))
        peak_heat = max(peak_heat, float(c.heat_flux_w_per_m2[0]))
    assert 15_000.0 < peak_q < 45_000.0
    assert 1.0 < q_mach < 2.5
    assert 1.2 < peak_axial < 5.5
    assert float(c.normal_load_g[0]) < 0.5
    assert peak_heat > 0.0
    assert float(c.isp_s[0]) > cargo.engine.isp_sea_level_s


def test_sizes_must_match(cargo: VehicleConfig, launch_platform: PlatformConfig) -> None:
    model, state = _fleet(cargo, launch_platform, 2)
    with pytest.raises(ValueError, match="vehicles"):
        Integrator(model).advance(state.select([0]), Commands.hold(state.select([0])), 1.0)
    with pytest.raises(ValueError, match="duration"):
        Integrator(model).advance(state, Commands.hold(state), 0.0)


def test_flight_conditions_agree_with_the_dynamics(cargo: VehicleConfig) -> None:
    """Sensed acceleration + gravity and frame terms = the integrated acceleration, with thrust, back
    pressure, drag, normal force and wind all acting (30° angle of attack): to 2e-4 m/s², the error
    of a 1 ms forward difference."""
    w = WindField.from_profile([0.0, 30_000.0], [30.0, 30.0], [250.0, 250.0], 0.0, 1.0, 1, seed=1)
    model = VehicleModel.build(cargo, 1, wind=w)
    position = geodetic_to_ecef(20.0, 60.0, 12_000.0)
    velocity = ned_vector_to_ecef([300.0, 0.0, -150.0], 20.0, 60.0)
    attitude = attitude_from_ned(20.0, 60.0, 60.0, 0.0)
    state = dataclasses.replace(
        initial_state(model, position, velocity, attitude),
        engine_mode=np.array([int(EngineMode.RUNNING)]),
        engines_lit=np.array([3]),
        thrust_fraction=np.array([3 * 0.8 / 9]),
    )
    commands = dataclasses.replace(Commands.hold(state), throttle=np.array([0.8]))
    conditions = flight_conditions(model, state)
    expected = conditions.sensed_acceleration_ecef_mps2[0] + gravity_and_frame_acceleration(model, state)[0]
    step = 1e-3
    moved = Integrator(model).advance(state, commands, step).state
    measured = (moved.velocity_ecef_mps[0] - state.velocity_ecef_mps[0]) / step
    np.testing.assert_allclose(measured, expected, rtol=0, atol=2e-4)
    assert 25.0 < float(conditions.angle_of_attack_deg[0]) < 40.0
    assert float(conditions.normal_load_g[0]) > 0.05
    assert float(conditions.altitude_m[0]) == pytest.approx(12_000.0, abs=1e-6)


def test_one_long_call_through_entry_matches_dense_steps(cargo: VehicleConfig) -> None:
    """A single 400 s advance from 300 km down into the sea: long coast steps stop at the coast
    floor by themselves, so the impact agrees with dense steps all the way (to 1 m)."""
    model = VehicleModel.build(cargo, 1)
    position = geodetic_to_ecef(30.0, -140.0, 300_000.0)
    velocity = ned_vector_to_ecef([4_000.0, 5_000.0, 2_400.0], 30.0, -140.0)
    retrograde = attitude_from_ned(30.0, -140.0, 20.0, 231.0)
    state = initial_state(model, position, velocity, retrograde)
    dense = dataclasses.replace(cargo.integration, coast_step_s=cargo.integration.step_s)
    impacts = []
    for settings in (cargo.integration, dense):
        result = Integrator(model, settings).advance(state, Commands.hold(state), 400.0)
        assert result.state.status[0] == VehicleStatus.SPLASHED
        impacts.append(result.state.position_ecef_m[0])
    assert float(np.linalg.norm(impacts[0] - impacts[1])) < 1.0
