"""Limits as values: the allowed condition, NaN never allowed, persistence one way or the other."""

from __future__ import annotations

import math

import pytest

from gcs.domain.limits import Comparator, Limit, Persistence


@pytest.mark.parametrize(
    ("limit", "value", "allowed"),
    [
        (Limit(Comparator.LT, 3.0), 2.9, True),
        (Limit(Comparator.LT, 3.0), 3.0, False),
        (Limit(Comparator.LE, 3.0), 3.0, True),
        (Limit(Comparator.LE, 3.0), 3.1, False),
        (Limit(Comparator.GT, 3.0), 3.0, False),
        (Limit(Comparator.GE, 3.0), 3.0, True),
        (Limit(Comparator.EQ, 1.0), 1.0, True),
        (Limit(Comparator.EQ, 1.0), 0.0, False),
        (Limit(Comparator.NE, 5.0), 4.0, True),
        (Limit(Comparator.NE, 5.0), 5.0, False),
        (Limit(Comparator.BETWEEN, low=1.0, high=2.0), 1.0, True),
        (Limit(Comparator.BETWEEN, low=1.0, high=2.0), 2.0, True),
        (Limit(Comparator.BETWEEN, low=1.0, high=2.0), 2.01, False),
        (Limit(Comparator.LE, 3.0), math.nan, False),
        (Limit(Comparator.NE, 5.0), math.nan, False),
        (Limit(Comparator.BETWEEN, low=1.0, high=2.0), math.nan, False),
    ],
)
def test_allows(limit: Limit, value: float, allowed: bool) -> None:
    assert limit.allows(value) is allowed


def test_words() -> None:
    assert str(Limit(Comparator.LE, 3.0)) == "<= 3"
    assert str(Limit(Comparator.BETWEEN, low=1e5, high=4e5)) == "between 100000 and 400000"
    assert str(Persistence()) == "at once"
    assert str(Persistence(samples=3)) == "for 3 samples"
    assert str(Persistence.of_seconds(2.5)) == "for 2.5 s"


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: Limit(Comparator.LE), "needs limit"),
        (lambda: Limit(Comparator.LE, 1.0, low=0.0), "no low or high"),
        (lambda: Limit(Comparator.BETWEEN, low=1.0), "needs low and high"),
        (lambda: Limit(Comparator.BETWEEN, low=2.0, high=1.0), "low must be <= high"),
        (lambda: Limit(Comparator.LE, math.inf), "finite"),
        (lambda: Persistence(samples=None), "either"),
        (lambda: Persistence(samples=2, seconds=1.0), "either"),
        (lambda: Persistence(samples=0), ">= 1"),
        (lambda: Persistence.of_seconds(-1.0), ">= 0"),
    ],
)
def test_bad_limits_are_refused(build: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        build()  # type: ignore[operator]
