"""The flight record builder: starts, burn time, peaks, touchdown and outcome from scripted telemetry."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from gcs.domain.atmosphere import density_kgpm3, dynamic_pressure_pa
from gcs.domain.fields import Sample
from gcs.domain.phases import FlightPhase as P
from gcs.fleet.record import (
    EventKind,
    FlightOutcome,
    FlightRecordBuilder,
    TouchdownSource,
    heating_index_wpm2,
)
from tests.unit.fleet.flights import BASE_UTC, HOP_LIMITS, Phase, Report, Step, hop, record, run, running


def test_a_hop_records_two_starts_its_burn_time_and_the_vehicles_touchdown_report() -> None:
    r = run(hop())
    assert r.outcome is FlightOutcome.LANDED
    assert r.flown
    assert r.engine_starts == 2
    assert r.burn_time_s == pytest.approx(50.0 + 21.0)
    assert (r.touchdown_vertical_speed_mps, r.touchdown_horizontal_speed_mps) == (1.5, 0.2)
    assert r.touchdown_source is TouchdownSource.VEHICLE
    assert not r.hard_landing
    assert [e.kind for e in r.events] == [EventKind.ENGINE_START, EventKind.LIFTOFF, EventKind.ENGINE_START,
                                          EventKind.TOUCHDOWN]
    assert [e.since_start_s for e in r.events] == [10.0, 12.0, 100.0, 120.0]


@pytest.mark.parametrize(
    ("steps", "outcome", "starts", "burn_s", "events"),
    [
        pytest.param([Phase(P.STANDBY, 0), running(0, 0), Phase(P.TERMINAL_COUNT, 5), Phase(P.STANDBY, 9)],
                     FlightOutcome.SCRUBBED, 0, 0.0, [], id="scrub: nothing used"),
        pytest.param([Phase(P.IGNITION, 10), running(1, 10), Phase(P.ABORT, 12), running(0, 12.5)],
                     FlightOutcome.PAD_ABORT, 1, 2.5, [EventKind.ENGINE_START, EventKind.ABORT],
                     id="pad abort: a start, no flight"),
        pytest.param([Phase(P.TERMINAL_COUNT, 0), Phase(P.ABORT, 3)],
                     FlightOutcome.PAD_ABORT, 0, 0.0, [EventKind.ABORT], id="abort before ignition"),
        pytest.param([running(1, 0), Phase(P.ASCENT, 1), Phase(P.ABORT, 20), running(0, 21),
                      Report(2.0, 0.1, 60)],
                     FlightOutcome.ABORTED, 1, 21.0,
                     [EventKind.ENGINE_START, EventKind.LIFTOFF, EventKind.ABORT, EventKind.TOUCHDOWN],
                     id="abort in flight, then down"),
        pytest.param([running(1, 0), Phase(P.ASCENT, 1), Phase(P.FLIGHT_TERMINATION, 30), running(0, 30)],
                     FlightOutcome.TERMINATED, 1, 30.0,
                     [EventKind.ENGINE_START, EventKind.LIFTOFF, EventKind.FLIGHT_TERMINATION],
                     id="flight termination"),
        pytest.param([running(0, 0), running(1, 10), Phase(P.ASCENT, 12), running(0, 60), Phase(P.COAST, 60)],
                     FlightOutcome.INCOMPLETE, 1, 50.0, [EventKind.ENGINE_START, EventKind.LIFTOFF],
                     id="record ends in the air"),
        pytest.param([Phase(P.LANDING_BURN, 0), running(1, 0), running(1, 4), Phase(P.TOUCHDOWN, 8)],
                     FlightOutcome.LANDED, 1, 8.0,
                     [EventKind.LIFTOFF, EventKind.ENGINE_START, EventKind.TOUCHDOWN],
                     id="joined mid-burn: the running engine counts as a start, burns to the last sample"),
    ],
)
def test_outcomes_starts_and_burn_time(
    steps: list[Step], outcome: FlightOutcome, starts: int, burn_s: float, events: list[EventKind]
) -> None:
    r = run(steps)
    assert r.outcome is outcome
    assert r.flown == outcome.flown
    assert r.engine_starts == starts
    assert r.burn_time_s == pytest.approx(burn_s)
    assert [e.kind for e in r.events] == events


@pytest.mark.parametrize(
    ("touchdown", "down", "across", "source", "hard"),
    [
        pytest.param([Report(4.0, 1.0, 120)], 4.0, 1.0, TouchdownSource.VEHICLE, False, id="at the limits"),
        pytest.param([Report(4.2, 0.1, 120)], 4.2, 0.1, TouchdownSource.VEHICLE, True, id="too fast down"),
        pytest.param([Report(1.0, 1.3, 120)], 1.0, 1.3, TouchdownSource.VEHICLE, True, id="too fast across"),
        pytest.param([Phase(P.TOUCHDOWN, 120)], 1.5, 0.2, TouchdownSource.TELEMETRY, False,
                     id="no report: the telemetry before TOUCHDOWN"),
        pytest.param([Sample("vehicle.vertical_speed_up_mps", -6.0, 118.0),
                      Sample("vehicle.vertical_speed_up_mps", -4.5, 119.3),
                      Sample("vehicle.vertical_speed_up_mps", 0.0, 119.9), Phase(P.TOUCHDOWN, 120)],
                     4.5, 0.2, TouchdownSource.TELEMETRY, True,
                     id="the fastest descent of the last window, not the deck at rest after contact"),
        pytest.param([Phase(P.TOUCHDOWN, 120), Report(3.0, 0.4, 120.5)], 3.0, 0.4, TouchdownSource.VEHICLE,
                     False, id="a later report replaces the estimate"),
    ],
)
def test_touchdown_speeds_and_hard_landing(
    touchdown: list[Step], down: float, across: float, source: TouchdownSource, hard: bool
) -> None:
    r = run(hop(touchdown=touchdown))
    assert r.touchdown_vertical_speed_mps == pytest.approx(down)
    assert r.touchdown_horizontal_speed_mps == pytest.approx(across)
    assert r.touchdown_source is source
    assert r.hard_landing is hard
    assert r.has(EventKind.HARD_LANDING) is hard
    assert r.outcome is FlightOutcome.LANDED


def test_an_old_speed_stands_in_when_the_window_before_touchdown_is_empty() -> None:
    r = run([Phase(P.LANDING_BURN, 0), Sample("vehicle.vertical_speed_up_mps", -3.0, 100.0),
             Phase(P.TOUCHDOWN, 120.0)])
    assert r.touchdown_vertical_speed_mps == 3.0
    assert r.touchdown_horizontal_speed_mps is None


def test_hard_landing_event_says_which_speed_and_limit() -> None:
    r = run(hop(touchdown=[Report(5.25, 1.5, 120)]))
    [event] = [e for e in r.events if e.kind is EventKind.HARD_LANDING]
    assert event.detail == "5.25 m/s down > 4 m/s; 1.50 m/s across > 1 m/s"


def test_peaks_use_the_reported_dynamic_pressure_else_the_standard_atmosphere() -> None:
    altitude_m, speed_mps = 11_000.0, 400.0
    steps: list[Step] = [
        Sample("vehicle.speed_mps", 900.0, 0.0),  # no altitude yet: no estimate
        Sample("vehicle.altitude_m", altitude_m, 1.0), Sample("vehicle.speed_mps", speed_mps, 1.0),
        Sample("vehicle.altitude_m", 0.0, 2.0), Sample("vehicle.speed_mps", 10.0, 2.0),
    ]
    derived = run(steps)
    assert derived.max_dynamic_pressure_pa == pytest.approx(dynamic_pressure_pa(altitude_m, speed_mps))
    assert derived.max_heating_index_wpm2 == pytest.approx(heating_index_wpm2(altitude_m, speed_mps))
    reported = run([*steps, Sample("vehicle.dynamic_pressure_pa", 12_345.0, 1.0)])
    assert reported.max_dynamic_pressure_pa == 12_345.0


def test_heating_index_is_sutton_graves_for_a_one_metre_nose() -> None:
    # q = k sqrt(rho / 1 m) v^3, k = 1.7415e-4: sea level at 1 km/s.
    expected = 1.7415e-4 * math.sqrt(density_kgpm3(0.0)) * 1000.0**3
    assert heating_index_wpm2(0.0, 1000.0) == pytest.approx(expected)
    assert heating_index_wpm2(0.0, 1000.0) == pytest.approx(192_750, rel=1e-3)  # rho = 1.225 kg/m^3
    assert heating_index_wpm2(80_000.0, 7000.0) < heating_index_wpm2(40_000.0, 7000.0)


def test_nothing_observed_stays_none_not_zero() -> None:
    r = run([Phase(P.STANDBY, 0)])
    assert r.max_dynamic_pressure_pa is None
    assert r.max_heating_index_wpm2 is None
    assert r.touchdown_vertical_speed_mps is None
    assert r.touchdown_source is TouchdownSource.NONE


def test_invalid_values_and_other_fields_are_ignored() -> None:
    r = run([running(math.nan, 0), Sample("tanks.lox_mass_kg", 5.0, 1), running(1, math.nan),
             Sample("vehicle.dynamic_pressure_pa", math.nan, 2), Phase(P.ASCENT, math.inf)])
    assert r.engine_starts == 0
    assert r.max_dynamic_pressure_pa is None
    assert not r.flown


def test_finish_gives_the_record_so_far_and_the_builder_keeps_going() -> None:
    builder = FlightRecordBuilder("YXZ-01", "yxz-1-hop", "s1", HOP_LIMITS)
    builder.observe(running(1, 0.0))
    builder.observe(running(1, 5.0))
    end = BASE_UTC + timedelta(minutes=1)
    first = builder.finish(started_utc=BASE_UTC, ended_utc=end)
    assert first == builder.finish(started_utc=BASE_UTC, ended_utc=end)
    assert first.burn_time_s == 5.0
    builder.observe(running(0, 7.0))
    assert builder.finish(started_utc=BASE_UTC, ended_utc=end).burn_time_s == 7.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"started_utc": datetime(2026, 5, 1, 12)}, "timezone-aware"),
        ({"ended_utc": BASE_UTC - timedelta(seconds=1)}, "before started_utc"),
        ({"vehicle_id": " "}, "needs a vehicle_id"),
        ({"engine_starts": -1}, ">= 0"),
    ],
)
def test_a_record_refuses_impossible_values(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(record(1), **change)
