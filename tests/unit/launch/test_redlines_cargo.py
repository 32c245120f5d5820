"""Red lines per handling class: a line naming classes watches only a flight whose cargo holds one of
them; the shipped file has the bay's lines; a bad class name is a config error naming file, key and
the allowed spellings."""

from __future__ import annotations

from pathlib import Path

import pytest

from gcs.domain.fields import Sample
from gcs.domain.limits import Comparator, Limit, Persistence
from gcs.domain.manifest import HandlingClass
from gcs.domain.phases import FlightPhase
from gcs.errors import ConfigError
from gcs.launch.alerts import Severity
from gcs.launch.redlines import RedLine, RedLines, load_red_lines, red_lines_for_cargo
from tests.unit.launch.helpers import CONFIGS

TEMPERATURE = "cargo_bay.temperature_degc"
ANY_CARGO = RedLine("bay", TEMPERATURE, red=Limit(Comparator.LE, 60.0))
LITHIUM = RedLine(
    "lithium", TEMPERATURE, red=Limit(Comparator.LE, 45.0),
    handling_classes=frozenset({HandlingClass.LITHIUM_BATTERIES}),
)  # fmt: skip
COLD_OR_FRAGILE = RedLine(
    "cold or fragile", "cargo_bay.peak_shock_g", red=Limit(Comparator.LE, 15.0),
    handling_classes=frozenset({HandlingClass.PERISHABLE, HandlingClass.FRAGILE}),
)  # fmt: skip
LINES = (ANY_CARGO, LITHIUM, COLD_OR_FRAGILE)
C = HandlingClass


@pytest.mark.parametrize(
    ("classes", "kept"),
    [
        (frozenset(), ["bay"]),
        (frozenset({C.GENERAL}), ["bay"]),
        (frozenset({C.LITHIUM_BATTERIES}), ["bay", "lithium"]),
        (frozenset({C.FRAGILE}), ["bay", "cold or fragile"]),
        (frozenset({C.GENERAL, C.PERISHABLE, C.LITHIUM_BATTERIES}), ["bay", "lithium", "cold or fragile"]),
    ],
)
def test_a_line_with_classes_watches_only_cargo_of_one_of_them(
    classes: frozenset[HandlingClass], kept: list[str]
) -> None:
    assert [line.name for line in red_lines_for_cargo(LINES, classes)] == kept


def test_the_lithium_line_trips_below_the_general_one() -> None:
    watch = RedLines(red_lines_for_cargo(LINES, frozenset({C.LITHIUM_BATTERIES})))
    alerts = watch.update([Sample(TEMPERATURE, 50.0, 1.0)], FlightPhase.COAST, 1.0)
    assert [a.key for a in alerts] == ["red_line:lithium"]
    general = RedLines(red_lines_for_cargo(LINES, frozenset({C.GENERAL})))
    assert general.update([Sample(TEMPERATURE, 50.0, 1.0)], FlightPhase.COAST, 1.0) == []


def test_the_shipped_file_has_the_bay_lines_per_class() -> None:
    lines = load_red_lines(CONFIGS / "limits" / "red-lines.toml")
    by_name = {line.name: line for line in lines}
    for name in ("cargo bay smoke", "cargo bay temperature", "cargo bay pressure"):
        assert by_name[name].handling_classes == frozenset(), name
    assert by_name["cargo bay smoke"].red_severity is Severity.EMERGENCY
    assert by_name["cargo bay temperature"].red == Limit(Comparator.LE, 60.0)
    assert by_name["cargo bay temperature"].persistence == Persistence.of_seconds(5.0)
    assert by_name["lithium batteries bay temperature"].red == Limit(Comparator.LE, 45.0)
    assert by_name["perishable bay temperature"].red == Limit(Comparator.BETWEEN, low=2.0, high=30.0)
    assert by_name["fragile peak shock"].field == "cargo_bay.peak_shock_g"
    # Every class-specific line is stricter than, or watches something other than, the lines for any cargo.
    for_lithium = {line.name for line in red_lines_for_cargo(lines, frozenset({C.LITHIUM_BATTERIES}))}
    for_general = {line.name for line in red_lines_for_cargo(lines, frozenset({C.GENERAL}))}
    assert for_lithium - for_general == {"lithium batteries bay temperature"}
    assert {"cargo bay temperature", "cargo bay smoke"} <= for_general
    # A nominal flight's bay (20-26 °C, ~1 atm, a few g) breaches none of them whatever the cargo.
    every_class = frozenset(HandlingClass)
    watch = RedLines(red_lines_for_cargo(lines, every_class))
    nominal = [
        Sample(TEMPERATURE, 24.0, 1.0), Sample("cargo_bay.pressure_pa", 96_000.0, 1.0),
        Sample("cargo_bay.peak_shock_g", 4.0, 1.0), Sample("cargo_bay.smoke_detected", 0.0, 1.0),
    ]  # fmt: skip
    watch.update(nominal, FlightPhase.COAST, 1.0)
    assert watch.update(nominal, FlightPhase.COAST, 10.0) == []


@pytest.mark.parametrize(
    ("value", "key", "expected"),
    [
        ('["lithium"]', "red_lines[0].handling_classes[0]", "one of general, fragile, perishable, lithium"),
        ('["fragile", "glass"]', "red_lines[0].handling_classes[1]", "a handling class: one of general"),
        ("[]", "red_lines[0].handling_classes", "(or no key: every cargo)"),
        ('"fragile"', "red_lines[0].handling_classes", "an array"),
        ("[3]", "red_lines[0].handling_classes[0]", "a string"),
    ],
)
def test_a_bad_handling_class_names_the_file_the_key_and_the_allowed_values(
    tmp_path: Path, value: str, key: str, expected: str
) -> None:
    path = tmp_path / "rl.toml"
    path.write_text(
        f'[[red_lines]]\nname = "a"\nfield = "{TEMPERATURE}"\nred = {{ must_be = "<=", limit = 45.0 }}\n'
        f"handling_classes = {value}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_red_lines(path)
    assert info.value.key == key
    assert str(path) in str(info.value)
    assert expected in str(info.value)
