"""The open-loop reference hop (bench and test fixture, not guidance) flies the 10,000 km hop."""

from __future__ import annotations

import numpy as np
import pytest

from firmware_sim.physics.config import PlatformConfig, VehicleConfig
from firmware_sim.physics.earth import ecef_to_geodetic, great_circle_distance_m
from firmware_sim.physics.events import EventKind
from firmware_sim.physics.integrator import Integrator
from firmware_sim.physics.reference_trajectory import HopProgram, OpenLoopHop, fly
from firmware_sim.physics.vehicle import VehicleModel, VehicleStatus, state_on_pad


def test_nominal_hop_comes_down_near_the_barge(
    cargo: VehicleConfig, launch_platform: PlatformConfig, barge: PlatformConfig
) -> None:
    """Calm air, nominal vehicle: within 100 km of the barge 10,000 km away, in 33-40 minutes, with
    burnout and apogee inside the domain.md §1.2 envelope of a (slightly depressed) hop."""
    launch, target = launch_platform.position, barge.position
    program = HopProgram.toward(
        launch.latitude_deg, launch.longitude_deg, target.latitude_deg, target.longitude_deg
    )
    model = VehicleModel.build(cargo, 1)
    state = state_on_pad(model, launch.latitude_deg, launch.longitude_deg, launch.deck_height_m)
    flight = fly(Integrator(model), OpenLoopHop(model, program), state, 4_000.0)
    kinds = [e.kind for e in flight.events]
    assert kinds == [
        EventKind.IGNITION,
        EventKind.LIFTOFF,
        EventKind.MECO,
        EventKind.APOGEE,
        EventKind.ENTRY_INTERFACE,
        EventKind.SPLASHDOWN,
    ]
    assert flight.state.status[0] == VehicleStatus.SPLASHED
    impact = ecef_to_geodetic(flight.state.position_ecef_m[0])
    miss = float(
        great_circle_distance_m(
            target.latitude_deg, target.longitude_deg, impact.latitude_deg, impact.longitude_deg
        )
    )
    assert miss < 100e3
    splash = flight.events[-1].time_s
    assert 33 * 60 < splash < 40 * 60
    apogee = flight.events[3].position_ecef_m
    assert apogee is not None
    assert 900e3 < float(ecef_to_geodetic(np.array(apogee)).height_m) < 1_500e3
    left = float(flight.state.lox_mass_kg[0] + flight.state.ch4_mass_kg[0])
    assert left > 10_000.0  # a landing reserve remains: the burn ended on speed, not on empty tanks


def test_law_is_open_loop_in_time(cargo: VehicleConfig, launch_platform: PlatformConfig) -> None:
    """Commands depend on the state only through the phase and the measured speed, never on a target."""
    launch = launch_platform.position
    model = VehicleModel.build(cargo, 1)
    state = state_on_pad(model, launch.latitude_deg, launch.longitude_deg, launch.deck_height_m)
    law = OpenLoopHop(model, HopProgram(launch.latitude_deg, launch.longitude_deg, 45.0))
    first = law.commands(state)
    assert first.engines_lit[0] == cargo.engine.count
    assert not first.release_clamps[0]
    assert law.tick_s(state) == pytest.approx(1.0)
