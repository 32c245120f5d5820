"""A sensor box's clock kept to a leader (the station's clock in ground-paced SITL)."""

from __future__ import annotations

import pytest

from firmware_sim.io.followed_clock import FollowedClock


def test_without_a_leader_it_runs_at_its_speed() -> None:
    clock = FollowedClock(10.0, start_wall_s=100.0, lead_s=2.0)
    assert clock.now_s(101.0) == pytest.approx(10.0)
    assert clock.now_s(103.0) == pytest.approx(30.0)


def test_a_slow_leader_holds_it_to_the_lead_and_released_it_runs_on_without_a_rush() -> None:
    clock = FollowedClock(10.0, start_wall_s=0.0, lead_s=2.0, release_wall_s=2.0)
    assert clock.now_s(1.0) == pytest.approx(10.0)
    clock.follow(500.0, wall_s=1.0)  # first heard: the leader's 500 is our 10
    clock.follow(503.0, wall_s=2.0)  # the leader makes 3 s in a wall second, we could make 10
    assert clock.now_s(2.0) == pytest.approx(15.0)  # its 503 is our 13, plus the 2 s lead
    assert clock.now_s(2.5) == pytest.approx(15.0)  # held
    clock.follow(504.0, wall_s=2.9)
    assert clock.now_s(3.0) == pytest.approx(16.0)
    # The leader falls silent: after the release time it runs at speed from where it stood.
    assert clock.now_s(4.8) == pytest.approx(16.0)
    assert clock.now_s(5.0) == pytest.approx(18.0)  # on from where it stood when last read (4.8 s)
    assert clock.held_wall_s > 1.0


def test_it_never_goes_back() -> None:
    clock = FollowedClock(10.0, start_wall_s=0.0, lead_s=1.0)
    assert clock.now_s(2.0) == pytest.approx(20.0)
    clock.follow(0.0, wall_s=2.0)  # heard late: the lead would put us at 21, we are at 20
    clock.follow(-50.0, wall_s=2.1)  # an older time changes nothing
    assert clock.now_s(2.5) >= 20.0


@pytest.mark.parametrize(("speed", "lead_s"), [(0.0, 1.0), (float("inf"), 1.0), (10.0, 0.0)])
def test_nonsense_settings_are_refused(speed: float, lead_s: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        FollowedClock(speed, 0.0, lead_s=lead_s)


def test_it_says_when_it_is_held_and_when_a_silent_leader_lets_it_go() -> None:
    clock = FollowedClock(10.0, start_wall_s=0.0, lead_s=2.0, release_wall_s=2.0)
    assert clock.released_at_wall_s == float("-inf")  # never heard: nothing holds it
    clock.now_s(1.0)
    assert not clock.held
    clock.follow(500.0, wall_s=1.0)
    assert clock.released_at_wall_s == 3.0
    clock.now_s(1.5)  # 15 s free, capped at 10 + 2
    assert clock.held
    clock.follow(510.0, wall_s=1.6)
    assert clock.released_at_wall_s == 3.6
    assert clock.now_s(1.6) == pytest.approx(13.0)  # under the new cap: on from where it stood
    assert not clock.held
