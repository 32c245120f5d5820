"""Scenario files load, every shipped one included; each mistake names the file, key and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from gcs.domain.phases import FlightPhase
from gcs.errors import ConfigError
from gcs.sitl.scenario import PlatformRole, find_scenario, load_scenario

SCENARIOS = Path(__file__).resolve().parents[3] / "configs" / "scenarios"


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_loads_and_names_files_that_exist(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    repo = SCENARIOS.parents[1]
    files = [scenario.vehicle.config, scenario.station.countdown, scenario.station.range,
             *(p.config for p in scenario.platforms)]
    for name in files:
        assert (repo / name).is_file(), name
    assert scenario.platform(PlatformRole.LANDING) is not None


def test_a_scenario_is_found_by_name_or_path() -> None:
    assert find_scenario("hop", SCENARIOS) == SCENARIOS / "hop.toml"
    assert find_scenario(str(SCENARIOS / "cargo.toml"), SCENARIOS) == SCENARIOS / "cargo.toml"
    with pytest.raises(ConfigError, match=r"cargo, .*hop") as info:
        find_scenario("nope", SCENARIOS)
    assert "a scenario name" in info.value.expected


@pytest.mark.parametrize(
    ("change", "key", "expected"),
    [
        (('speed = 20.0', 'speed = 0'), "speed", "> 0"),
        (('phases = ["terminal_count"', 'phases = ["liftof"'), "expect.phases", "flight phase names"),
        (('landed_on = "hop-barge"', 'landed_on = "moon"'), "expect.landed_on", "one of the platforms"),
        (('sysid = 2', 'sysid = 3'), "platforms[1].sysid", "used once"),
        (('role = "landing"', 'role = "launch"'), "platforms", "exactly one platform with role"),
        (('mru = "psxn23"', 'mru = "nmea"'), "platforms[1].mru", "psxn23"),
        (('[vehicle]', '[vehicle]\nspin = 3'), "vehicle.spin", "one of"),
        (('[expect]', '[expect]\ndivert_in = ["drift"]'), "expect.divert_in", "flight phase names"),
        (('[expect]', '[[link_faults]]\nlink = "hop-barge"\nblackouts_from = "liftof"\n\n[expect]'),
         "link_faults[0].blackouts_from", "run"),
        (('[expect]', '[[link_faults]]\nlink = "vehicle"\nblackouts_from = "liftoff"\n\n'
                      '[[link_faults]]\nlink = "vehicle"\nloss_probability = 0.1\n\n[expect]'),
         "link_faults[1].blackouts_from", "the same origin"),
        (('[expect]', '[expect]\nstation_restarts = 1'), "expect.station_restarts",
         "restart_after_liftoff_s"),
        (('range = "configs/range/hop.toml"',
          'range = "configs/range/hop.toml"\nrestart_after_liftoff_s = -1'),
         "station.restart_after_liftoff_s", ">= 0"),
    ],
)
def test_mistakes_name_the_key_and_what_was_expected(
    tmp_path: Path, change: tuple[str, str], key: str, expected: str
) -> None:
    text = (SCENARIOS / "hop.toml").read_text()
    assert change[0] in text
    path = tmp_path / "hop.toml"
    path.write_text(text.replace(change[0], change[1], 1))
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    assert info.value.path == path
    assert info.value.key == key
    assert expected in info.value.expected


def test_expectations_read_as_phases() -> None:
    expect = load_scenario(SCENARIOS / "hop.toml").expect
    assert expect.phase_values[0] is FlightPhase.TERMINAL_COUNT
    assert expect.end_phase_values == {FlightPhase.SAFE}
