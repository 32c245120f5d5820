"""A run's verdict: one check per expectation, each saying what was seen."""

from __future__ import annotations

import dataclasses

import pytest

from gcs.domain.phases import FlightPhase as P
from gcs.domain.platform import DeckState
from gcs.domain.vehicle import VehicleState
from gcs.sitl.scenario import Expectations
from gcs.sitl.verdict import Observations, judge


def _deck(lat: float, lon: float) -> DeckState:
    values: dict[str, object] = {}
    for f in dataclasses.fields(DeckState):
        values[f.name] = 0.0 if f.type in ("float", float) else None
    values.update(platform="hop-barge", latitude_deg=lat, longitude_deg=lon, on_station=True, deck_clear=None)
    return DeckState(**values)  # type: ignore[arg-type]


def _flight(
    *phases: P, end_at: tuple[float, float] = (36.5, 121.6045), descent_mps: float = 1.5
) -> Observations:
    seen = Observations()
    seen.deck(_deck(36.5, 121.6045))
    for i, phase in enumerate(phases):
        down = descent_mps if phase is P.LANDING_BURN else 0.0
        seen.vehicle_state(VehicleState(float(i), *end_at, 3.0, 0.0, 0.0, down, phase))
    return seen


EXPECT = Expectations(phases=("ignition", "ascent", "touchdown"), end_phase=("safe",), landed_on="hop-barge")
NOMINAL = (P.SAFE, P.STANDBY, P.TERMINAL_COUNT, P.IGNITION, P.ASCENT, P.COAST, P.LANDING_BURN, P.TOUCHDOWN,
           P.SAFING, P.SAFE)


def test_a_nominal_flight_passes_every_check() -> None:
    verdict = judge(EXPECT, _flight(*NOMINAL), timed_out=False)
    assert verdict.passed, verdict.lines()
    assert [c.name for c in verdict.checks] == ["phases", "end state", "landed on", "touchdown speed"]


@pytest.mark.parametrize(
    ("seen", "timed_out", "failed", "words"),
    [
        (_flight(P.SAFE, P.TERMINAL_COUNT, P.IGNITION, P.ABORT, P.SAFING, P.SAFE), False, "phases",
         "ascent not reached"),
        (_flight(*NOMINAL[:-2]), True, "end state", "timed out in touchdown"),
        (_flight(*NOMINAL, end_at=(36.5, 121.6050)), False, "landed on", "on no deck"),
        (_flight(*NOMINAL, descent_mps=6.0), False, "touchdown speed", "6.00 m/s"),
    ],
)
def test_each_failure_names_what_was_seen(
    seen: Observations, timed_out: bool, failed: str, words: str
) -> None:
    verdict = judge(EXPECT, seen, timed_out=timed_out)
    assert not verdict.passed
    [check] = [c for c in verdict.checks if c.name == failed]
    assert not check.ok
    assert words in check.detail


def test_the_vehicles_touchdown_report_settles_the_platform_the_speed_and_the_phase() -> None:
    """TOUCHDOWN can pass between two heartbeats; the flight computer's report still counts."""
    seen = _flight(P.SAFE, P.TERMINAL_COUNT, P.IGNITION, P.ASCENT, P.LANDING_BURN, P.SAFING, P.SAFE,
                   descent_mps=0.0)
    seen.status_text("touchdown on hop-barge: 1.23 m/s down, 0.20 m/s across, 1.5 deg, 2.9 m off centre")
    assert seen.touchdown_platform == "hop-barge"
    assert seen.touchdown_speed_mps == pytest.approx(1.23)
    assert seen.phases[-4:] == [P.LANDING_BURN, P.TOUCHDOWN, P.SAFING, P.SAFE]  # where it was
    seen.status_text("touchdown on hop-barge: 1.23 m/s down, 0.20 m/s across, 1.5 deg, 2.9 m off centre")
    assert seen.phases.count(P.TOUCHDOWN) == 1  # a repeated report is the same touchdown
    seen.status_text("engine 3 shut down")  # other texts change nothing
    assert seen.touchdown_miss_m == pytest.approx(2.9)


def test_a_touchdown_report_before_the_safing_heartbeat_follows_the_landing_burn() -> None:
    seen = _flight(P.SAFE, P.TERMINAL_COUNT, P.IGNITION, P.ASCENT, P.LANDING_BURN, descent_mps=0.0)
    seen.status_text("touchdown on hop-barge: 1.23 m/s down, 0.20 m/s across, 1.5 deg, 2.9 m off centre")
    seen.vehicle_phase(P.SAFING)
    assert seen.phases[-3:] == [P.LANDING_BURN, P.TOUCHDOWN, P.SAFING]


@pytest.mark.parametrize(
    ("diverted_in", "ok", "words"),
    [(P.COAST, True, "diverted in coast"), (P.ASCENT, False, "diverted in ascent (expected coast)"),
     (None, False, "no divert")],
)
def test_a_divert_must_come_in_the_expected_phase(diverted_in: P | None, ok: bool, words: str) -> None:
    seen = _flight(*NOMINAL)
    seen.diverted = diverted_in is not None
    seen.diverted_in = diverted_in
    verdict = judge(dataclasses.replace(EXPECT, divert_in=("coast",)), seen, timed_out=False)
    [check] = [c for c in verdict.checks if c.name == "divert"]
    assert check.ok is ok
    assert words in check.detail


def _launch_status(lifted_off: bool, phase: P) -> object:
    """The little of a LaunchStatus the restart checks read."""
    from types import SimpleNamespace

    countdown = SimpleNamespace(lifted_off=lifted_off, vehicle_phase=phase, state=None, hold=None)
    landing = SimpleNamespace(diverted=False)
    return SimpleNamespace(countdown=countdown, alerts=(), recovery_state=None, landing=landing)


@pytest.mark.parametrize(
    ("restarts", "taken_over", "failed"),
    [(1, True, ()), (1, False, ("flight taken over",)),
     (0, True, ("station restarted", "flight taken over"))],  # no restart: the first station's liftoff
)
def test_a_restarted_station_must_take_the_flight_over(
    restarts: int, taken_over: bool, failed: tuple[str, ...]
) -> None:
    seen = _flight(*NOMINAL)
    seen.launch_status(_launch_status(True, P.ASCENT))  # type: ignore[arg-type]
    assert seen.taken_over_in is None, "the first station's liftoff is no take-over"
    for _ in range(restarts):
        seen.station_restarted()
    seen.launch_status(_launch_status(taken_over, P.COAST))  # type: ignore[arg-type]
    verdict = judge(dataclasses.replace(EXPECT, station_restarts=1), seen, timed_out=False)
    failures = [c for c in verdict.checks if not c.ok]
    assert tuple(c.name for c in failures) == failed, verdict.lines()
    if not failed:
        assert any("in coast" in c.detail for c in verdict.checks)
