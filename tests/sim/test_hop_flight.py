"""The YXZ-1 hop in SITL: the public profile (about 125 s, 2.5 km, a hover) and a landing on the moving
barge within the touchdown limits of reference/domain.md §1.3, in sea state 4."""

from __future__ import annotations

import pytest

from firmware_sim.physics.platform import TouchdownOutcome
from gcs.protocol.dialect import FlightPhase
from tests.sim.flights import HOP, FlightResult, fly

# domain.md §1.3 nominal touchdown limits.
MAX_VERTICAL_MPS = 2.0
MAX_HORIZONTAL_MPS = 0.5
MAX_TILT_DEG = 2.0
MAX_MISS_M = 5.0


@pytest.fixture(scope="module", params=[1, 2])
def hop(request: pytest.FixtureRequest) -> FlightResult:
    return fly(HOP, seed=request.param, max_sim_s=300.0)


def test_lands_on_the_barge_within_the_touchdown_limits(hop: FlightResult) -> None:
    td = hop.touchdown
    print(
        f"hop: {td}, flight {hop.flight_time_s:.1f} s, apogee {hop.apogee_m:.0f} m, "
        f"x{hop.real_time_factor:.1f} real time"
    )
    assert hop.runner.touchdown_platform == "hop-barge"
    assert td.outcome is TouchdownOutcome.SOFT
    assert td.vertical_speed_mps <= MAX_VERTICAL_MPS
    assert td.horizontal_speed_mps <= MAX_HORIZONTAL_MPS
    assert td.tilt_deg <= MAX_TILT_DEG
    assert td.miss_distance_m <= MAX_MISS_M


def test_reproduces_the_public_profile(hop: FlightResult) -> None:
    assert hop.flight_time_s == pytest.approx(125.0, abs=10.0)
    assert hop.apogee_m == pytest.approx(2500.0, abs=100.0)
    trace = hop.runner.trace
    assert trace is not None
    # A hover: at least ~10 s of thrust with the vertical speed near zero, low over the deck.
    hover_s = sum(
        0.05
        for s in trace
        if s.phase is FlightPhase.LANDING_BURN and abs(s.vertical_speed_up_mps) < 0.5 and s.altitude_m < 60.0
    )
    assert hover_s >= 9.0


def test_ends_safe_and_reports_its_own_touchdown(hop: FlightResult) -> None:
    t = hop.fc.telemetry()
    assert t.phase is FlightPhase.SAFE
    assert not t.armed
    assert t.touchdown is not None
    truth = hop.touchdown
    # The flight computer's own measurement agrees with the physics' within sensor noise.
    assert t.touchdown.vertical_speed_mps == pytest.approx(truth.vertical_speed_mps, abs=0.3)
    assert t.touchdown.miss_distance_m == pytest.approx(truth.miss_distance_m, abs=1.5)
    texts = [e.text for e in t.recent_events]
    assert any("ASCENT -> COAST" in text for text in texts)
    assert any("COAST -> LANDING_BURN" in text for text in texts)
