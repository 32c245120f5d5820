"""Wind over the deck and true wind as tables: the platform's own motion added or taken away."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gcs.domain.deck_wind import Wind, true_wind, wind_over_deck

S2 = math.sqrt(2.0)


@pytest.mark.parametrize(
    ("true", "heading", "speed", "course", "over_deck"),
    [
        # A platform holding still: the relative angle is the true direction less the heading.
        (Wind(0.0, 10.0), 0.0, 0.0, 0.0, Wind(0.0, 10.0)),
        (Wind(30.0, 10.0), 300.0, 0.0, 0.0, Wind(90.0, 10.0)),  # from the north-east, bow north-west
        (Wind(270.0, 8.0), 90.0, 0.0, 45.0, Wind(180.0, 8.0)),  # from astern
        # Steaming into calm air: a head wind of the platform's own speed.
        (Wind(0.0, 0.0), 0.0, 5.0, 0.0, Wind(0.0, 5.0)),
        (Wind(123.0, 0.0), 200.0, 5.0, 200.0, Wind(0.0, 5.0)),
        # Steaming east at 10 m/s with 10 m/s from the north: 14.1 m/s from 45° true, bow east -> 315°.
        (Wind(0.0, 10.0), 90.0, 10.0, 90.0, Wind(315.0, 10.0 * S2)),
        # Running before the wind at its own speed: no wind over the deck.
        (Wind(180.0, 6.0), 0.0, 6.0, 0.0, Wind(0.0, 0.0)),
        # Crabbing: heading north, moving east at 2 m/s, no wind: the air comes from starboard.
        (Wind(0.0, 0.0), 0.0, 2.0, 90.0, Wind(90.0, 2.0)),
    ],
)
def test_wind_over_deck(true: Wind, heading: float, speed: float, course: float, over_deck: Wind) -> None:
    got = wind_over_deck(true, heading, speed, course)
    assert got.speed_mps == pytest.approx(over_deck.speed_mps, abs=1e-9)
    assert _angle_diff(got.from_deg, over_deck.from_deg) == pytest.approx(0.0, abs=1e-9)
    assert 0.0 <= got.from_deg < 360.0


@pytest.mark.parametrize(
    ("relative", "heading", "speed", "course", "true"),
    [
        (Wind(0.0, 10.0), 0.0, 0.0, 0.0, Wind(0.0, 10.0)),
        (Wind(90.0, 10.0), 300.0, 0.0, 0.0, Wind(30.0, 10.0)),
        (Wind(0.0, 5.0), 0.0, 5.0, 0.0, Wind(0.0, 0.0)),  # all of it was the platform's own speed
        (Wind(315.0, 10.0 * S2), 90.0, 10.0, 90.0, Wind(0.0, 10.0)),
    ],
)
def test_true_wind(relative: Wind, heading: float, speed: float, course: float, true: Wind) -> None:
    got = true_wind(relative, heading, speed, course)
    assert got.speed_mps == pytest.approx(true.speed_mps, abs=1e-9)
    if true.speed_mps > 0:
        assert _angle_diff(got.from_deg, true.from_deg) == pytest.approx(0.0, abs=1e-9)


angles = st.floats(min_value=0.0, max_value=359.99)
speeds = st.floats(min_value=0.0, max_value=60.0)


@given(
    wind=st.builds(Wind, angles, st.floats(min_value=0.1, max_value=60.0)),
    heading=angles,
    speed=speeds,
    course=angles,
)
def test_over_deck_and_back_is_the_same_wind(wind: Wind, heading: float, speed: float, course: float) -> None:
    back = true_wind(wind_over_deck(wind, heading, speed, course), heading, speed, course)
    assert back.speed_mps == pytest.approx(wind.speed_mps, abs=1e-6)
    assert _angle_diff(back.from_deg, wind.from_deg) == pytest.approx(0.0, abs=1e-5)


def _angle_diff(a: float, b: float) -> float:
    return (a - b + 180.0) % 360.0 - 180.0
