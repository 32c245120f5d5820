"""The simulation clock wakes sleepers in deadline order and never goes back."""

from __future__ import annotations

import asyncio
import time

import pytest

from gcs.clock import ScaledClock, SimClock, WallClock


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
