"""Deck motion as helideck practice reports it: the value now, its rate, and extremes over 10 minutes.

``DeckMotionTracker`` takes pitch, roll and heave samples (the ground station's one convention:
pitch +bow up, roll +port up, heave +up) with their time as an argument, and answers with
``DeckMotionFigures``: per quantity the newest value, its rate, and over the last ``window_s``
(600 s, as CAP 437 reports deck motion) the largest absolute value, the extremes, the
peak-to-peak range, the standard deviation (so significant heave, 4σ) and the largest absolute rate.

How the window works: samples are summed into buckets of ``bucket_s`` (1 s); a bucket stays in the
window while any part of it is younger than ``window_s``. So a sample counts for at least
``window_s`` and at most ``window_s + bucket_s``: a maximum is never forgotten early, memory stays
at about ``window_s / bucket_s`` buckets per quantity whatever the sensor's rate, and each sample
costs O(1). So does each summary: the closed buckets sit in a two-stack queue whose partial
totals are kept as buckets come and go (``_BucketQueue``), never summed afresh over the window.

Rates are the least-squares slope of the samples of the last ``rate_span_s`` (0.5 s): a sensor's
0.01° or 1 cm quantisation and the jitter of receive times would make a two-point difference
useless at 25-100 Hz. The slope is the rate about ``rate_span_s / 2`` ago, which is what a deck
limit of 1°/s or 1 m/s can live with.

Pure: time is an argument, never read. Knows nothing of NMEA, sensors, links or clocks.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

HELIDECK_WINDOW_S = 600.0
"""CAP 437 / HCA practice: report the maxima over the last 10 minutes."""
DEFAULT_BUCKET_S = 1.0
DEFAULT_RATE_SPAN_S = 0.5
SIGNIFICANT_HEIGHT_PER_STD = 4.0
"""Significant height is four standard deviations of the elevation (reference/domain.md §4)."""


@dataclass(frozen=True, slots=True)
class WindowSummary:
    """One quantity over the window: sample count, extremes, mean, standard deviation, coverage."""

    count: int
    maximum: float
    minimum: float
    mean: float
    std: float
    oldest_t_s: float
    """Time of the oldest sample still in the window."""

    @property
    def max_abs(self) -> float:
        return max(abs(self.maximum), abs(self.minimum))

    @property
    def peak_to_peak(self) -> float:
        return self.maximum - self.minimum


class _Bucket:
    """Count, extremes, mean and sum of squared deviations (Welford/Chan) of one time bucket."""

    __slots__ = ("index", "m2", "maximum", "mean", "minimum", "n", "oldest_t_s")

    def __init__(self, index: int, t_s: float, value: float) -> None:
        self.index = index
        self.n = 1
        self.mean = value
        self.m2 = 0.0
        self.maximum = value
        self.minimum = value
        self.oldest_t_s = t_s

    def add(self, value: float) -> None:
        self.n += 1
        delta = value - self.mean
        self.mean += delta / self.n
        self.m2 += delta * (value - self.mean)
        # Comparisons, not max()/min(): this runs for every sample of every quantity.
        if value > self.maximum:
            self.maximum = value
        if value < self.minimum:
            self.minimum = value


class _Totals:
    """Buckets combined with Chan's parallel formula (no running subtraction, so no drift)."""

    __slots__ = ("m2", "maximum", "mean", "minimum", "n", "oldest_t_s")

    def __init__(self) -> None:
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0
        self.maximum = -math.inf
        self.minimum = math.inf
        self.oldest_t_s = math.inf

    def merge(self, other: _Bucket | _Totals) -> None:
        if other.n == 0:
            return
        n = self.n + other.n
        delta = other.mean - self.mean
        self.mean += delta * other.n / n
        self.m2 += other.m2 + delta * delta * self.n * other.n / n
        self.n = n
        if other.maximum > self.maximum:
            self.maximum = other.maximum
        if other.minimum < self.minimum:
            self.minimum = other.minimum
        if other.oldest_t_s < self.oldest_t_s:
            self.oldest_t_s = other.oldest_t_s

    def combined(self, other: _Bucket | _Totals) -> _Totals:
        """A new total of ``self`` and ``other`` (``self`` unchanged)."""
        out = _Totals()
        out.merge(self)
        out.merge(other)
        return out


