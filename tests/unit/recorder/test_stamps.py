"""Stamps are exact microseconds and their ISO-8601 text round-trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gcs.recorder.stamps import iso_utc, parse_iso_utc, unix_us_from_s


def test_iso_text_has_a_fixed_shape() -> None:
    assert iso_utc(0) == "1970-01-01T00:00:00.000000Z"
    assert iso_utc(1_777_777_777_000_001) == "2026-05-03T03:09:37.000001Z"
    assert unix_us_from_s(1_777_777_777.25) == 1_777_777_777_250_000


@given(st.integers(min_value=0, max_value=253_402_300_799_999_999))
def test_iso_round_trips_every_microsecond(stamp_us: int) -> None:
    assert parse_iso_utc(iso_utc(stamp_us)) == stamp_us


@pytest.mark.parametrize(
    "text", ["2026-05-03T03:09:37Z", "2026-05-03 03:09:37.000000Z", "2026-05-03T03:09:37.000000+00:00"]
)
def test_other_shapes_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="ISO-8601"):
        parse_iso_utc(text)
