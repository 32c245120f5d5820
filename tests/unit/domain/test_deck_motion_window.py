"""The deck-motion window's running totals against the statistics of its samples counted afresh.

``WindowedStatistics`` keeps its closed buckets' totals in a two-stack queue instead of summing
the window again after every bucket that closes or expires; whatever the order of adds, summaries
and expiries, it must say what the samples still in the window say.
"""

from __future__ import annotations

import math
import random

import pytest

from gcs.domain.deck_motion import WindowedStatistics


def _fresh(samples: list[tuple[float, float]], now_s: float, window_s: float,
           bucket_s: float) -> tuple[int, float, float, float, float, float] | None:
    """(count, max, min, mean, std, oldest) of the samples whose bucket reaches into the window."""
    kept = [(t, v) for t, v in samples if (math.floor(t / bucket_s) + 1) * bucket_s > now_s - window_s]
    if not kept:
        return None
    values = [v for _, v in kept]
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return len(values), max(values), min(values), mean, std, min(t for t, _ in kept)


@pytest.mark.parametrize("seed", range(6))
def test_the_summary_is_that_of_the_samples_in_the_window(seed: int) -> None:
    rng = random.Random(seed)
    window_s, bucket_s = rng.choice([(10.0, 1.0), (30.0, 0.5), (600.0, 1.0)])
    stats = WindowedStatistics(window_s=window_s, bucket_s=bucket_s)
    samples: list[tuple[float, float]] = []
    t_s = now_s = 0.0
    for _ in range(1500):
        # Bursts, gaps longer than the window, and summaries at any moment.
        t_s += rng.choice([0.01, 0.04, 0.3, 2.0, window_s * rng.random() * 1.5])
        value = rng.gauss(0.0, 2.0) + 100.0 * (rng.random() < 0.01)
        stats.add(t_s, value)
        samples.append((t_s, value))
        if rng.random() < 0.3:
            # Never earlier than a summary before: an expired bucket is gone for good.
            now_s = max(now_s, t_s + rng.random() * window_s * 0.2)
            expected = _fresh(samples, now_s, window_s, bucket_s)
            got = stats.summary(now_s)
            if expected is None:
                assert got is None
                continue
            assert got is not None
            count, maximum, minimum, mean, std, oldest = expected
            assert (got.count, got.maximum, got.minimum, got.oldest_t_s) == (count, maximum, minimum, oldest)
            assert got.mean == pytest.approx(mean, rel=1e-9, abs=1e-9)
            assert got.std == pytest.approx(std, rel=1e-9, abs=1e-9)
