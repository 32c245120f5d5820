"""Engine cluster: Isp against ambient pressure, throttle range, transients, ignitions, flame-out."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from firmware_sim.physics.atmosphere import AtmosphereTable
from firmware_sim.physics.config import VehicleConfig
from firmware_sim.physics.earth import WGS84, EarthModel, geodetic_to_ecef
from firmware_sim.physics.engine import (
    EngineMode,
    EngineModel,
    EnginePlan,
    EngineTickStart,
    apply_commands,
    plan_tick,
)
from firmware_sim.physics.events import EventKind
from firmware_sim.physics.integrator import Integrator
from firmware_sim.physics.vehicle import Commands, VehicleModel, attitude_from_ned, initial_state

ONE = np.ones(1)


def _engine(config: VehicleConfig) -> EngineModel:
    return EngineModel.build(config.engine, config.propellant, ONE, ONE)


def test_isp_against_ambient_pressure(hop: VehicleConfig) -> None:
    """The sea-level and vacuum Isp of the config come back exactly; thrust falls by p * A_exit."""
    engine = _engine(hop)
    assert float(engine.isp_s(np.array([0.0]))[0]) == pytest.approx(hop.engine.isp_vacuum_s, rel=1e-12)
    assert float(engine.isp_s(np.array([101_325.0]))[0]) == pytest.approx(
        hop.engine.isp_sea_level_s, rel=1e-12
    )
    sea_level = engine.thrust_n(ONE, ONE, np.array([101_325.0]))
    assert float(sea_level[0]) == pytest.approx(760_000.0 * 300.0 / 330.0, rel=1e-12)
    # At a sliver of throttle, back pressure would push: thrust is floored at zero instead.
    assert float(engine.thrust_n(np.array([0.01]), ONE, np.array([101_325.0]))[0]) == 0.0


def _plan(
    config: VehicleConfig,
    mode: EngineMode,
    fraction: float,
    throttle: float,
    lit: int,
    cutoff_s: float = math.inf,
    ignitions: int = 0,
    burn_limit_s: float = 1e9,
) -> tuple[EngineTickStart, EnginePlan]:
    engine = _engine(config)
    start = apply_commands(
        engine,
        np.array([int(mode)]),
        np.array([lit if mode != EngineMode.OFF else 0]),
        np.array([ignitions]),
        np.array([0]),
        np.array([burn_limit_s]),
        np.array([lit]),
    )
    return start, plan_tick(
        engine,
        start,
        np.array([fraction]),
        np.array([burn_limit_s]),
        np.array([throttle]),
        np.array([cutoff_s]),
    )


def test_ignition_ramp_min_throttle_and_slew(cargo: VehicleConfig) -> None:
    """Ignition ramps at 1/ignition_ramp_s; a throttle below the minimum is raised to it; throttle
    changes slew at throttle_slew_per_s; the thrust fraction counts lit engines of the cluster."""
    e = cargo.engine
    start, plan = _plan(cargo, EngineMode.OFF, 0.0, 0.1, lit=3)
    assert start.ignited[0]
    assert start.mode[0] == EngineMode.STARTING
    assert start.ignitions_used[0] == 1
    target = e.min_throttle * 3 / e.count
    fraction, slope, integral, kink = plan.at(np.array([0.1]))
    assert slope[0] == pytest.approx(1.0 / e.ignition_ramp_s)
    assert kink[0] == pytest.approx(target * e.ignition_ramp_s)
    fraction, slope, integral, _ = plan.at(np.array([5.0]))
    assert fraction[0] == pytest.approx(target)
    assert slope[0] == 0.0
    ramp = target * e.ignition_ramp_s
    assert integral[0] == pytest.approx(0.5 * target * ramp + target * (5.0 - ramp))
    assert plan.end_mode(5.0)[0] == EngineMode.RUNNING
    _, plan = _plan(cargo, EngineMode.RUNNING, 1.0, 0.5, lit=9)
    fraction, slope, _, kink = plan.at(np.array([0.2]))
    assert slope[0] == pytest.approx(-e.throttle_slew_per_s)
    assert kink[0] == pytest.approx(0.5 / e.throttle_slew_per_s)


def test_timed_cutoff_and_tail_off(cargo: VehicleConfig) -> None:
    """Shutdown starts at cutoff_in_s and thrust is gone shutdown_ramp_s x fraction later: MECO."""
    e = cargo.engine
    _, plan = _plan(cargo, EngineMode.RUNNING, 0.5, 0.5, lit=9, cutoff_s=0.3)
    meco = 0.3 + 0.5 * e.shutdown_ramp_s
    assert plan.cutoff_event_time_s(1.0)[0] == pytest.approx(meco)
    assert plan.at(np.array([meco + 1e-6]))[0][0] == 0.0
    assert plan.end_mode(1.0)[0] == EngineMode.OFF
    assert plan.end_mode(0.31)[0] == EngineMode.SHUTDOWN


def test_ignitions_run_out(hop: VehicleConfig) -> None:
    start, plan = _plan(hop, EngineMode.OFF, 0.0, 1.0, lit=1, ignitions=hop.engine.max_ignitions)
    assert start.refused[0]
    assert not start.ignited[0]
    assert not plan.any_thrust


def test_flame_out_when_a_tank_runs_dry(hop: VehicleConfig) -> None:
    """Thrust stops exactly when the first usable tank is empty; the other keeps its leftovers."""
    free = EarthModel(WGS84.equatorial_radius_m, WGS84.flattening, 0.0, 0.0, 0.0)
    model = VehicleModel.build(hop, 1, earth=free, atmosphere=AtmosphereTable.vacuum())
    position = geodetic_to_ecef(0.0, 0.0, 300e3, free)
    lox, ch4 = 3_000.0, 2_000.0  # far more methane than the 3.5 mixture ratio burns with this oxygen
    state = initial_state(
        model, position, np.zeros(3), attitude_from_ned(0.0, 0.0, 90.0, 0.0), lox_mass_kg=lox, ch4_mass_kg=ch4
    )
    integrator = Integrator(model)
    events = []
    for _ in range(30):
        commands = dataclasses.replace(Commands.hold(state), engines_lit=np.array([1]))
        result = integrator.advance(state, commands, 1.0)
        events += list(result.events)
        state = result.state
    kinds = [e.kind for e in events]
    assert EventKind.PROPELLANT_DEPLETION in kinds
    assert EventKind.MECO in kinds
    engine = model.engine
    usable_lox = lox - hop.propellant.unusable_fraction * hop.propellant.lox_mass_kg
    burn = usable_lox / (engine.mass_flow_full_kg_per_s[0] * engine.lox_share)
    ramp = hop.engine.ignition_ramp_s
    (meco,) = [e for e in events if e.kind is EventKind.MECO]
    assert meco.time_s == pytest.approx(burn + ramp / 2, rel=1e-12)  # the ramp burns half its time
    assert state.lox_mass_kg[0] == pytest.approx(lox - usable_lox, abs=1e-6)
    assert state.engine_mode[0] == EngineMode.OFF
    assert state.thrust_fraction[0] == 0.0
    refused = integrator.advance(
        state, dataclasses.replace(Commands.hold(state), engines_lit=np.array([1])), 1.0
    )
    assert [e.kind for e in refused.events] == [EventKind.IGNITION_REFUSED]


def test_failed_engines_cannot_be_lit(cargo: VehicleConfig) -> None:
    engine = _engine(cargo)
    start = apply_commands(
        engine, np.array([0]), np.array([0]), np.array([0]), np.array([7]), np.array([100.0]), np.array([9])
    )
    assert start.engines_lit[0] == 2
