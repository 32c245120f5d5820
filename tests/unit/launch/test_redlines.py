"""Red lines: yellow then red with persistence, only in their phases, with their severity."""

from __future__ import annotations

from pathlib import Path

import pytest

from gcs.domain.fields import Sample
from gcs.domain.limits import Comparator, Limit, Persistence
from gcs.domain.phases import FlightPhase
from gcs.errors import ConfigError
from gcs.launch.alerts import Severity
from gcs.launch.redlines import Level, RedLine, RedLines, load_red_lines
from tests.unit.launch.helpers import CONFIGS

Q = "vehicle.dynamic_pressure_pa"
MAX_Q = RedLine(
    "dynamic pressure",
    Q,
    red=Limit(Comparator.LE, 35_000.0),
    yellow=Limit(Comparator.LE, 32_000.0),
    persistence=Persistence(samples=2),
    phases=frozenset({FlightPhase.ASCENT}),
)


def test_yellow_then_red_then_normal() -> None:
    lines = RedLines([MAX_Q])
    asc = FlightPhase.ASCENT
    assert lines.update([Sample(Q, 33_000.0, 1.0)], asc, 1.0) == []  # one sample: not yet
    (yellow,) = lines.update([Sample(Q, 33_500.0, 2.0)], asc, 2.0)
    assert (yellow.key, yellow.severity) == ("red_line:dynamic pressure", Severity.CAUTION)
    assert "must be <= 32000" in yellow.message
    assert lines.update([Sample(Q, 36_000.0, 3.0)], asc, 3.0) == []  # red needs its own two samples
    (red,) = lines.update([Sample(Q, 36_500.0, 4.0)], asc, 4.0)
    assert red.severity is Severity.WARNING
    assert "36500" in red.message
    assert lines.status()[0].level is Level.RED
    (normal,) = lines.update([Sample(Q, 20_000.0, 5.0)], asc, 5.0)
    assert normal.severity is None


def test_outside_its_phases_a_red_line_is_quiet() -> None:
    lines = RedLines([MAX_Q])
    assert lines.update([Sample(Q, 50_000.0, 1.0), Sample(Q, 50_000.0, 2.0)], FlightPhase.COAST, 2.0) == []
    assert lines.update([], None, 3.0) == []
    (red,) = lines.update([], FlightPhase.ASCENT, 4.0)
    assert red.severity is Severity.WARNING
    (cleared,) = lines.update([], FlightPhase.COAST, 5.0)
    assert cleared.severity is None


def test_red_severity_may_be_emergency_but_never_less_than_warning() -> None:
    smoke = RedLine(
        "smoke", "cargo_bay.smoke_detected", red=Limit(Comparator.EQ, 0.0), red_severity=Severity.EMERGENCY
    )
    (alert,) = RedLines([smoke]).update(
        [Sample("cargo_bay.smoke_detected", 1.0, 0.0)], FlightPhase.COAST, 0.0
    )
    assert alert.severity is Severity.EMERGENCY
    with pytest.raises(ValueError, match="warning or emergency"):
        RedLine("x", Q, red=Limit(Comparator.LE, 1.0), red_severity=Severity.CAUTION)


def test_shipped_red_lines_load() -> None:
    lines = load_red_lines(CONFIGS / "limits" / "red-lines.toml")
    by_name = {r.name: r for r in lines}
    assert by_name["dynamic pressure"].red == Limit(Comparator.LE, 35_000.0)
    assert by_name["engine fault"].red_severity is Severity.EMERGENCY


def test_mistakes_in_a_nested_limit_name_it(tmp_path: Path) -> None:
    path = tmp_path / "rl.toml"
    path.write_text(
        '[[red_lines]]\nname = "a"\nfield = "gnss.hdop"\nred = { must_be = "between", low = 1 }\n'
    )
    with pytest.raises(ConfigError) as info:
        load_red_lines(path)
    assert info.value.key == "red_lines[0].red.must_be"
