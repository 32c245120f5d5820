"""Landing-deck readiness: is this platform fit to receive the vehicle now, and if not, why not.

Limits follow helideck practice (reference/domain.md 3.2): pitch and roll as the largest absolute
value over the last 10 minutes, heave likewise (so about half the peak-to-peak figure), rates
instantaneous, wind over the deck, station keeping, and data that is fresh enough to believe.
A deck state that is missing or stale is no-go: silence is never taken for calm.
Knows nothing of how deck states are measured or what a no-go leads to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gcs.domain.platform import DeckState


@dataclass(frozen=True, slots=True)
class DeckLimits:
    """The worst deck a landing may be attempted on."""

    pitch_max_10min_deg: float = 3.0
    roll_max_10min_deg: float = 3.0
    heave_max_10min_m: float = 1.0
    pitch_rate_dps: float = 1.0
    roll_rate_dps: float = 1.0
    heave_rate_mps: float = 1.0
    wind_over_deck_speed_mps: float = 12.0
    station_keeping_error_m: float = 5.0
    max_data_age_s: float = 5.0

    def __post_init__(self) -> None:
        for name in self.__slots__:
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a number > 0, got {value}")


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason a deck is no-go: which quantity, what it is, what it may be."""

    quantity: str
    value: float | None
    limit: str

    def __str__(self) -> str:
        shown = "no data" if self.value is None else f"{self.value:g}"
        return f"{self.quantity} {shown} (limit {self.limit})"


@dataclass(frozen=True, slots=True)
class DeckReadiness:
    """The verdict on one platform at one instant. ``findings`` is empty when go."""

    platform: str
    go: bool
    findings: tuple[Finding, ...]
    at_s: float

    @property
    def reason(self) -> str:
        if self.go:
            return f"{self.platform}: deck within limits"
        return f"{self.platform}: " + "; ".join(str(f) for f in self.findings)


def assess_deck(platform: str, deck: DeckState | None, limits: DeckLimits, now_s: float) -> DeckReadiness:
    """Whether the deck of ``platform`` is within ``limits`` at ``now_s``."""
    if deck is None:
        return DeckReadiness(platform, False, (Finding("deck state", None, "a report"),), now_s)
    age_s = now_s - deck.t_s
    if age_s > limits.max_data_age_s:
        finding = Finding("deck data age s", age_s, f"<= {limits.max_data_age_s:g}")
        return DeckReadiness(platform, False, (finding,), now_s)
    findings: list[Finding] = []
    magnitudes = (
        ("pitch max 10 min deg", deck.pitch_max_10min_deg, limits.pitch_max_10min_deg),
        ("roll max 10 min deg", deck.roll_max_10min_deg, limits.roll_max_10min_deg),
        ("heave max 10 min m", deck.heave_max_10min_m, limits.heave_max_10min_m),
        ("pitch rate deg/s", abs(deck.pitch_rate_dps), limits.pitch_rate_dps),
        ("roll rate deg/s", abs(deck.roll_rate_dps), limits.roll_rate_dps),
        ("heave rate m/s", abs(deck.heave_rate_mps), limits.heave_rate_mps),
        ("wind over deck m/s", deck.wind_over_deck_speed_mps, limits.wind_over_deck_speed_mps),
        ("station keeping error m", deck.station_keeping_error_m, limits.station_keeping_error_m),
    )
    for quantity, value, limit in magnitudes:
        # 'not <=' rather than '>' so that a NaN from a failed sensor is a finding too.
        if not value <= limit:
            findings.append(Finding(quantity, value, f"<= {limit:g}"))
    if not deck.on_station:
        findings.append(Finding("on station", 0.0, "== 1"))
    if deck.deck_clear is False:
        findings.append(Finding("deck clear", 0.0, "== 1"))
    return DeckReadiness(platform, not findings, tuple(findings), now_s)
