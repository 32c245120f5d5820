"""The cargo point-to-point hop in SITL (10,000 km, launch platform to landing barge), in sea state 4.

The ascent cuts off with the impact point on the barge, the coast holds it there, the steered entry
brings the landing burn's stop point onto the barge, the hoverslam brakes on three engines, hands
over to one, holds the gate until it is over the deck and lands within the touchdown limits of
reference/domain.md §1.3; the flight ends safe (docs/sitl.md, "Cargo hop: landing").
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from gcs.protocol.dialect import FlightPhase
from tests.sim.flights import CARGO, FlightResult, build, launch

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class CargoFlight:
    result: FlightResult
    impact_after_cutoff_m: float  # the flight computer's impact point a minute into the coast


@pytest.fixture(scope="module")
def flight() -> CargoFlight:
    runner, fc = build(CARGO, seed=1, coast_tick_s=1.0)
    launch(runner, fc)
    start = time.perf_counter()
    runner.run_until(lambda r: fc.phase is FlightPhase.COAST, 400.0)
    runner.step(runner.time_s + 60.0)
    impact = fc.telemetry().impact_point
    assert impact is not None
    runner.run_until(lambda r: r.vehicle_at_rest and fc.phase is FlightPhase.SAFE, 2_600.0)
    return CargoFlight(FlightResult(runner, fc, time.perf_counter() - start), impact.distance_to_target_m)


@pytest.fixture(scope="module")
def cargo(flight: CargoFlight) -> FlightResult:
    return flight.result


def phase_time(result: FlightResult, text: str) -> float:
    for line in result.event_texts():
        if text in line:
            return float(line.split()[0])
    raise AssertionError(f"{text!r} not in {result.event_texts()}")


def test_ascent_cuts_off_with_the_impact_point_on_the_barge(flight: CargoFlight, cargo: FlightResult) -> None:
    # 10,000 km away, a metre per second at cut-off moves the impact point by ~7 km.
    assert flight.impact_after_cutoff_m < 5_000.0
    meco_s = phase_time(cargo, "ASCENT -> COAST")
    assert 230.0 < meco_s < 290.0
    runner = cargo.runner
    assert runner.trace is not None
    # Apogee of a ~10,000 km hop (domain.md §1.2: ~1,000-1,400 km), then entry after ~30 min.
    assert 800_000.0 < cargo.apogee_m < 1_500_000.0
    entry_s = phase_time(cargo, "COAST -> ENTRY")
    assert 1_500.0 < entry_s - meco_s < 2_200.0


def test_entry_steers_down_to_the_barge_and_the_landing_burn_lights(cargo: FlightResult) -> None:
    ignition_s = phase_time(cargo, "ENTRY -> LANDING_BURN")
    trace = cargo.runner.trace
    assert trace is not None
    at_ignition = min(trace, key=lambda s: abs(s.time_s - ignition_s))
    assert 300.0 < at_ignition.altitude_m < 6_000.0


def test_the_flight_ends_safe(cargo: FlightResult) -> None:
    assert cargo.runner.vehicle_at_rest
    assert cargo.fc.phase is FlightPhase.SAFE
    assert not cargo.fc.telemetry().armed


def test_lands_on_the_barge_within_the_touchdown_limits(cargo: FlightResult) -> None:
    td = cargo.touchdown
    assert cargo.runner.touchdown_platform == "landing-barge"
    assert td.vertical_speed_mps <= 2.0
    assert td.horizontal_speed_mps <= 0.5
    assert td.tilt_deg <= 2.0
    assert td.miss_distance_m <= 5.0
