"""Landing-dispersion statistics of a Monte-Carlo batch: pure functions of the runs' numbers.

* mean and standard deviation of miss distance and touchdown speeds;
* the 99 % ellipse of the touchdown points: the covariance's eigenvectors, semi-axes
  sqrt(χ²₂(0.99) λ) = sqrt(9.21 λ), and whether it lies inside the usable deck (a rectangle centred on
  the deck centre, the points given along the bow and to starboard);
* the probability of landing within limits with its Wilson 95 % interval.

Knows nothing of files, processes or plots.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

#: χ² with 2 degrees of freedom at 0.99: the 99 % ellipse is the covariance ellipse scaled by its root.
CHI2_2DOF_99 = 9.2103
#: Two-sided 95 %: the Wilson interval's z.
Z_95 = 1.959964


@dataclass(frozen=True, slots=True)
class Spread:
    mean: float
    sd: float  # sample standard deviation (n - 1); 0 for one value
    maximum: float
    count: int

    @classmethod
    def of(cls, values: ArrayLike) -> Spread:
        v = np.asarray(values, dtype=np.float64)
        v = v[np.isfinite(v)]
        if v.size == 0:
            return cls(math.nan, math.nan, math.nan, 0)
        sd = float(v.std(ddof=1)) if v.size > 1 else 0.0
        return cls(float(v.mean()), sd, float(v.max()), int(v.size))


@dataclass(frozen=True, slots=True)
class Ellipse:
    """A confidence ellipse of points (x along the bow, y to starboard), in metres and degrees."""

    center_x_m: float
    center_y_m: float
    semi_major_m: float
    semi_minor_m: float
    angle_deg: float  # of the major axis from +x towards +y
    half_extent_x_m: float  # half its width along x (for the fit in an axis-aligned deck)
    half_extent_y_m: float


def confidence_ellipse(x: ArrayLike, y: ArrayLike, chi2: float = CHI2_2DOF_99) -> Ellipse:
    """The ellipse holding a share of a 2-D normal's points: covariance eigen-axes scaled by sqrt(chi2).

    Raises:
        ValueError: with fewer than two points.
    """
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if xs.size < 2:
        raise ValueError(f"an ellipse needs at least 2 points, got {xs.size}")
    cov = np.cov(np.stack([xs, ys]), ddof=1)
    eigenvalues, eigenvectors = np.linalg.eigh(cov)  # ascending
    minor, major = np.maximum(eigenvalues, 0.0)
    axis = eigenvectors[:, 1]
    angle = math.degrees(math.atan2(float(axis[1]), float(axis[0])))
    angle = (angle + 90.0) % 180.0 - 90.0  # an axis, not a direction
    scale = math.sqrt(chi2)
    return Ellipse(
        float(xs.mean()),
        float(ys.mean()),
        scale * math.sqrt(float(major)),
        scale * math.sqrt(float(minor)),
        angle,
        scale * math.sqrt(max(float(cov[0, 0]), 0.0)),
        scale * math.sqrt(max(float(cov[1, 1]), 0.0)),
    )


def ellipse_inside(ellipse: Ellipse, half_length_m: float, half_width_m: float) -> bool:
    """Whether the ellipse lies inside the rectangle |x| <= half_length, |y| <= half_width.

    Exact: an ellipse's extent along an axis is sqrt(chi2 · variance) about its centre.
    """
    return (
        abs(ellipse.center_x_m) + ellipse.half_extent_x_m <= half_length_m
        and abs(ellipse.center_y_m) + ellipse.half_extent_y_m <= half_width_m
    )


@dataclass(frozen=True, slots=True)
class Proportion:
    successes: int
    trials: int
    estimate: float
    low: float  # Wilson 95 % interval
    high: float


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> Proportion:
    """The proportion and its Wilson score interval (good near 0 and 1, unlike the normal one).

    Raises:
        ValueError: for no trials or successes outside 0..trials.
    """
    if trials <= 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials and trials > 0, got {successes}/{trials}")
    p = successes / trials
    z2 = z * z
    denominator = 1.0 + z2 / trials
    center = (p + z2 / (2.0 * trials)) / denominator
    half = z * math.sqrt(p * (1.0 - p) / trials + z2 / (4.0 * trials * trials)) / denominator
    # The interval always holds the estimate (rounding could leave 50/50's upper end at 0.9999...).
    return Proportion(successes, trials, p, min(max(center - half, 0.0), p), max(min(center + half, 1.0), p))


@dataclass(frozen=True, slots=True)
class DispersionSummary:
    runs: int
    landed: int  # on the deck
    miss_m: Spread
    vertical_speed_mps: Spread
    horizontal_speed_mps: Spread
    tilt_deg: Spread
    ellipse: Ellipse | None  # of the landed runs' touchdown points (None below 2 of them)
    ellipse_inside_deck: bool
    within_limits: Proportion


def summarize(
    along_m: ArrayLike,
    across_m: ArrayLike,
    vertical_speed_mps: ArrayLike,
    horizontal_speed_mps: ArrayLike,
    tilt_deg: ArrayLike,
    landed: ArrayLike,
    within_limits: ArrayLike,
    deck_length_m: float,
    deck_width_m: float,
) -> DispersionSummary:
    """The batch's statistics; touchdown points and speeds of the runs that landed on the deck."""
    on_deck = np.asarray(landed, dtype=np.bool_)
    x = np.asarray(along_m, dtype=np.float64)[on_deck]
    y = np.asarray(across_m, dtype=np.float64)[on_deck]
    ellipse = confidence_ellipse(x, y) if x.size >= 2 else None
    ok = np.asarray(within_limits, dtype=np.bool_)
    return DispersionSummary(
        runs=int(on_deck.size),
        landed=int(on_deck.sum()),
        miss_m=Spread.of(np.hypot(x, y)),
        vertical_speed_mps=Spread.of(np.asarray(vertical_speed_mps, dtype=np.float64)[on_deck]),
        horizontal_speed_mps=Spread.of(np.asarray(horizontal_speed_mps, dtype=np.float64)[on_deck]),
        tilt_deg=Spread.of(np.asarray(tilt_deg, dtype=np.float64)[on_deck]),
        ellipse=ellipse,
        ellipse_inside_deck=ellipse is not None
        and ellipse_inside(ellipse, deck_length_m / 2, deck_width_m / 2),
        within_limits=wilson_interval(int(ok.sum()), int(ok.size)),
    )
