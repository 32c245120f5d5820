"""What ``gcs sitl`` sets by the run's speed, in simulated seconds.

The vehicle's ground lead: half a wall second at the asked speed, between 2 s (a loaded station
must not look silent) and 10 s (every ground round trip waits out the lead). The platform feeds'
stale floor (50 ms of wall time) and deck-rate span (at least 20 ms of wall time): a simulated
sensor box runs only so often. The coast tick: half the range's data-gap caution at most.
"""

import pytest

from gcs.sitl.mission import coast_tick_s, deck_rate_span_s, feed_stale_floor_s, ground_lead_s


@pytest.mark.parametrize(
    ("speed", "lead_s"),
    [(1.0, 2.0), (4.0, 2.0), (10.0, 5.0), (20.0, 10.0), (50.0, 10.0), (100.0, 10.0), (400.0, 10.0)],
)
def test_the_lead_is_half_a_wall_second_within_two_and_ten_simulated_seconds(
    speed: float, lead_s: float
) -> None:
    assert ground_lead_s(speed) == lead_s


@pytest.mark.parametrize(("speed", "floor_s"), [(1.0, 0.05), (10.0, 0.5), (50.0, 2.5), (100.0, 5.0)])
def test_platform_values_are_stale_no_sooner_than_50_ms_of_wall_time(speed: float, floor_s: float) -> None:
    assert feed_stale_floor_s(speed) == pytest.approx(floor_s)


@pytest.mark.parametrize(("speed", "span_s"), [(1.0, 0.5), (25.0, 0.5), (50.0, 1.0), (100.0, 2.0)])
def test_deck_rates_span_at_least_20_ms_of_wall_time(speed: float, span_s: float) -> None:
    assert deck_rate_span_s(speed) == pytest.approx(span_s)


@pytest.mark.parametrize(("gap_s", "tick_s"), [(1.0, 0.5), (0.4, 0.2), (2.0, 1.0), (10.0, 1.0)])
def test_the_coast_tick_is_at_most_half_the_ranges_data_gap_caution(gap_s: float, tick_s: float) -> None:
    assert coast_tick_s(gap_s) == tick_s
