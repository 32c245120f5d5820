"""Landing-dispersion statistics against hand-worked values: ellipse axes from a known covariance,
Wilson intervals from the textbook table, the deck fit, and the summary of a small batch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gcs.montecarlo.statistics import (
    CHI2_2DOF_99,
    Ellipse,
    Spread,
    confidence_ellipse,
    ellipse_inside,
    summarize,
    wilson_interval,
)

# Four points at (±a, 0) and (0, ±b): sample variances 2a²/3 and 2b²/3, no covariance.
A, B = 3.0, 1.0
CROSS_X = np.array([A, -A, 0.0, 0.0])
CROSS_Y = np.array([0.0, 0.0, B, -B])


def test_chi_square_scale_is_the_99_percent_point_of_two_degrees_of_freedom() -> None:
    # P(chi2_2 <= c) = 1 - exp(-c/2)
    assert 1.0 - math.exp(-CHI2_2DOF_99 / 2.0) == pytest.approx(0.99, abs=1e-5)


def test_axis_aligned_covariance_gives_its_roots_scaled_by_sqrt_9_21() -> None:
    e = confidence_ellipse(CROSS_X, CROSS_Y)
    assert e.semi_major_m == pytest.approx(math.sqrt(9.2103 * 2 * A * A / 3))  # 7.434
    assert e.semi_minor_m == pytest.approx(math.sqrt(9.2103 * 2 * B * B / 3))  # 2.478
    assert e.angle_deg == pytest.approx(0.0, abs=1e-9)
    assert (e.center_x_m, e.center_y_m) == (0.0, 0.0)


@pytest.mark.parametrize("turn_deg", [30.0, 45.0, -60.0])
def test_rotated_points_rotate_the_ellipse_and_keep_its_axes(turn_deg: float) -> None:
    c, s = math.cos(math.radians(turn_deg)), math.sin(math.radians(turn_deg))
    x, y = c * CROSS_X - s * CROSS_Y + 10.0, s * CROSS_X + c * CROSS_Y - 2.0
    e = confidence_ellipse(x, y)
    assert e.angle_deg == pytest.approx(turn_deg)
    assert e.semi_major_m == pytest.approx(math.sqrt(9.2103 * 6.0))
    assert e.semi_minor_m == pytest.approx(math.sqrt(9.2103 * 2.0 / 3.0))
    assert (e.center_x_m, e.center_y_m) == pytest.approx((10.0, -2.0))
    # Extent along x: sqrt(9.21 var_x), var_x = 6 c² + 2/3 s².
    assert e.half_extent_x_m == pytest.approx(math.sqrt(9.2103 * (6.0 * c * c + 2.0 / 3.0 * s * s)))


def test_an_ellipse_needs_two_points() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        confidence_ellipse([1.0], [2.0])


def _ellipse(cx: float, cy: float, ex: float, ey: float) -> Ellipse:
    return Ellipse(cx, cy, max(ex, ey), min(ex, ey), 0.0, ex, ey)


@pytest.mark.parametrize(
    ("ellipse", "inside"),
    [
        (_ellipse(0.0, 0.0, 45.0, 15.0), True),  # touches the 45.7 x 15.25 half-deck: inside
        (_ellipse(1.0, 0.0, 45.0, 15.0), False),  # off-centre along the bow: over the end
        (_ellipse(0.0, -0.5, 10.0, 15.0), False),  # over the side
        (_ellipse(0.0, 0.0, 46.0, 1.0), False),
    ],
)
def test_ellipse_inside_the_deck(ellipse: Ellipse, inside: bool) -> None:
    assert ellipse_inside(ellipse, 91.4 / 2, 30.5 / 2) is inside


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        (5, 10, 0.2366, 0.7634),  # the textbook example
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (50, 50, 0.9287, 1.0),
        (990, 1000, 0.9817, 0.9946),
    ],
)
def test_wilson_interval(successes: int, trials: int, low: float, high: float) -> None:
    p = wilson_interval(successes, trials)
    assert p.estimate == successes / trials
    assert p.low == pytest.approx(low, abs=1e-4)
    assert p.high == pytest.approx(high, abs=1e-4)


def test_wilson_interval_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError):
        wilson_interval(3, 0)
    with pytest.raises(ValueError):
        wilson_interval(4, 3)


def test_spread_ignores_missing_values_and_uses_the_sample_sd() -> None:
    s = Spread.of([1.0, 2.0, 3.0, math.nan])
    assert (s.mean, s.sd, s.maximum, s.count) == (2.0, 1.0, 3.0, 3)
    assert Spread.of([]).count == 0


def test_summary_uses_only_the_runs_on_the_deck() -> None:
    along = np.array([1.0, -1.0, 0.0, 0.0, 40.0])
    across = np.array([0.0, 0.0, 1.0, -1.0, 20.0])
    landed = np.array([True, True, True, True, False])  # the last one splashed beside the barge
    within = np.array([True, True, True, False, False])
    vertical = np.array([1.0, 1.2, 1.4, 2.6, math.nan])
    summary = summarize(along, across, vertical, vertical / 10, vertical, landed, within, 91.4, 30.5)
    assert (summary.runs, summary.landed) == (5, 4)
    assert summary.miss_m.mean == pytest.approx(1.0)
    assert summary.vertical_speed_mps.maximum == pytest.approx(2.6)
    assert summary.ellipse is not None
    assert summary.ellipse.semi_major_m == pytest.approx(math.sqrt(9.2103 * 2.0 / 3.0))
    assert summary.ellipse_inside_deck
    assert (summary.within_limits.successes, summary.within_limits.trials) == (3, 5)
