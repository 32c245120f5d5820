"""The small pure pieces around a Monte-Carlo batch: seeded draws, the run verdict, the child's
progress lines and the bar drawn from them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from firmware_sim.montecarlo.dispersions import DispersionSigmas, draw
from firmware_sim.montecarlo.results import Outcome, TouchdownLimits, verdict
from gcs.montecarlo.command import parse_progress, progress_bar
from gcs.montecarlo.report import engine_text


def test_same_seed_same_draws_other_seed_other_draws() -> None:
    a, b, c = (
        draw(DispersionSigmas(), 50, 7),
        draw(DispersionSigmas(), 50, 7),
        draw(DispersionSigmas(), 50, 8),
    )
    for field in dataclasses.fields(a):
        assert np.array_equal(getattr(a, field.name), getattr(b, field.name)), field.name
    assert not np.array_equal(a.thrust_scale, c.thrust_scale)


def test_draws_scatter_with_the_sigmas_given() -> None:
    runs = draw(DispersionSigmas(thrust_fraction=0.02, wind_direction_deg=20.0), 4000, 1)
    assert runs.thrust_scale.std() == pytest.approx(0.02, rel=0.1)
    assert runs.wind_turn_deg.std() == pytest.approx(20.0, rel=0.1)
    assert len(set(runs.sea_seed.tolist())) > 3990  # each run its own sea


def test_no_dispersion_makes_every_run_alike() -> None:
    runs = draw(DispersionSigmas.none(), 10, 3)
    for name in ("thrust_scale", "isp_scale", "drag_scale", "dry_mass_scale", "wind_speed_scale",
                 "wave_height_scale"):  # fmt: skip
        assert np.all(getattr(runs, name) == 1.0), name
    assert np.all(runs.wind_turn_deg == 0.0)
    assert len(set(runs.sea_seed.tolist())) == 1


def test_sigmas_refuse_negative_spreads() -> None:
    with pytest.raises(ValueError, match="thrust_fraction"):
        DispersionSigmas(thrust_fraction=-0.1)


GOOD = {"vertical_speed_mps": 1.2, "horizontal_speed_mps": 0.1, "tilt_deg": 0.3, "miss_m": 0.5}


@pytest.mark.parametrize(
    ("kind", "changes", "ok", "why"),
    [
        (Outcome.LANDED, {}, True, ""),
        (Outcome.LANDED, {"vertical_speed_mps": 2.5}, False, "vertical speed 2.50 > 2 m/s"),
        (
            Outcome.LANDED,
            {"miss_m": 6.0, "tilt_deg": 3.0},
            False,
            "tilt 3.00 > 2 deg; miss distance 6.00 > 5 m",
        ),
        (Outcome.SPLASHED, {}, False, "missed the deck (in the sea)"),
        (Outcome.PAD_ABORT, {}, False, "pad abort"),
    ],
)
def test_verdict_names_every_limit_exceeded(
    kind: Outcome, changes: dict[str, float], ok: bool, why: str
) -> None:
    assert verdict(kind, {**GOOD, **changes}, TouchdownLimits()) == (ok, why)


def test_progress_lines_are_parsed_and_others_ignored() -> None:
    assert parse_progress("progress 0.250 simulated 32 s, 0/50 down") == (0.25, "simulated 32 s, 0/50 down")
    assert parse_progress("montecarlo: 50 runs of 'hop', seed 1") is None
    assert parse_progress("progress soon") is None


def test_progress_bar_is_fixed_width_and_clamped() -> None:
    assert progress_bar(0.5, "x") == "[###############...............]  50 % x"
    assert progress_bar(1.7, "").startswith("[" + "#" * 30 + "] 100 %")


@pytest.mark.parametrize(
    ("batch", "text"),
    [
        ({}, "vector engine"),  # a batch written before there were two engines
        ({"engine": "vector", "engine_description": "vectorised model", "jobs": 1}, "vectorised model"),
        (
            {"engine": "scalar", "engine_description": "scalar engine (real flights)", "jobs": 2},
            "scalar engine (real flights), 2 worker processes",
        ),
    ],
)
def test_the_report_says_which_engine_flew_the_runs(batch: dict[str, object], text: str) -> None:
    assert engine_text(batch) == text


def test_no_dispersion_writes_no_negative_zeros() -> None:
    runs = draw(DispersionSigmas.none(), 20, 3)
    assert not np.any(np.signbit(runs.wind_turn_deg))
