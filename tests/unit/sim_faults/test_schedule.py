"""The fault schedule file: every kind loads into its frozen value, a scenario's [faults] table is read
as it is, and a bad file names the file, the dotted key and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware_sim.faults import (
    EngineOut,
    Epoch,
    FaultSchedule,
    LowChamberPressure,
    OffStation,
    SeaStateChange,
    SurfaceWind,
    load_fault_schedule,
)
from firmware_sim.physics.config import PhysicsConfigError

EVERY_KIND = """
[[vehicle]]
kind = "engine_out"
at_s = 20.0

[[vehicle]]
kind = "low_chamber_pressure"
after = "ignition"
at_s = 0.5
factor = 0.6
for_s = 10

[[platform]]
kind = "sea_state"
platform = "hop-barge"
at_s = 120
significant_wave_height_m = 4.0
peak_period_s = 9.0
wind_speed_mps = 18.0

[[platform]]
kind = "wind"
at_s = 60.0
speed_mps = 25.0
direction_from_deg = 300.0
ramp_s = 0

[[platform]]
kind = "off_station"
platform = "landing-barge"
at_s = 300.0
distance_m = 40.0
bearing_deg = 90.0
over_s = 60.0
for_s = 120.0
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "faults.toml"
    path.write_text(text)
    return path


def test_every_kind_loads_with_its_defaults(tmp_path: Path) -> None:
    schedule = load_fault_schedule(_file(tmp_path, EVERY_KIND))
    assert schedule.vehicle == (
        EngineOut(at_s=20.0, after=Epoch.LIFTOFF, engines=1),
        LowChamberPressure(at_s=0.5, factor=0.6, after=Epoch.IGNITION, for_s=10.0),
    )
    sea, wind, off = schedule.platform
    assert sea == SeaStateChange(120.0, 4.0, 9.0, platform="hop-barge", ramp_s=30.0, wind_speed_mps=18.0)
    assert wind == SurfaceWind(60.0, 25.0, platform=None, direction_from_deg=300.0, ramp_s=0.0)
    assert off == OffStation(300.0, 40.0, 90.0, platform="landing-barge", over_s=60.0, for_s=120.0)
    # Unnamed platform faults apply to every platform; named ones to theirs only.
    assert schedule.for_platform("hop-barge") == (sea, wind)
    assert schedule.for_platform("landing-barge") == (wind, off)
    assert schedule.for_platform("launch-platform") == (wind,)


def test_a_scenario_file_carries_its_faults_in_a_faults_table(tmp_path: Path) -> None:
    text = 'name = "engine-out"\nspeed = 20.0\n[vehicle]\nconfig = "x"\n[[faults.vehicle]]\n'
    text += 'kind = "engine_out"\nat_s = 20.0\n'
    schedule = load_fault_schedule(_file(tmp_path, text))
    assert schedule.vehicle == (EngineOut(20.0),)
    assert schedule.platform == ()


