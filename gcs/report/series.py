"""Time series for the report: samples gathered per name, and thinned for a plot. Pure.

A report plots traces of flights from two minutes (a hop) to well over an hour (a cargo flight at
10 Hz and more), and every plot is inline SVG: one path vertex per point. ``decimate`` keeps a trace
to at most ``MAX_POINTS`` points by cutting it into buckets and keeping each bucket's lowest and
highest sample, in time order, so peaks (max q, the highest load, a red line crossed for one
sample) survive the thinning, which an every-n-th pick would lose.

Knows nothing of MAVLink, NMEA, sessions or plotting.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

MAX_POINTS = 2000
"""At most this many points per trace in a report."""


@dataclass(frozen=True, slots=True)
class Series:
    """One quantity over time: ``t_s`` (seconds, any common origin) and ``values``, same length."""

    name: str
    unit: str
    t_s: FloatArray
    values: FloatArray

    def __post_init__(self) -> None:
        if self.t_s.shape != self.values.shape or self.t_s.ndim != 1:
            raise ValueError(f"series {self.name}: t_s and values must be 1-D and of one length")

    def __len__(self) -> int:
        return int(self.t_s.size)

    @classmethod
    def of(cls, name: str, unit: str, t_s: Iterable[float], values: Iterable[float]) -> Series:
        return cls(
            name, unit, np.asarray(list(t_s), dtype=np.float64), np.asarray(list(values), dtype=np.float64)
        )

    def shifted(self, origin_s: float) -> Series:
        """The same series with ``origin_s`` subtracted from its times."""
        return Series(self.name, self.unit, self.t_s - origin_s, self.values)

    def between(self, start_s: float, end_s: float) -> Series:
        keep = (self.t_s >= start_s) & (self.t_s <= end_s)
        return Series(self.name, self.unit, self.t_s[keep], self.values[keep])

    def decimated(self, max_points: int = MAX_POINTS) -> Series:
        t_s, values = decimate(self.t_s, self.values, max_points)
        return Series(self.name, self.unit, t_s, values)

    def finite_max(self) -> tuple[float, float] | None:
        """``(t_s, value)`` of the largest finite value, or None if there is none."""
        finite = np.isfinite(self.values)
        if not finite.any():
            return None
        index = int(np.nanargmax(np.where(finite, self.values, -np.inf)))
        return float(self.t_s[index]), float(self.values[index])


def decimate(
    t_s: FloatArray, values: FloatArray, max_points: int = MAX_POINTS
) -> tuple[FloatArray, FloatArray]:
    """At most ``max_points`` samples of a trace, keeping each bucket's extremes (see the module docstring).

    Samples must be in time order. NaN samples (no data) are kept where a bucket holds nothing else,
    so a gap in the data stays a gap in the line.

    Raises:
        ValueError: ``max_points`` < 2.
    """
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2, got {max_points}")
    n = int(t_s.size)
    if n <= max_points:
        return t_s, values
    buckets = max_points // 2
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)
    keep: list[int] = []
    for start, end in itertools.pairwise(edges):
        if end <= start:
            continue
        chunk = values[start:end]
        finite = np.isfinite(chunk)
        if not finite.any():
            keep.append(int(start))  # a gap: one NaN keeps the line broken here
            continue
        low = int(start + np.argmin(np.where(finite, chunk, np.inf)))
        high = int(start + np.argmax(np.where(finite, chunk, -np.inf)))
        keep.extend(sorted({low, high}))
    index = np.asarray(keep, dtype=np.int64)
    return t_s[index], values[index]


@dataclass(slots=True)
class SeriesBook:
    """Samples gathered by name while a session is read; ``series`` turns them into ``Series``."""

    units: dict[str, str] = field(default_factory=dict)
    _t: dict[str, list[float]] = field(default_factory=dict)
    _v: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, t_s: float, value: float, unit: str = "") -> None:
        times = self._t.get(name)
        if times is None:
            times = self._t[name] = []
            self._v[name] = []
            self.units.setdefault(name, unit)
        times.append(t_s)
        self._v[name].append(value if math.isfinite(value) else math.nan)

    def names(self) -> list[str]:
        return list(self._t)

    def __contains__(self, name: object) -> bool:
        return name in self._t

    def series(self, name: str) -> Series | None:
        times = self._t.get(name)
        if not times:
            return None
        return Series(
            name,
            self.units.get(name, ""),
            np.asarray(times, dtype=np.float64),
            np.asarray(self._v[name], dtype=np.float64),
        )
