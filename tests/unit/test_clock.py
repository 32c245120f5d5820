"""The simulation clock wakes sleepers in deadline order and never goes back."""

from __future__ import annotations

import asyncio
import time

import pytest

from gcs.clock import FollowerClock, ScaledClock, SimClock, WallClock


async def test_sim_clock_wakes_sleepers_in_deadline_order() -> None:
    clock = SimClock()
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, duration_s: float) -> None:
        await clock.sleep(duration_s)
        woke.append((name, clock.monotonic_s()))

    async with asyncio.TaskGroup() as tg:
        tg.create_task(sleeper("late", 5.0), name="late")
        tg.create_task(sleeper("early", 1.0), name="early")
        while clock.pending_sleepers < 2:
            await asyncio.sleep(0)
        clock.advance_to(0.5)
        await asyncio.sleep(0)
        assert woke == []
        clock.advance_to(2.0)
        while not woke:
            await asyncio.sleep(0)
        assert woke == [("early", 2.0)]
        clock.advance(10.0)
    assert woke == [("early", 2.0), ("late", 12.0)]


def test_sim_clock_refuses_to_go_back_and_anchors_unix_time() -> None:
    clock = SimClock(start_s=3.0, epoch_unix_s=1_000.0)
    assert clock.unix_time_s() == 1_003.0
    with pytest.raises(ValueError, match="cannot go back"):
        clock.advance_to(2.0)


async def test_wall_clock_moves_forward() -> None:
    clock = WallClock()
    t0 = clock.monotonic_s()
    await clock.sleep(0.01)
    assert clock.monotonic_s() > t0


async def test_scaled_clock_runs_speed_times_faster_than_the_wall() -> None:
    clock = ScaledClock(50.0, epoch_unix_s=1_800_000_000.0)
    wall_before_s = time.monotonic()
    sim_before_s = clock.monotonic_s()
    await clock.sleep(10.0)  # ten seconds of simulation: 0.2 s of wall time
    wall_s = time.monotonic() - wall_before_s
    sim_s = clock.monotonic_s() - sim_before_s
    assert sim_s >= 10.0
    # The ratio, not a duration: slow machines stretch both sides alike.
    assert sim_s / wall_s == pytest.approx(50.0, rel=0.05)
    assert clock.unix_time_s() - 1_800_000_000.0 == pytest.approx(clock.monotonic_s(), abs=0.5)


@pytest.mark.parametrize("speed", [0.0, -1.0, float("inf"), float("nan")])
def test_scaled_clock_refuses_a_speed_that_is_not_a_finite_positive_number(speed: float) -> None:
    with pytest.raises(ValueError, match="speed"):
        ScaledClock(speed)


async def test_follower_clock_waits_for_a_simulator_that_falls_behind() -> None:
    clock = FollowerClock(100.0, max_lead_s=0.5, release_after_wall_s=5.0)
    clock.observe(10.0)  # the simulator's origin is its own: only steps count
    start_s = clock.monotonic_s()
    # No further report: within the release time the clock runs at most max_lead_s ahead.
    await asyncio.sleep(0.05)  # wall time, on purpose: 5 s of free-running time at 100x
    assert clock.monotonic_s() - start_s == pytest.approx(0.5, abs=0.01)
    # A report moves it on to the simulator's time.
    clock.observe(12.0)
    assert clock.monotonic_s() - start_s >= 2.0
    assert clock.behind_s > 1.0  # at least 5 s of wall-speed time against ~2.5 s of simulator time
    # It never goes back, even when a late report names an earlier time.
    before_s = clock.monotonic_s()
    clock.observe(11.0)
    assert clock.monotonic_s() >= before_s


async def test_follower_clock_runs_free_when_the_simulator_goes_silent() -> None:
    clock = FollowerClock(100.0, max_lead_s=0.5, release_after_wall_s=0.05)
    clock.observe(0.0)
    start_s = clock.monotonic_s()
    await asyncio.sleep(0.2)  # silence longer than the release time: the link is down
    assert clock.monotonic_s() - start_s > 10.0  # 20 s at 100x (more on a slow machine)


async def test_follower_clock_sleepers_wake_when_the_simulator_reports() -> None:
    clock = FollowerClock(1000.0, max_lead_s=0.1, release_after_wall_s=60.0)
    clock.observe(0.0)
    sleeper = asyncio.create_task(clock.sleep(5.0))
    await asyncio.sleep(0.02)  # 20 s at 1000x, but the simulator has not moved
    assert not sleeper.done()
    clock.observe(6.0)
    await asyncio.wait_for(sleeper, 1.0)


async def test_a_follower_sleeper_cancelled_while_reports_pour_in_ends() -> None:
    """The station's shutdown cancels sleepers while the simulator reports its time ~100 times a
    second; a cancellation lost in that race left a SITL run hanging after its end (Python 3.11's
    wait_for swallows one that comes as its future completes)."""
    clock = FollowerClock(1.0, release_after_wall_s=60.0)
    sleepers = [asyncio.create_task(clock.sleep(1000.0)) for _ in range(50)]
    reported = 0

    async def report() -> None:
        nonlocal reported
        while True:
            reported += 1
            clock.observe(reported * 0.001)
            await asyncio.sleep(0)

    reporter = asyncio.create_task(report())
    for round_ in range(50):
        await asyncio.sleep(0)
        sleepers[round_].cancel()
    try:
        for sleeper in sleepers:
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(sleeper, 5.0)
    finally:
        reporter.cancel()
