"""The scalar Monte-Carlo engine: a batch is the same whatever the number of worker processes, and
the rows it writes are the vectorised model's.

A short hop (200 m, a low hover, a brisk descent) keeps this cheap: each run is a real flight of
the flight software and physics (``firmware_sim.runner.SitlRunner``).
"""

from __future__ import annotations

import numpy as np
import pytest

from firmware_sim.montecarlo.dispersions import DispersionSigmas, draw
from firmware_sim.montecarlo.results import COLUMNS, TouchdownLimits, rows
from firmware_sim.montecarlo.scalar_batch import fly_scalar
from firmware_sim.montecarlo.scenario import load_scenario
from tests.sim.flights import CONFIGS

pytestmark = pytest.mark.slow

SHORT_HOP = {"HOP_APOGEE_M": 200.0, "HOP_HOVER_M": 5.0, "HOP_HOVER_S": 0.0, "LND_FINAL_MPS": 2.0}


def test_a_batch_is_the_same_with_one_job_or_two() -> None:
    scenario = load_scenario(CONFIGS / "scenarios" / "hop.toml")
    sigmas = DispersionSigmas()
    draws = draw(sigmas, 2, 11)
    waves = scenario.landing.sea_state.significant_wave_height_m * draws.wave_height_scale
    told: dict[int, list[tuple[float, float, int]]] = {1: [], 2: []}

    def batch(jobs: int) -> list[dict[str, str]]:
        outcome = fly_scalar(scenario, draws, sigmas, jobs, lambda *p: told[jobs].append(p), params=SHORT_HOP)
        return list(rows(draws, waves, outcome, TouchdownLimits()))

    one, two = batch(1), batch(2)
    assert one == two
    assert [r["run"] for r in one] == ["0", "1"]
    assert set(one[0]) == set(COLUMNS)
    assert all(r["outcome"] in ("landed", "splashed") for r in one)  # every run came down
    assert one[0]["touchdown_s"] != one[1]["touchdown_s"]  # dispersed runs differ
    for jobs in (1, 2):
        fractions = [f for f, _, _ in told[jobs]]
        assert fractions[-1] == 1.0
        assert told[jobs][-1][2] == 2
        assert np.all(np.diff(fractions) >= 0.0)
