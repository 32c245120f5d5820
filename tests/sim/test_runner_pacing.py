"""``SitlRunner.run``'s pacing against a wall clock, with a limit (ground-paced SITL)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from firmware_sim.runner import SitlRunner
from tests.sim.flights import HOP, build


class FakeWall:
    """Wall time that moves only when the runner sleeps (or the test says)."""

    def __init__(self) -> None:
        self.now_s = 0.0

    def monotonic_s(self) -> float:
        return self.now_s

    async def sleep(self, duration_s: float) -> None:
        self.now_s += max(duration_s, 0.001)  # every turn of the loop takes a little wall time
        await asyncio.sleep(0)


async def _run_until_wall(
    runner: SitlRunner, wall: FakeWall, speed: float, wall_s: float, **kwargs: Any
) -> None:
    task = asyncio.create_task(runner.run(speed, wall, **kwargs))
    while wall.now_s < wall_s:
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_unheld_the_run_keeps_to_its_speed() -> None:
    runner, _ = build(HOP, seed=1)
    wall = FakeWall()
    await _run_until_wall(runner, wall, 10.0, 2.0)
    assert runner.time_s == pytest.approx(20.0, abs=1.0)  # a tick or two ahead, by design
    assert runner.held_wall_s == 0.0


async def test_held_by_its_limit_it_waits_and_released_it_goes_on_at_speed_without_a_rush() -> None:
    runner, _ = build(HOP, seed=1)
    wall = FakeWall()
    # The ground has read up to 3 s and lets the run lead by 2 s, until wall time 1 s; then it is gone.
    await _run_until_wall(runner, wall, 10.0, 3.0, limit=lambda wall_s: 5.0 if wall_s < 1.0 else float("inf"))
    assert runner.held_wall_s == pytest.approx(0.5, abs=0.1)  # 5 s of simulation took 0.5 s, then held
    # Released at wall 1 s at 5 s simulated: 2 more wall seconds at 10x, not a catch-up to 30 s.
    assert runner.time_s == pytest.approx(25.0, abs=1.0)