class _BucketQueue:
    """The closed buckets, oldest first, with the total of all of them in O(1) amortised.

    A two-stack queue: new buckets go on ``_back`` with a running total; the oldest are taken from
    ``_front``, where each entry also holds the total of itself and every newer entry of the front.
    When the front runs dry the back is moved over in one pass. So adding, expiring and totalling
    cost O(1) amortised, instead of one pass over the whole window for each summary after a bucket
    closed or expired (once a second per quantity: 600 merges each time).
    """

    __slots__ = ("_back", "_back_totals", "_front")

    def __init__(self) -> None:
        self._front: list[tuple[_Bucket, _Totals]] = []  # the oldest last
        self._back: list[_Bucket] = []  # the newest last
        self._back_totals = _Totals()

    def __len__(self) -> int:
        return len(self._front) + len(self._back)

    def append(self, bucket: _Bucket) -> None:
        self._back.append(bucket)
        self._back_totals.merge(bucket)

    def oldest(self) -> _Bucket | None:
        if self._front:
            return self._front[-1][0]
        return self._back[0] if self._back else None

    def pop_oldest(self) -> None:
        if not self._front:
            totals = _Totals()
            for bucket in reversed(self._back):
                totals = totals.combined(bucket)
                self._front.append((bucket, totals))
            self._back.clear()
            self._back_totals = _Totals()
        self._front.pop()

    def totals(self) -> _Totals:
        """The total of every closed bucket (a new object: the caller may merge into it)."""
        if self._front:
            return self._front[-1][1].combined(self._back_totals)
        return _Totals().combined(self._back_totals)


class WindowedStatistics:
    """Extremes, mean and standard deviation of one quantity over a sliding time window.

    Args:
        window_s: the window's length.
        bucket_s: the time resolution of the window's edge (see the module docstring).

    Raises:
        ValueError: a non-positive window or bucket, or a bucket longer than the window.
    """

    def __init__(self, window_s: float = HELIDECK_WINDOW_S, bucket_s: float = DEFAULT_BUCKET_S) -> None:
        if not (math.isfinite(window_s) and math.isfinite(bucket_s) and 0 < bucket_s <= window_s):
            raise ValueError(f"need 0 < bucket_s <= window_s, got {bucket_s} and {window_s}")
        self.window_s = window_s
        self.bucket_s = bucket_s
        self._closed = _BucketQueue()
        self._open: _Bucket | None = None

    def add(self, t_s: float, value: float) -> None:
        """Add one sample. Non-finite values are ignored (a sensor's NaN is not a deck angle).

        A time earlier than the newest bucket (a clock that stepped back) is filed in the newest
        bucket, so the window never reopens a bucket it has closed.
        """
        if not (math.isfinite(t_s) and math.isfinite(value)):
            return
        index = math.floor(t_s / self.bucket_s)
        bucket = self._open
        if bucket is not None and index <= bucket.index:
            bucket.add(value)
            return
        if bucket is not None:
            self._closed.append(bucket)
        self._open = _Bucket(index, t_s, value)

    def summary(self, now_s: float) -> WindowSummary | None:
        """The statistics of the samples in the window at ``now_s``; None if there are none."""
        self._expire(now_s)
        totals = self._closed.totals()
        if self._open is not None and self._in_window(self._open.index, now_s):
            totals.merge(self._open)
        if totals.n == 0:
            return None
        return WindowSummary(
            count=totals.n,
            maximum=totals.maximum,
            minimum=totals.minimum,
            mean=totals.mean,
            std=math.sqrt(max(0.0, totals.m2 / totals.n)),
            oldest_t_s=totals.oldest_t_s,
        )

    def _in_window(self, index: int, now_s: float) -> bool:
        return (index + 1) * self.bucket_s > now_s - self.window_s

    def _expire(self, now_s: float) -> None:
        while (oldest := self._closed.oldest()) is not None and not self._in_window(oldest.index, now_s):
            self._closed.pop_oldest()


