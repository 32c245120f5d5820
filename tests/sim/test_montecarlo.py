"""The vectorised Monte-Carlo model is faithful to the scalar SITL flight, and its dispersions act.

The anchor: with every dispersion zero (perfect sensors, one sea), the array form of the hop's
guidance flown on the physics' vectorised integrator comes down where, when and how the scalar
in-process flight (tests/sim/flights.py: the real flight computer, noisy sensors, the runner)
comes down, within the tolerances below. The scalar flight has sensor noise and its own wave and
gust records, so the tolerances are what those move between two scalar seeds, with room.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from firmware_sim.montecarlo.dispersions import DispersedRuns, DispersionSigmas, draw
from firmware_sim.montecarlo.flight import FleetFlight, FleetOutcome
from firmware_sim.montecarlo.results import TouchdownLimits, rows
from firmware_sim.montecarlo.scenario import Engine, UnsupportedScenario, choose_engine, load_scenario
from firmware_sim.physics.vehicle import VehicleStatus
from tests.sim.flights import CONFIGS, HOP, FlightResult, fly

NOMINAL, DISPERSED = 2, 4
SHORT_HOP = {"HOP_APOGEE_M": 200.0, "HOP_HOVER_M": 5.0, "HOP_HOVER_S": 0.0, "LND_FINAL_MPS": 2.0}
# Scalar seeds 1 and 2 differ by 0.4 s, 0.6 m of apogee, 0.03 m/s, 0.02 m/s, 0.4 deg and 0.03 m.
FLIGHT_TIME_TOL_S = 1.5
APOGEE_TOL_M = 20.0
VERTICAL_TOL_MPS = 0.2
HORIZONTAL_TOL_MPS = 0.25
TILT_TOL_DEG = 1.0
MISS_TOL_M = 1.0


def _concat(a: DispersedRuns, b: DispersedRuns) -> DispersedRuns:
    joined = {
        f.name: np.concatenate([getattr(a, f.name), getattr(b, f.name)])
        for f in dataclasses.fields(a)
        if f.name not in ("gust_seed", "noise_seed")
    }
    joined["sea_seed"] = np.full(a.count + b.count, a.sea_seed[0])  # one sea for all
    return DispersedRuns(**joined, gust_seed=a.gust_seed, noise_seed=a.noise_seed)


@pytest.fixture(scope="module")
def fleet() -> FleetOutcome:
    """One fleet: runs 0-1 undispersed, runs 2-5 dispersed in thrust, mass, wind and sea state; all
    with perfect sensors and the same wave and gust records, so only the dispersions differ."""
    none = DispersionSigmas.none()
    draws = _concat(draw(none, NOMINAL, 1), draw(DispersionSigmas(), DISPERSED, 2))
    flight = FleetFlight(load_scenario(CONFIGS / "scenarios" / "hop.toml"), draws, none)
    return flight.fly(300.0)


@pytest.fixture(scope="module")
def scalar() -> FlightResult:
    return fly(HOP, seed=1, max_sim_s=300.0)


def test_undispersed_vectorised_hop_comes_down_like_the_scalar_flight(
    fleet: FleetOutcome, scalar: FlightResult
) -> None:
    td = scalar.touchdown
    print(
        f"scalar: flight {scalar.flight_time_s:.2f} s, apogee {scalar.apogee_m:.1f} m, {td}\n"
        f"vector: flight {fleet.flight_time_s[0]:.2f} s, apogee {fleet.apogee_m[0]:.1f} m, "
        f"vertical {fleet.vertical_speed_mps[0]:.3f}, horizontal {fleet.horizontal_speed_mps[0]:.3f}, "
        f"tilt {fleet.tilt_deg[0]:.3f}, miss {fleet.miss_distance_m[0]:.3f}"
    )
    assert int(fleet.status[0]) == int(VehicleStatus.LANDED)
    assert fleet.flight_time_s[0] == pytest.approx(scalar.flight_time_s, abs=FLIGHT_TIME_TOL_S)
    assert fleet.apogee_m[0] == pytest.approx(scalar.apogee_m, abs=APOGEE_TOL_M)
    assert fleet.vertical_speed_mps[0] == pytest.approx(td.vertical_speed_mps, abs=VERTICAL_TOL_MPS)
    assert fleet.horizontal_speed_mps[0] == pytest.approx(td.horizontal_speed_mps, abs=HORIZONTAL_TOL_MPS)
    assert fleet.tilt_deg[0] == pytest.approx(td.tilt_deg, abs=TILT_TOL_DEG)
    assert fleet.miss_distance_m[0] == pytest.approx(td.miss_distance_m, abs=MISS_TOL_M)
    # The liftoff comes as late after the ignition command as in the scalar flight.
    assert scalar.runner.ignition_time_s is not None
    assert scalar.runner.liftoff_time_s is not None
    scalar_liftoff = scalar.runner.liftoff_time_s - scalar.runner.ignition_time_s
    assert fleet.liftoff_s[0] == pytest.approx(scalar_liftoff, abs=0.15)


def test_undispersed_runs_are_identical_and_dispersions_spread_them(fleet: FleetOutcome) -> None:
    columns = (fleet.flight_time_s, fleet.apogee_m, fleet.vertical_speed_mps, fleet.along_m, fleet.across_m)
    for values in columns:
        assert values[0] == values[1]
    dispersed = slice(NOMINAL, NOMINAL + DISPERSED)
    # Thrust, mass and wind move the cut-off and the apogee; each dispersed run differs.
    assert np.all(np.abs(fleet.apogee_m[dispersed] - fleet.apogee_m[0]) > 0.05)
    assert np.all(np.abs(fleet.flight_time_s[dispersed] - fleet.flight_time_s[0]) > 0.01)
    assert fleet.flight_time_s[dispersed].std() > 0.1
    assert np.all(fleet.status == int(VehicleStatus.LANDED))


def test_same_seed_gives_the_same_rows() -> None:
    """A short hop (200 m, a low hover, a brisk descent) keeps this cheap; the rows are runs.csv's."""
    scenario = load_scenario(CONFIGS / "scenarios" / "hop.toml")
    sigmas = DispersionSigmas()

    def batch() -> list[dict[str, str]]:
        draws = draw(sigmas, 3, 11)
        flight = FleetFlight(scenario, draws, sigmas, params=SHORT_HOP)
        outcome = flight.fly(120.0)
        return list(rows(draws, flight.deck.significant_wave_height_m[:3], outcome, TouchdownLimits()))

    first, second = batch(), batch()
    assert first == second
    assert all(r["outcome"] != "no_touchdown" for r in first)  # every run came down


@pytest.mark.parametrize(("name", "why"), [("cargo", "hoverslam"), ("high-sea", "fault schedule")])
def test_unsupported_scenarios_are_refused_by_name(name: str, why: str) -> None:
    with pytest.raises(UnsupportedScenario, match=rf"scenario '{name}'.*{why}.*supported: "):
        choose_engine(load_scenario(CONFIGS / "scenarios" / f"{name}.toml"), Engine.VECTOR)
