"""The scalar engine: every run of a batch flown by the real flight software and physics
(``scalar_flight.fly_run``), in a pool of ``jobs`` worker processes, gathered into the vectorised
model's ``flight.FleetOutcome`` so the rows, statistics and report are the same.

Each run's inputs depend only on the draws and its index (``scalar_inputs``), and the outcomes are
put back in run order, so a batch is the same whatever ``jobs`` is. Workers tell their runs'
simulated time through a queue; ``on_progress(fraction, simulated_s, down)`` is told at most every
``PROGRESS_WALL_S`` of wall time and whenever a run ends. The fraction counts a finished run as
1 and a flying one as its simulated time over the mission's expected flight time (at most 0.99).
Workers are forked, all at once before the pool's manager thread starts. Knows nothing of files or
the ground station.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np

from firmware_sim.firmware.config import FlightSoftwareConfig
from firmware_sim.firmware.flight_plan_types import GeoPoint, PlatformSite
from firmware_sim.montecarlo.dispersions import DispersedRuns, DispersionSigmas
from firmware_sim.montecarlo.flight import FleetOutcome
from firmware_sim.montecarlo.scalar_flight import EXPECTED_FLIGHT_S, ScalarOutcome, fly_run, mission_kind
from firmware_sim.montecarlo.scalar_inputs import ScalarRun, scalar_run
from firmware_sim.montecarlo.scenario import MonteCarloScenario

#: Wall seconds between progress reports while runs fly.
PROGRESS_WALL_S = 1.0

Progress = Callable[[float, float, int], None]


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class _Job:
    run: ScalarRun
    flight_software: FlightSoftwareConfig
    params: dict[str, float] | None


# A worker's end of the progress queue (set by the pool's initializer in each worker process).
_worker_queue: Any = None


def _start_worker(progress_queue: Any) -> None:
    global _worker_queue
    _worker_queue = progress_queue


def _fly_in_worker(job: _Job) -> tuple[int, ScalarOutcome]:
    index = job.run.index

    def tell(simulated_s: float) -> None:
        if _worker_queue is not None:
            _worker_queue.put((index, simulated_s))

    return index, fly_run(job.run, job.flight_software, job.params, tell)


class _Tally:
    """Each run's simulated time and end, and when progress was last told."""

    def __init__(self, runs: int, expected_s: float, on_progress: Progress | None) -> None:
        self.simulated_s = [0.0] * runs
        self.outcomes: list[ScalarOutcome | None] = [None] * runs
        self._expected_s = expected_s
        self._on_progress = on_progress
        self._told_wall_s = -math.inf

    def flying(self, index: int, simulated_s: float) -> None:
        if self.outcomes[index] is None:
            self.simulated_s[index] = simulated_s
        self.tell(force=False)

    def ended(self, index: int, outcome: ScalarOutcome) -> None:
        self.outcomes[index] = outcome
        self.simulated_s[index] = max(self.simulated_s[index], outcome.simulated_s)
        self.tell(force=True)

    def tell(self, force: bool) -> None:
        now = time.perf_counter()
        if self._on_progress is None or (not force and now - self._told_wall_s < PROGRESS_WALL_S):
            return
        self._told_wall_s = now
        parts = [
            1.0 if done is not None else min(s / self._expected_s, 0.99)
            for s, done in zip(self.simulated_s, self.outcomes, strict=True)
        ]
        down = sum(o is not None for o in self.outcomes)
        self._on_progress(sum(parts) / len(parts), sum(self.simulated_s), down)


def fly_scalar(
    scenario: MonteCarloScenario,
    draws: DispersedRuns,
    sigmas: DispersionSigmas,
    jobs: int,
    on_progress: Progress | None = None,
    params: dict[str, float] | None = None,
) -> FleetOutcome:
    """Fly every run of ``draws``, ``jobs`` at a time (1: in this process).

    Raises:
        ValueError: for fewer than one job.
        FlightSetupError: a run's flight computer refused the plan or the count.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    start_wall = time.perf_counter()
    pad, site = scenario.launch.position, scenario.landing.position
    kind = mission_kind(
        GeoPoint(pad.latitude_deg, pad.longitude_deg),
        PlatformSite(scenario.landing.name, site.latitude_deg, site.longitude_deg),
    )
    tally = _Tally(draws.count, EXPECTED_FLIGHT_S[kind], on_progress)
    fs = scenario.flight_software
    work = [_Job(scalar_run(scenario, draws, sigmas, i), fs, params) for i in range(draws.count)]
    tally.tell(force=True)
    if jobs == 1 or draws.count == 1:
        for job in work:
            tally.ended(job.run.index, fly_run(job.run, fs, params, _teller(tally, job.run.index)))
    else:
        _fly_pool(work, min(jobs, draws.count), tally)
    outcomes = [o for o in tally.outcomes if o is not None]
    assert len(outcomes) == draws.count
    return fleet_outcome(outcomes, time.perf_counter() - start_wall)


def _teller(tally: _Tally, index: int) -> Callable[[float], None]:
    return lambda simulated_s: tally.flying(index, simulated_s)


def _fly_pool(work: Sequence[_Job], jobs: int, tally: _Tally) -> None:
    # fork: the workers start at once from this single-threaded process (the pool forks them all
    # before its manager thread starts), need no re-import and leave no resource-tracker behind.
    context = multiprocessing.get_context("fork")
    progress_queue = context.SimpleQueue()
    try:
        with ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=_start_worker, initargs=(progress_queue,)
        ) as pool:
            pending: set[Future[tuple[int, ScalarOutcome]]] = {
                pool.submit(_fly_in_worker, job) for job in work
            }
            try:
                while pending:
                    done, pending = wait(pending, timeout=PROGRESS_WALL_S, return_when=FIRST_COMPLETED)
                    _drain(progress_queue, tally)
                    for future in done:
                        index, outcome = future.result()
                        tally.ended(index, outcome)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        progress_queue.close()


def _drain(progress_queue: Any, tally: _Tally) -> None:
    while not progress_queue.empty():
        index, simulated_s = progress_queue.get()
        tally.flying(int(index), float(simulated_s))


def fleet_outcome(outcomes: Sequence[ScalarOutcome], wall_s: float) -> FleetOutcome:
    """The runs' outcomes (in run order) as one ``FleetOutcome``."""

    def column(name: str) -> np.ndarray:
        return np.array([getattr(o, name) for o in outcomes], dtype=np.float64)

    return FleetOutcome(
        status=np.array([o.status for o in outcomes], dtype=np.int64),
        pad_abort=np.array([o.pad_abort for o in outcomes], dtype=np.bool_),
        liftoff_s=column("liftoff_s"),
        touchdown_s=column("touchdown_s"),
        apogee_m=column("apogee_m"),
        vertical_speed_mps=column("vertical_speed_mps"),
        horizontal_speed_mps=column("horizontal_speed_mps"),
        tilt_deg=column("tilt_deg"),
        along_m=column("along_m"),
        across_m=column("across_m"),
        deck_heave_m=column("deck_heave_m"),
        deck_pitch_deg=column("deck_pitch_deg"),
        deck_roll_deg=column("deck_roll_deg"),
        simulated_s=max((o.simulated_s for o in outcomes), default=0.0),
        wall_s=wall_s,
    )
