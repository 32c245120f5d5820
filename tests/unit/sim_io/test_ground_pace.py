"""Ground-paced SITL: the simulation runs at most a lead ahead of what the ground has answered for."""

from __future__ import annotations

import math

import pytest

from firmware_sim.io.ground_pace import NS_PER_S, GroundPace


def test_nothing_is_held_until_the_ground_answers() -> None:
    pace = GroundPace(5.0)
    pace.request_ts1(10.0)
    assert pace.limit_s(0.0) == math.inf  # no ground yet: a vehicle never waits for one


def test_an_answer_lets_the_simulation_run_the_lead_past_what_the_ground_read() -> None:
    pace = GroundPace(5.0, release_wall_s=2.0)
    ts1 = pace.request_ts1(10.0)
    later = pace.request_ts1(12.0)
    assert pace.answered(ts1, wall_s=100.0)
    assert pace.limit_s(100.5) == pytest.approx(15.0)
    assert pace.answered(later, wall_s=100.6)
    assert pace.limit_s(100.7) == pytest.approx(17.0)


def test_answers_to_requests_not_ours_or_skipped_ones_change_nothing() -> None:
    pace = GroundPace(5.0)
    first, second = pace.request_ts1(10.0), pace.request_ts1(11.0)
    assert not pace.answered(123, wall_s=1.0)  # someone else's request
    assert pace.answered(second, wall_s=1.0)
    assert not pace.answered(first, wall_s=1.1), "an older request the ground skipped is dropped"
    assert pace.ground_read_s == pytest.approx(11.0)


def test_a_silent_ground_releases_the_hold_after_the_wall_time() -> None:
    pace = GroundPace(5.0, release_wall_s=2.0)
    pace.answered(pace.request_ts1(10.0), wall_s=100.0)
    assert pace.limit_s(101.9) == pytest.approx(15.0)
    assert pace.limit_s(102.1) == math.inf  # restarted, blacked out: the vehicle flies on


def test_request_stamps_are_unique_while_simulated_time_stands_still() -> None:
    pace = GroundPace(5.0)
    stamps = [pace.request_ts1(20.0) for _ in range(3)]
    assert stamps == sorted(set(stamps))
    assert stamps[0] == 20 * NS_PER_S


@pytest.mark.parametrize(("lead_s", "release_wall_s"), [(0.0, 1.0), (math.nan, 1.0), (5.0, 0.0)])
def test_nonsense_settings_are_refused(lead_s: float, release_wall_s: float) -> None:
    with pytest.raises(ValueError, match="must be > 0"):
        GroundPace(lead_s, release_wall_s=release_wall_s)
