"""Delivery tracking: each stage once and in order, what a later stage implies, the ETA's basis."""

from __future__ import annotations

import pytest

from gcs.domain.delivery import DeliveryStage as S
from gcs.domain.delivery import DeliveryTracker

PARCELS = ("P-1", "P-2")


def _tracker() -> DeliveryTracker:
    return DeliveryTracker("flight-1", PARCELS, "hop-barge", planned_flight_s=125.0)


def test_a_nominal_delivery_reaches_each_stage_once_in_order() -> None:
    t = _tracker()
    events = [*t.mass_confirmed(10.0, "CARGO_MASS_KG = 20.7"), *t.mass_confirmed(11.0)]
    events += [*t.lifted_off(100.0), *t.lifted_off(101.0), *t.touched_down(220.0), *t.touched_down(221.0)]
    events += [*t.secured(300.0, "barge master"), *t.unloaded(400.0, "barge master"), *t.unloaded(401.0)]
    assert [e.stage for e in events] == [S.LOADED, S.LAUNCHED, S.LANDED, S.SECURED, S.UNLOADED]
    assert [e.unix_time_s for e in events] == [10.0, 100.0, 220.0, 300.0, 400.0]
    assert all(e.parcel_ids == PARCELS and e.flight_id == "flight-1" for e in events)
    assert events[3].detail == "by barge master"
    assert t.ended


def test_a_stage_seen_without_the_ones_before_says_they_were_implied() -> None:
    t = _tracker()
    events = t.touched_down(220.0)
    assert [e.stage for e in events] == [S.LOADED, S.LAUNCHED, S.LANDED]
    assert [e.detail for e in events[:2]] == ["implied by a later stage"] * 2


def test_a_divert_changes_the_destination_of_what_follows() -> None:
    t = _tracker()
    t.mass_confirmed(10.0)
    t.lifted_off(100.0)
    [divert] = t.diverted("hop-alternate", 140.0)
    assert divert.stage is S.DIVERTED
    assert divert.platform == "hop-alternate"
    assert divert.detail == "from hop-barge"
    assert t.diverted("hop-alternate", 141.0) == []
    assert t.touched_down(220.0)[-1].platform == "hop-alternate"


def test_an_abort_ends_the_delivery_and_nothing_follows() -> None:
    t = _tracker()
    t.mass_confirmed(10.0)
    [abort] = t.aborted(105.0, "vehicle in ABORT")
    assert abort.stage is S.ABORTED
    assert t.aborted(106.0, "again") == []
    assert t.lifted_off(107.0) == []
    assert t.status().eta_unix_s is None


@pytest.mark.parametrize(
    ("steps", "eta", "basis"),
    [
        ([], None, ""),
        ([("count", -60.0, 1000.0)], 1000.0 + 60.0 + 125.0, "plan"),
        ([("count", -60.0, 1000.0), ("liftoff", 1060.0), ("impact", 1190.0)], 1190.0, "trajectory"),
        ([("count", -60.0, 1000.0), ("liftoff", 1060.0), ("impact", 1190.0), ("touchdown", 1185.0)],
         1185.0, "touchdown"),
    ],
)
def test_the_eta_rests_on_the_best_there_is(steps: list[tuple[object, ...]], eta: float | None,
                                             basis: str) -> None:
    t = _tracker()
    for step in steps:
        match step:
            case ("count", float(t_count), float(now)):
                t.count_at(t_count, now)
            case ("liftoff", float(now)):
                t.lifted_off(now)
            case ("impact", float(at)):
                t.impact_predicted(at)
            case ("touchdown", float(now)):
                t.touched_down(now)
    status = t.status()
    assert status.eta_unix_s == eta
    assert status.eta_basis == basis
    assert status.parcels == 2
