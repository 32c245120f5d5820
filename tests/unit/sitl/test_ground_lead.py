"""The vehicle's ground lead in simulated seconds: half a wall second at the asked speed, between
2 s (a loaded station must not look silent) and 10 s (every ground round trip waits out the lead)."""

import pytest

from gcs.sitl.mission import ground_lead_s


@pytest.mark.parametrize(
    ("speed", "lead_s"),
    [(1.0, 2.0), (4.0, 2.0), (10.0, 5.0), (20.0, 10.0), (50.0, 10.0), (100.0, 10.0), (400.0, 10.0)],
)
def test_the_lead_is_half_a_wall_second_within_two_and_ten_simulated_seconds(
    speed: float, lead_s: float
) -> None:
    assert ground_lead_s(speed) == lead_s
