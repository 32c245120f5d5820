"""Landing-deck readiness: every limit, missing and stale data, NaN, the platform's own flags."""

from __future__ import annotations

import dataclasses
import math

import pytest

from gcs.domain.landing import DeckLimits, assess_deck
from gcs.domain.platform import DeckState

CALM = DeckState(
    platform="landing-barge",
    t_s=100.0,
    latitude_deg=31.159,
    longitude_deg=-121.933,
    heading_true_deg=300.0,
    pitch_deg=0.5,
    roll_deg=-0.8,
    heave_m=0.2,
    pitch_rate_dps=0.2,
    roll_rate_dps=-0.3,
    heave_rate_mps=0.1,
    pitch_max_10min_deg=1.0,
    roll_max_10min_deg=1.4,
    heave_max_10min_m=0.4,
    wind_over_deck_speed_mps=6.0,
    wind_over_deck_direction_deg=20.0,
    station_keeping_error_m=1.5,
    on_station=True,
    deck_clear=True,
)
LIMITS = DeckLimits()


def test_calm_deck_is_go() -> None:
    verdict = assess_deck("landing-barge", CALM, LIMITS, 101.0)
    assert verdict.go
    assert verdict.findings == ()
    assert "within limits" in verdict.reason


@pytest.mark.parametrize(
    ("change", "quantity"),
    [
        ({"pitch_max_10min_deg": 3.5}, "pitch max 10 min deg"),
        ({"roll_max_10min_deg": 4.0}, "roll max 10 min deg"),
        ({"heave_max_10min_m": 1.2}, "heave max 10 min m"),
        ({"pitch_rate_dps": -1.5}, "pitch rate deg/s"),
        ({"roll_rate_dps": 1.5}, "roll rate deg/s"),
        ({"heave_rate_mps": -1.2}, "heave rate m/s"),
        ({"wind_over_deck_speed_mps": 13.0}, "wind over deck m/s"),
        ({"station_keeping_error_m": 6.0}, "station keeping error m"),
        ({"pitch_max_10min_deg": math.nan}, "pitch max 10 min deg"),
        ({"on_station": False}, "on station"),
        ({"deck_clear": False}, "deck clear"),
    ],
)
def test_each_limit_makes_it_no_go_and_says_which(change: dict[str, object], quantity: str) -> None:
    verdict = assess_deck("landing-barge", dataclasses.replace(CALM, **change), LIMITS, 101.0)  # type: ignore[arg-type]
    assert not verdict.go
    assert [f.quantity for f in verdict.findings] == [quantity]
    assert quantity in verdict.reason


def test_exactly_at_the_limit_is_go() -> None:
    deck = dataclasses.replace(CALM, pitch_max_10min_deg=3.0, wind_over_deck_speed_mps=12.0)
    assert assess_deck("landing-barge", deck, LIMITS, 101.0).go


def test_deck_clear_not_reported_is_not_a_finding() -> None:
    assert assess_deck("landing-barge", dataclasses.replace(CALM, deck_clear=None), LIMITS, 101.0).go


def test_missing_and_stale_data_are_no_go() -> None:
    missing = assess_deck("landing-barge", None, LIMITS, 101.0)
    assert not missing.go
    assert "no data" in missing.reason
    stale = assess_deck("landing-barge", CALM, LIMITS, 100.0 + LIMITS.max_data_age_s + 0.1)
    assert not stale.go
    assert "age" in stale.reason


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="pitch_max_10min_deg"):
        DeckLimits(pitch_max_10min_deg=0.0)
