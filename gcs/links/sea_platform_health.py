"""Freshness of a platform's feed: when each kind of value last came, and sentence rates. Pure.

A value is *stale* once it is older than ``stale_after_intervals`` of the interval its sensor is
expected to send at (``SeaPlatformSettings.stale_after_s``); a kind never received is stale too:
silence is never taken for calm. Time is an argument (seconds on the link's monotonic clock).
Knows nothing of sockets, sentences or the hub.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Mapping
from types import MappingProxyType

from gcs.links.sea_platform_settings import FeedKind, SeaPlatformSettings


def is_stale(age_s: float | None, stale_after_s: float) -> bool:
    """Whether a value of this age (None: never received) is too old to use."""
    return age_s is None or age_s > stale_after_s


class FeedAges:
    """When each kind of value last arrived, and how old and how fresh that is at any time."""

    def __init__(self, settings: SeaPlatformSettings) -> None:
        self._settings = settings
        self._last_s: dict[FeedKind, float] = {}

    def touch(self, kind: FeedKind, monotonic_s: float) -> None:
        """A value of ``kind`` arrived at ``monotonic_s``."""
        self._last_s[kind] = max(monotonic_s, self._last_s.get(kind, monotonic_s))

    def last_s(self, kind: FeedKind) -> float | None:
        return self._last_s.get(kind)

    def age_s(self, kind: FeedKind, now_s: float) -> float | None:
        last = self._last_s.get(kind)
        return None if last is None else max(0.0, now_s - last)

    def is_fresh(self, kind: FeedKind, now_s: float) -> bool:
        return not is_stale(self.age_s(kind, now_s), self._settings.stale_after_s(kind))

    def ages(self, now_s: float) -> Mapping[FeedKind, float | None]:
        return MappingProxyType({kind: self.age_s(kind, now_s) for kind in FeedKind})

    def stale(self, now_s: float) -> frozenset[FeedKind]:
        return frozenset(kind for kind in FeedKind if not self.is_fresh(kind, now_s))


RATE_WINDOW_S = 5.0
"""Sentence rates are averaged over about this long: over one second a 1 Hz sentence reads 0 or 2."""


class SentenceRates:
    """Sentences decoded per type: totals, and rates over the last ``window_s`` of snapshots."""

    def __init__(self, window_s: float = RATE_WINDOW_S) -> None:
        self._window_s = window_s
        self._totals: Counter[str] = Counter()
        self._snapshots: deque[tuple[float, Counter[str]]] = deque()

    def count(self, type_name: str) -> None:
        self._totals[type_name] += 1

    @property
    def totals(self) -> Mapping[str, int]:
        return MappingProxyType(dict(self._totals))

    def snapshot(self, now_s: float) -> Mapping[str, float]:
        """Per type, sentences per second since the oldest snapshot of the window (empty at first)."""
        snapshots = self._snapshots
        if not snapshots or now_s > snapshots[-1][0]:
            snapshots.append((now_s, Counter(self._totals)))
        # Keep one snapshot at or beyond the window's start, so the rate spans the whole window.
        while len(snapshots) > 2 and snapshots[1][0] <= now_s - self._window_s:
            snapshots.popleft()
        then_s, then = snapshots[0]
        if now_s <= then_s:
            return MappingProxyType({})
        elapsed = now_s - then_s
        rates = {name: (total - then[name]) / elapsed for name, total in self._totals.items()}
        return MappingProxyType(dict(sorted(rates.items())))
