"""Limits as values: what a field must be, and for how long a breach must last before it counts.

A ``Limit`` states the *allowed* condition (``must_be <= 3.0``), so a rule reads as it is said on
the loop: "pitch maximum must be at most three degrees". NaN never satisfies a limit: a sensor that
reports invalid data is no-go. Knows nothing of where values come from or what a breach triggers.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass


class Comparator(enum.Enum):
    """How a value is compared with its limit; values are the spellings in config files."""

    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    EQ = "=="
    NE = "!="
    BETWEEN = "between"
    """Inclusive band: ``low <= value <= high``."""


@dataclass(frozen=True, slots=True)
class Limit:
    """The condition a value must meet. ``limit`` for the plain comparators, ``low``/``high`` for a band."""

    must_be: Comparator
    limit: float | None = None
    low: float | None = None
    high: float | None = None

    def __post_init__(self) -> None:
        if self.must_be is Comparator.BETWEEN:
            if self.low is None or self.high is None or self.limit is not None:
                raise ValueError("a 'between' limit needs low and high, and no limit")
            if not self.low <= self.high:
                raise ValueError(f"low must be <= high, got {self.low} > {self.high}")
        elif self.limit is None or self.low is not None or self.high is not None:
            raise ValueError(f"a {self.must_be.value!r} limit needs limit, and no low or high")
        for bound in (self.limit, self.low, self.high):
            if bound is not None and not math.isfinite(bound):
                raise ValueError(f"limits must be finite numbers, got {bound}")

    def allows(self, value: float) -> bool:
        """Whether ``value`` meets the limit (NaN never does)."""
        if math.isnan(value):
            return False
        match self.must_be:
            case Comparator.BETWEEN:
                assert self.low is not None
                assert self.high is not None
                return self.low <= value <= self.high
            case Comparator.LT:
                return value < self._bound
            case Comparator.LE:
                return value <= self._bound
            case Comparator.GT:
                return value > self._bound
            case Comparator.GE:
                return value >= self._bound
            case Comparator.EQ:
                return value == self._bound
            case Comparator.NE:
                return value != self._bound
        raise AssertionError(self.must_be)  # pragma: no cover - match is exhaustive

    @property
    def _bound(self) -> float:
        assert self.limit is not None
        return self.limit

    def __str__(self) -> str:
        if self.must_be is Comparator.BETWEEN:
            return f"between {self.low:g} and {self.high:g}"
        return f"{self.must_be.value} {self.limit:g}"


@dataclass(frozen=True, slots=True)
class Persistence:
    """How long a breach must last to count: ``samples`` consecutive samples, or ``seconds``.

    Exactly one is set; the default (one sample) counts a breach at once.
    """

    samples: int | None = 1
    seconds: float | None = None

    def __post_init__(self) -> None:
        if (self.samples is None) == (self.seconds is None):
            raise ValueError("persistence is either a number of samples or a number of seconds")
        if self.samples is not None and self.samples < 1:
            raise ValueError(f"persistence samples must be >= 1, got {self.samples}")
        if self.seconds is not None and not (math.isfinite(self.seconds) and self.seconds >= 0):
            raise ValueError(f"persistence seconds must be >= 0, got {self.seconds}")

    @classmethod
    def of_seconds(cls, seconds: float) -> Persistence:
        return cls(samples=None, seconds=seconds)

    def __str__(self) -> str:
        if self.seconds is not None:
            return f"for {self.seconds:g} s"
        return "at once" if self.samples == 1 else f"for {self.samples} samples"