REBASE_SPANS = 4.0
"""The rate's running sums are recounted once the newest sample is this many spans past their origin."""


class LeastSquaresRate:
    """The rate of change of one quantity: the least-squares slope over the last ``span_s``.

    ``rate()`` is None until the samples in the span cover at least half of it, so two samples
    that arrived in one read (the same receive time) never make a rate.

    Raises:
        ValueError: a non-positive span.
    """

    def __init__(self, span_s: float = DEFAULT_RATE_SPAN_S) -> None:
        if not (math.isfinite(span_s) and span_s > 0):
            raise ValueError(f"span_s must be > 0, got {span_s}")
        self.span_s = span_s
        self._samples: deque[tuple[float, float]] = deque()
        # Running sums over the samples, with times counted from ``_t0`` so they stay small: the
        # slope is O(1) per sample (23 Hz MRU streams, three quantities, at up to 100x in SITL).
        self._t0 = 0.0
        self._sum_t = self._sum_v = self._sum_tt = self._sum_tv = 0.0

    def add(self, t_s: float, value: float) -> None:
        if not (math.isfinite(t_s) and math.isfinite(value)):
            return
        if self._samples and t_s < self._samples[-1][0]:
            t_s = self._samples[-1][0]  # a clock that stepped back: keep the samples in order
        if not self._samples or t_s - self._t0 > REBASE_SPANS * self.span_s:
            self._samples.append((t_s, value))
            self._expire(t_s)
            self._rebase()
            return
        self._samples.append((t_s, value))
        self._sum(t_s, value, 1.0)
        self._expire(t_s)

    def rate(self) -> float | None:
        samples = self._samples
        if len(samples) < 2 or samples[-1][0] - samples[0][0] < self.span_s / 2:
            return None
        n = len(samples)
        sxx = self._sum_tt - self._sum_t * self._sum_t / n
        sxy = self._sum_tv - self._sum_t * self._sum_v / n
        # Below this the spread of times is lost in the sums' rounding: no slope to speak of.
        if sxx <= 1e-9 * max(1.0, self._sum_tt):
            return None
        return sxy / sxx

    def _expire(self, t_s: float) -> None:
        while self._samples[0][0] < t_s - self.span_s:
            old_t, old_v = self._samples.popleft()
            self._sum(old_t, old_v, -1.0)

    def _sum(self, t_s: float, value: float, sign: float) -> None:
        x = t_s - self._t0
        self._sum_t += sign * x
        self._sum_v += sign * value
        self._sum_tt += sign * x * x
        self._sum_tv += sign * x * value

    def _rebase(self) -> None:
        """Recount the sums from the oldest sample (now and then, so rounding never accumulates)."""
        self._t0 = self._samples[0][0]
        self._sum_t = self._sum_v = self._sum_tt = self._sum_tv = 0.0
        for t, v in self._samples:
            self._sum(t, v, 1.0)


@dataclass(frozen=True, slots=True)
class MotionFigures:
    """One quantity (pitch, roll or heave): newest value and rate, and the window's statistics.

    Units are the tracker's input units (degrees or metres, per second for rates).
    """

    value: float
    t_s: float
    """When ``value`` was sampled."""
    rate_per_s: float | None
    window: WindowSummary
    rate_max_abs_per_s: float | None
    """Largest absolute rate in the window; None until a rate could be formed."""

    @property
    def max_abs(self) -> float:
        return self.window.max_abs

    @property
    def peak_to_peak(self) -> float:
        return self.window.peak_to_peak

    @property
    def significant_height(self) -> float:
        """Four standard deviations over the window (significant heave, for heave)."""
        return SIGNIFICANT_HEIGHT_PER_STD * self.window.std


