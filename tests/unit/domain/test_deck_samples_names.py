"""Deck samples with their names made once against the samples as first written (names made per call).

``deck_samples`` runs for every deck state of every platform, several times a second; it takes
each slot's field names from a table made at import. The samples must be the same, in the same
order, whatever the deck reports.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from gcs.domain.fields import Sample, deck_samples
from gcs.domain.platform import DeckState, PlatformSlot
from tests.unit.domain.test_landing import CALM


def _old(slot: PlatformSlot, deck: DeckState) -> tuple[Sample, ...]:
    values: dict[str, float] = {
        "pitch_deg": deck.pitch_deg,
        "roll_deg": deck.roll_deg,
        "heave_m": deck.heave_m,
        "pitch_rate_dps": deck.pitch_rate_dps,
        "roll_rate_dps": deck.roll_rate_dps,
        "heave_rate_mps": deck.heave_rate_mps,
        "pitch_max_10min_deg": deck.pitch_max_10min_deg,
        "roll_max_10min_deg": deck.roll_max_10min_deg,
        "heave_max_10min_m": deck.heave_max_10min_m,
        "wind_over_deck_speed_mps": deck.wind_over_deck_speed_mps,
        "station_keeping_error_m": deck.station_keeping_error_m,
        "on_station": 1.0 if deck.on_station else 0.0,
    }
    if deck.deck_clear is not None:
        values["deck_clear"] = 1.0 if deck.deck_clear else 0.0
    return tuple(Sample(f"{slot.value}.{name}", value, deck.t_s) for name, value in values.items())


def _key(samples: tuple[Sample, ...]) -> list[tuple[str, str, float]]:
    return [(s.field, repr(s.value), s.t_s) for s in samples]  # (repr: NaN equals NaN)


@pytest.mark.parametrize("slot", list(PlatformSlot))
@pytest.mark.parametrize("deck_clear", [None, True, False])
@pytest.mark.parametrize("on_station", [True, False])
def test_deck_samples_are_what_they_were(
        slot: PlatformSlot, deck_clear: bool | None, on_station: bool) -> None:
    for deck in (
        dataclasses.replace(CALM, deck_clear=deck_clear, on_station=on_station, t_s=12.5),
        dataclasses.replace(CALM, deck_clear=deck_clear, on_station=on_station, pitch_deg=math.nan,
                            heave_rate_mps=math.nan, station_keeping_error_m=-0.0),
    ):
        assert _key(deck_samples(slot, deck)) == _key(_old(slot, deck))
