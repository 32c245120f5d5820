"""The domain's mirrors of the wire enums agree with the dialect, value for value."""

from __future__ import annotations

import pytest

from gcs.domain.phases import CountdownDisplay, FlightPhase
from gcs.protocol import dialect


@pytest.mark.parametrize(
    ("mirror", "wire"), [(FlightPhase, dialect.FlightPhase), (CountdownDisplay, dialect.CountdownState)]
)
def test_mirror_matches_the_dialect(mirror: type, wire: type) -> None:
    assert [(m.name, int(m)) for m in mirror] == [(w.name, int(w)) for w in wire]


def test_phase_values_are_the_documented_ones() -> None:
    assert [int(p) for p in FlightPhase] == list(range(12))
    assert FlightPhase.ABORT == 10
    assert FlightPhase.FLIGHT_TERMINATION == 11


def test_phase_names_from_config() -> None:
    assert FlightPhase.from_name("Landing_Burn") is FlightPhase.LANDING_BURN
    assert FlightPhase.TERMINAL_COUNT.config_name == "terminal_count"
    with pytest.raises(ValueError, match="one of safe, standby"):
        FlightPhase.from_name("boost")
