"""A vehicle's condition: counts reach their limits, peaks exceed theirs, clearances reset from their time."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from gcs.domain.roles import Role
from gcs.fleet.limits import LimitSet, VehicleTypeLimits
from gcs.fleet.record import EventKind, FlightEvent, FlightOutcome, FlightRecord
from gcs.fleet.status import Clearance, Condition, fleet_status, limit_usage
from tests.unit.fleet.flights import BASE_UTC, record

LIMITS = VehicleTypeLimits(
    hard_landing_vertical_speed_mps=4.0,
    hard_landing_horizontal_speed_mps=1.0,
    inspection=LimitSet(engine_starts=10, hard_landings=1, max_dynamic_pressure_pa=15_000.0),
    refurbishment=LimitSet(flights=6, terminations=1),
)


def _status(
    records: list[FlightRecord], clearances: tuple[Clearance, ...] | list[Clearance] = ()
) -> tuple[Condition, tuple[str, ...]]:
    s = fleet_status("YXZ-01", "yxz-1-hop", records, LIMITS, clearances)
    return s.condition, s.reasons


def _cleared(name: str, after_flight: int) -> Clearance:
    at = BASE_UTC + timedelta(days=after_flight, hours=1)  # an hour after that flight's day began
    return Clearance("YXZ-01", name, "vic", Role.VEHICLE, "borescope of the engine", at)


def test_a_vehicle_with_no_flights_is_go() -> None:
    status = fleet_status("YXZ-01", "yxz-1-hop", [], LIMITS, [])
    assert status.go
    assert status.condition is Condition.OK
    assert status.summary == "go"


@pytest.mark.parametrize(("starts", "condition"), [(9, Condition.OK), (10, Condition.INSPECTION_DUE),
                                                   (12, Condition.INSPECTION_DUE)])
def test_engine_starts_reach_their_limit_by_adding_up(starts: int, condition: Condition) -> None:
    # Flights of 3 starts and one of the rest: the total, not any one flight, reaches the limit.
    per_flight = [3] * (starts // 3) + ([starts % 3] if starts % 3 else [])
    records = [record(i, engine_starts=n) for i, n in enumerate(per_flight)]
    got, reasons = _status(records)
    assert got is condition
    if condition is Condition.INSPECTION_DUE:
        expected = f"inspection.engine_starts: engine starts {starts} >= limit 10 since entry into service"
        assert reasons == (expected,)


def test_a_peak_limit_is_exceeded_by_one_flight_above_it_and_names_that_flight() -> None:
    assert _status([record(1, max_q_pa=15_000.0)])[0] is Condition.OK
    condition, reasons = _status([record(1, max_q_pa=9_000.0), record(2, max_q_pa=15_100.0)])
    assert condition is Condition.INSPECTION_DUE
    assert reasons == ("inspection.max_dynamic_pressure_pa: max dynamic pressure 15.1 kPa > limit 15.0 kPa "
                       "on flight YXZ-01-flight-2 since entry into service",)


def test_refurbishment_is_worse_than_inspection_and_every_reason_is_listed() -> None:
    records = [record(i) for i in range(6)] + [record(6, hard_landing=True)]
    status = fleet_status("YXZ-01", "yxz-1-hop", records, LIMITS, [])
    assert status.condition is Condition.REFURBISHMENT_DUE
    assert not status.go
    assert [u.limit.name for u in status.reached] == ["inspection.engine_starts", "inspection.hard_landings",
                                                      "refurbishment.flights"]
    assert status.summary.startswith("no-go: refurbishment due: inspection.engine_starts: engine starts 14")


def test_scrubs_and_pad_aborts_use_engine_starts_but_are_not_flights() -> None:
    records = [record(i, outcome=FlightOutcome.PAD_ABORT, engine_starts=1) for i in range(10)]
    usage = {u.limit.name: u.value for u in limit_usage(records, LIMITS, [])}
    assert usage["inspection.engine_starts"] == 10
    assert usage["refurbishment.flights"] == 0


def test_a_clearance_resets_its_limit_from_its_time_on() -> None:
    records = [record(i, engine_starts=3) for i in range(4)]  # 12 starts over days 0..3
    assert _status(records)[0] is Condition.INSPECTION_DUE
    assert _status(records, [_cleared("inspection.engine_starts", after_flight=3)])[0] is Condition.OK
    # Cleared after day 1: days 2 and 3 count again (6 starts), and a flight of 4 more reaches it.
    cleared = [_cleared("inspection.engine_starts", after_flight=1)]
    assert _status(records, cleared)[0] is Condition.OK
    condition, reasons = _status([*records, record(4, engine_starts=4)], cleared)
    assert condition is Condition.INSPECTION_DUE
    assert reasons == ("inspection.engine_starts: engine starts 10 >= limit 10 since clearance "
                       "2026-05-02 13:00Z",)


def test_a_flight_that_ended_at_the_clearance_is_covered_by_it() -> None:
    r = record(1, hard_landing=True)
    at_end = Clearance("YXZ-01", "inspection.hard_landings", "vic", Role.VEHICLE, "gear", r.ended_utc)
    assert _status([r], [at_end])[0] is Condition.OK
    early = Clearance("YXZ-01", "inspection.hard_landings", "vic", Role.VEHICLE, "x",
                      r.ended_utc - timedelta(microseconds=1))
    assert _status([r], [early])[0] is Condition.INSPECTION_DUE


@pytest.mark.parametrize(
    ("clearance", "condition"),
    [
        ("inspection.hard_landings", Condition.INSPECTION_DUE),  # engine starts still due
        ("inspection", Condition.OK),
        ("refurbishment", Condition.OK),
        ("refurbishment.flights", Condition.INSPECTION_DUE),
    ],
)
def test_a_level_clearance_resets_the_whole_level(clearance: str, condition: Condition) -> None:
    records = [record(i, engine_starts=5) for i in range(2)] + [record(2, engine_starts=0, hard_landing=True)]
    assert _status(records)[0] is Condition.INSPECTION_DUE
    assert _status(records, [_cleared(clearance, after_flight=2)])[0] is condition


def test_an_inspection_does_not_reset_the_refurbishment_count() -> None:
    records = [record(i, engine_starts=0) for i in range(6)]
    condition, reasons = _status(records, [_cleared("inspection", after_flight=5)])
    assert condition is Condition.REFURBISHMENT_DUE
    assert reasons == ("refurbishment.flights: flights 6 >= limit 6 since entry into service",)


def test_a_terminated_flight_needs_a_refurbishment() -> None:
    r = record(1, outcome=FlightOutcome.TERMINATED, engine_starts=1)
    terminated = replace(r, events=(FlightEvent(EventKind.FLIGHT_TERMINATION, 30.0),))
    assert _status([terminated])[0] is Condition.REFURBISHMENT_DUE


def test_a_type_without_limits_is_no_go_and_says_how_to_fix_it() -> None:
    status = fleet_status("X-1", "prototype", [], None, [])
    assert status.condition is Condition.NO_LIMITS
    assert not status.go
    assert status.reasons == ("no fleet limits for vehicle type 'prototype': add [types.prototype] to the "
                              "limits file",)