@dataclass(frozen=True, slots=True)
class DeckMotionFigures:
    """The deck's motion at one instant; a quantity never sampled in the window is None."""

    pitch_bow_up_deg: MotionFigures | None
    roll_port_up_deg: MotionFigures | None
    heave_up_m: MotionFigures | None

    def covered_s(self, now_s: float) -> float:
        """How much of the window the samples span: maxima over less than the window understate."""
        oldest = [
            f.window.oldest_t_s
            for f in (self.pitch_bow_up_deg, self.roll_port_up_deg, self.heave_up_m)
            if f is not None
        ]
        return max(0.0, now_s - min(oldest)) if oldest else 0.0


class _Quantity:
    """Statistics, rate and rate statistics of one quantity."""

    def __init__(self, window_s: float, bucket_s: float, rate_span_s: float) -> None:
        self.values = WindowedStatistics(window_s, bucket_s)
        self.rates = WindowedStatistics(window_s, bucket_s)
        self.rate = LeastSquaresRate(rate_span_s)
        self.latest: tuple[float, float] | None = None
        self.latest_rate: float | None = None

    def add(self, t_s: float, value: float) -> None:
        if not (math.isfinite(t_s) and math.isfinite(value)):
            return
        self.values.add(t_s, value)
        self.rate.add(t_s, value)
        self.latest = (t_s, value)
        self.latest_rate = self.rate.rate()
        if self.latest_rate is not None:
            self.rates.add(t_s, self.latest_rate)

    def figures(self, now_s: float) -> MotionFigures | None:
        window = self.values.summary(now_s)
        if window is None or self.latest is None:
            return None
        rates = self.rates.summary(now_s)
        return MotionFigures(
            value=self.latest[1],
            t_s=self.latest[0],
            rate_per_s=self.latest_rate,
            window=window,
            rate_max_abs_per_s=None if rates is None else rates.max_abs,
        )


class DeckMotionTracker:
    """Pitch, roll and heave of one deck over a sliding window; see the module docstring.

    Args:
        window_s: the window of the maxima (600 s: helideck practice).
        bucket_s: the resolution of the window's edge.
        rate_span_s: the span of the least-squares rate.

    Raises:
        ValueError: non-positive or inconsistent spans.
    """

    def __init__(
        self,
        *,
        window_s: float = HELIDECK_WINDOW_S,
        bucket_s: float = DEFAULT_BUCKET_S,
        rate_span_s: float = DEFAULT_RATE_SPAN_S,
    ) -> None:
        self._pitch = _Quantity(window_s, bucket_s, rate_span_s)
        self._roll = _Quantity(window_s, bucket_s, rate_span_s)
        self._heave = _Quantity(window_s, bucket_s, rate_span_s)
        self.window_s = window_s

    def add(
        self,
        t_s: float,
        *,
        pitch_bow_up_deg: float | None = None,
        roll_port_up_deg: float | None = None,
        heave_up_m: float | None = None,
    ) -> None:
        """Add what one sensor sentence measured at ``t_s``; a quantity it lacks stays as it was."""
        if pitch_bow_up_deg is not None:
            self._pitch.add(t_s, pitch_bow_up_deg)
        if roll_port_up_deg is not None:
            self._roll.add(t_s, roll_port_up_deg)
        if heave_up_m is not None:
            self._heave.add(t_s, heave_up_m)

    def figures(self, now_s: float) -> DeckMotionFigures:
        return DeckMotionFigures(
            pitch_bow_up_deg=self._pitch.figures(now_s),
            roll_port_up_deg=self._roll.figures(now_s),
            heave_up_m=self._heave.figures(now_s),
        )
