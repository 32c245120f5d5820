"""Injectable time: the wall clock, or a simulation clock that the simulator drives.

Everything that waits or stamps takes a ``Clock``; nothing else calls ``time`` or ``asyncio.sleep``
for timing. Knows nothing of links, codecs or rockets.
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import itertools
import time
from typing import Protocol


class Clock(Protocol):
    """A source of time and a way to wait for it."""

    def monotonic_s(self) -> float:
        """Seconds on a clock that never goes back (for timeouts and rates)."""
        ...

    def unix_time_s(self) -> float:
        """Seconds since the Unix epoch, UTC (for stamps in logs)."""
        ...

    async def sleep(self, duration_s: float) -> None:
        """Wait ``duration_s`` seconds of this clock's time."""
        ...


class WallClock:
    """Real time."""

    def monotonic_s(self) -> float:
        return time.monotonic()

    def unix_time_s(self) -> float:
        return time.time()

    async def sleep(self, duration_s: float) -> None:
        await asyncio.sleep(max(0.0, duration_s))


class ScaledClock:
    """Wall time run ``speed`` times faster, from the moment it is made: accelerated SITL.

    The simulator's processes each run on (wall time since their start) x ``speed``, so a ground
    station on this clock expects the vehicle's 1 Hz heartbeat once a second of its own time and
    its countdown, timeouts and retries keep the proportions they have in real time. UNIX time
    starts at the real UTC instant and then runs at the same pace (stamps stay plausible dates).
    """

    def __init__(self, speed: float, *, epoch_unix_s: float | None = None) -> None:
        if not (speed > 0 and speed != float("inf")):
            raise ValueError(f"speed must be a finite number > 0, got {speed}")
        self.speed = speed
        self._wall_zero_s = time.monotonic()
        self._epoch_unix_s = time.time() if epoch_unix_s is None else epoch_unix_s

    def monotonic_s(self) -> float:
        return (time.monotonic() - self._wall_zero_s) * self.speed

    def unix_time_s(self) -> float:
        return self._epoch_unix_s + self.monotonic_s()

    async def sleep(self, duration_s: float) -> None:
        await asyncio.sleep(max(0.0, duration_s) / self.speed)


class FollowerClock:
    """The simulator's time, as it reports it: accelerated SITL with the simulator in charge.

    Between reports (``observe``, fed from the vehicle's SYSTEM_TIME) time runs on at ``speed``,
    but never more than ``max_lead_s`` past the simulator's last report: a simulator that falls
    behind its speed (a loaded machine) holds the ground station back with it, so heartbeat
    timeouts, command retries and the countdown stay in simulated seconds. When no report comes
    for ``release_after_wall_s`` of wall time (the link is down) time runs free at ``speed``, so a
    lost link is still noticed. Before the first report it runs free too.
    """

    def __init__(self, speed: float, *, max_lead_s: float = 0.5, release_after_wall_s: float = 0.5,
                 epoch_unix_s: float | None = None) -> None:
        if not (speed > 0 and speed != float("inf")):
            raise ValueError(f"speed must be a finite number > 0, got {speed}")
        self.speed = speed
        self.max_lead_s = max_lead_s
        self.release_after_wall_s = release_after_wall_s
        self._epoch_unix_s = time.time() if epoch_unix_s is None else epoch_unix_s
        self._anchor_s = 0.0
        self._anchor_wall_s = time.monotonic()
        self._offset_s: float | None = None
        self._last_s = 0.0
        self._wall_zero_s = self._anchor_wall_s
        self._report: asyncio.Future[None] | None = None
        self.reports = 0

    def monotonic_s(self) -> float:
        since_wall_s = time.monotonic() - self._anchor_wall_s
        t = self._anchor_s + since_wall_s * self.speed
        if self._offset_s is not None and since_wall_s < self.release_after_wall_s:
            t = min(t, self._anchor_s + self.max_lead_s)
        self._last_s = max(self._last_s, t)
        return self._last_s

    def unix_time_s(self) -> float:
        return self._epoch_unix_s + self.monotonic_s()

    def observe(self, simulator_s: float) -> None:
        """The simulator says its time is ``simulator_s`` (any origin: only its steps matter)."""
        now_s = self.monotonic_s()
        if self._offset_s is None:
            self._offset_s = now_s - simulator_s
        self._anchor_s = simulator_s + self._offset_s
        self._anchor_wall_s = time.monotonic()
        self.reports += 1
        if self._report is not None and not self._report.done():
            self._report.set_result(None)

    @property
    def behind_s(self) -> float:
        """How far this clock is behind ``speed`` x wall time: what a slower simulator cost the run."""
        return max(0.0, (time.monotonic() - self._wall_zero_s) * self.speed - self.monotonic_s())

    async def sleep(self, duration_s: float) -> None:
        deadline_s = self.monotonic_s() + max(0.0, duration_s)
        loop = asyncio.get_running_loop()
        while (remaining_s := deadline_s - self.monotonic_s()) > 0:
            # Wake at the wall-time estimate or at the simulator's next report, whichever comes
            # first: while the simulator holds the clock back, the estimate is only a guess.
            # A waiter of our own that either one releases (what asyncio.wait does, without its
            # sets and bookkeeping: at 100x the station's tick alone sleeps 1,000 times a wall
            # second). Not wait_for: in Python 3.11 it can swallow a cancellation that comes as
            # its future completes, and reports come ~100 times a second in SITL, so a long run's
            # cancelled sleepers (and the station's shutdown) could hang forever. A cancellation
            # here cancels the waiter, or reaches the task at its next step: never lost.
            report = self._next_report()
            waiter = loop.create_future()
            timer = loop.call_later(max(remaining_s / self.speed, 0.001), _release, waiter)
            report.add_done_callback(waiter_released := functools.partial(_release_on, waiter))
            try:
                await waiter
            finally:
                timer.cancel()
                report.remove_done_callback(waiter_released)
        await asyncio.sleep(0)

    def _next_report(self) -> asyncio.Future[None]:
        if self._report is None or self._report.done():
            self._report = asyncio.get_running_loop().create_future()
        return self._report


def _release(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _release_on(waiter: asyncio.Future[None], _report: asyncio.Future[None]) -> None:
    _release(waiter)


class SimClock:
    """Time that moves only when ``advance_to`` (or ``advance``) is called.

    In accelerated SITL the simulator owns time: it stamps each step, the ground station follows,
    and sleepers wake in order of their deadlines. ``epoch_unix_s`` anchors simulation time zero to a
    UTC instant so logs carry plausible dates.
    """

    def __init__(self, start_s: float = 0.0, epoch_unix_s: float = 1_800_000_000.0) -> None:
        self._now_s = start_s
        self._epoch_unix_s = epoch_unix_s
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def monotonic_s(self) -> float:
        return self._now_s

    def unix_time_s(self) -> float:
        return self._epoch_unix_s + self._now_s

    async def sleep(self, duration_s: float) -> None:
        if duration_s <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now_s + duration_s, next(self._order), future))
        await future

    def advance_to(self, now_s: float) -> None:
        """Move time forward to ``now_s`` and wake every sleeper whose deadline has come."""
        if now_s < self._now_s:
            raise ValueError(f"simulation time cannot go back: {now_s} < {self._now_s}")
        self._now_s = now_s
        while self._sleepers and self._sleepers[0][0] <= now_s:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)

    def advance(self, step_s: float) -> None:
        self.advance_to(self._now_s + step_s)

    @property
    def pending_sleepers(self) -> int:
        return sum(1 for _, _, f in self._sleepers if not f.done())