def test_an_empty_file_is_an_empty_schedule(tmp_path: Path) -> None:
    assert load_fault_schedule(_file(tmp_path, "")) == FaultSchedule(str(tmp_path / "faults.toml"))


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ('[[vehicle]]\nat_s = 1.0', "vehicle[0].kind", "one of engine_out, low_chamber_pressure"),
        ('[[vehicle]]\nkind = "sea_state"\nat_s = 1.0', "vehicle[0].kind", "one of engine_out"),
        ('[[platform]]\nkind = "engine_out"\nat_s = 1.0', "platform[0].kind", "one of sea_state, wind"),
        ('[[vehicle]]\nkind = "engine_out"', "vehicle[0].at_s", "this key is required"),
        ('[[vehicle]]\nkind = "engine_out"\nat_s = -1.0', "vehicle[0].at_s", "a finite time >= 0 s"),
        ('[[vehicle]]\nkind = "engine_out"\nat_s = inf', "vehicle[0].at_s", "a finite time >= 0 s"),
        ('[[vehicle]]\nkind = "engine_out"\nat_s = "soon"', "vehicle[0].at_s", "a number"),
        ('[[vehicle]]\nkind = "engine_out"\nat_s = 1\nengines = 0', "vehicle[0].engines", "from 1 to 64"),
        ('[[vehicle]]\nkind = "engine_out"\nat_s = 1\nafter = "apogee"', "vehicle[0].after",
         "one of start, ignition, liftoff"),
        ('[[vehicle]]\nkind = "engine_out"\nat_s = 1\nat = 2', "vehicle[0].at", "one of after, at_s"),
        ('[[vehicle]]\nkind = "low_chamber_pressure"\nat_s = 1\nfactor = 1.2', "vehicle[0].factor",
         "a fraction from 0 to below 1"),
        ('[[vehicle]]\nkind = "low_chamber_pressure"\nat_s = 1\nfactor = 0.5\nfor_s = 0', "vehicle[0].for_s",
         "a finite duration > 0 s"),
        ('[[platform]]\nkind = "sea_state"\nat_s = 1\nsignificant_wave_height_m = 30\npeak_period_s = 9',
         "platform[0].significant_wave_height_m", "a height from 0 to 20 m"),
        ('[[platform]]\nkind = "sea_state"\nat_s = 1\nsignificant_wave_height_m = 3\npeak_period_s = 9\n'
         "wind_direction_from_deg = 10", "platform[0].wind_speed_mps", "a speed with wind_direction"),
        ('[[platform]]\nkind = "off_station"\nat_s = 1\ndistance_m = 10\nbearing_deg = 400',
         "platform[0].bearing_deg", "a bearing from 0 to 360 deg"),
        ('[[platform]]\nkind = "off_station"\nat_s = 1\ndistance_m = 10\nbearing_deg = 4\nfor_s = 10',
         "platform[0].for_s", "no shorter than over_s (60.0 s)"),
        ('[[platform]]\nkind = "wind"\nat_s = 1\nspeed_mps = 5\nplatform = " "', "platform[0].platform",
         "a platform's config `name`"),
        ("vehicle = 3", "vehicle", "an array of tables ([[vehicle]])"),
        ("[[vehicles]]\nkind = 1", "vehicles", "[[vehicle]] or [[platform]] fault tables"),
        ("faults = 1", "faults", "a table"),
        ("[[faults.platforms]]\nkind = 1", "faults.platforms", "[[vehicle]] or [[platform]]"),
    ],
)  # fmt: skip
def test_a_bad_file_names_the_file_the_key_and_what_was_expected(
    tmp_path: Path, text: str, key: str, expected: str
) -> None:
    path = _file(tmp_path, text)
    with pytest.raises(PhysicsConfigError) as caught:
        load_fault_schedule(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {key}: expected "), message
    assert expected in message
    assert caught.value.key == key


def test_unreadable_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(PhysicsConfigError, match="an existing file"):
        load_fault_schedule(tmp_path / "missing.toml")
    with pytest.raises(PhysicsConfigError, match="valid TOML"):
        load_fault_schedule(_file(tmp_path, "[[vehicle]\n"))


def test_checks_against_the_vehicle_and_its_platforms(tmp_path: Path) -> None:
    schedule = load_fault_schedule(_file(tmp_path, EVERY_KIND))
    schedule.check_engines(9)
    schedule.check_platforms(["hop-barge", "landing-barge", "launch-platform"])
    with pytest.raises(PhysicsConfigError, match=r"platform\[2\]\.platform: expected one of hop-barge, "):
        schedule.check_platforms(["hop-barge", "launch-platform"])
    three = load_fault_schedule(_file(tmp_path, '[[vehicle]]\nkind = "engine_out"\nat_s = 1\nengines = 3'))
    with pytest.raises(PhysicsConfigError, match=r"vehicle\[0\]\.engines: expected at most 1 \(the vehicle"):
        three.check_engines(1)
