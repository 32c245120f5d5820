"""The cargo-bay fault kinds: they load with their defaults, refuse bad values naming the key, and
put their heat (along its ramp) and smoke in force from their moment on."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware_sim.faults import (
    CargoBayHeating,
    CargoBaySmoke,
    EngineOut,
    Epoch,
    Epochs,
    FaultLog,
    VehicleCondition,
    load_fault_schedule,
    summary,
    vehicle_condition,
)
from firmware_sim.physics.config import PhysicsConfigError

BAY_FAULTS = """
[[vehicle]]
kind = "cargo_bay_heating"
at_s = 20.0
rise_degc = 40

[[vehicle]]
kind = "cargo_bay_heating"
after = "start"
at_s = 5.0
rise_degc = 10.0
ramp_s = 0

[[vehicle]]
kind = "cargo_bay_smoke"
after = "ignition"
at_s = 1.5
"""

FLYING = Epochs(ignition_s=2.5, liftoff_s=5.0)


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "faults.toml"
    path.write_text(text)
    return path


def test_the_bay_kinds_load_with_their_defaults(tmp_path: Path) -> None:
    schedule = load_fault_schedule(_file(tmp_path, BAY_FAULTS))
    assert schedule.vehicle == (
        CargoBayHeating(at_s=20.0, rise_degc=40.0, after=Epoch.LIFTOFF, ramp_s=60.0),
        CargoBayHeating(at_s=5.0, rise_degc=10.0, after=Epoch.START, ramp_s=0.0),
        CargoBaySmoke(at_s=1.5, after=Epoch.IGNITION),
    )
    assert summary(schedule.vehicle) == (
        "cargo_bay_heating (+40 degC over 60 s) at liftoff+20.0 s; "
        "cargo_bay_heating (+10 degC over 0 s) at 5.0 s; cargo_bay_smoke at ignition+1.5 s"
    )


@pytest.mark.parametrize(
    ("entry", "key", "expected"),
    [
        ('kind = "cargo_bay_heating"\nat_s = 1.0', "vehicle[0].rise_degc", "a value (this key is required)"),
        ('kind = "cargo_bay_heating"\nat_s = 1.0\nrise_degc = 0.0', "vehicle[0].rise_degc", "rise > 0"),
        ('kind = "cargo_bay_heating"\nat_s = 1.0\nrise_degc = -5.0', "vehicle[0].rise_degc", "rise > 0"),
        ('kind = "cargo_bay_heating"\nat_s = 1.0\nrise_degc = 900.0', "vehicle[0].rise_degc", "<= 500 degC"),
        ('kind = "cargo_bay_heating"\nat_s = 1.0\nrise_degc = nan', "vehicle[0].rise_degc", "rise > 0"),
        ('kind = "cargo_bay_heating"\nat_s = 1.0\nrise_degc = 5.0\nramp_s = -1.0', "vehicle[0].ramp_s",
         "a finite time >= 0 s"),
        ('kind = "cargo_bay_heating"\nat_s = 1.0\nrise_degc = "hot"', "vehicle[0].rise_degc", "a number"),
        ('kind = "cargo_bay_heating"\nat_s = 1.0\nrise_degc = 5.0\nplatform = "x"', "vehicle[0].platform",
         "one of"),
        ('kind = "cargo_bay_smoke"', "vehicle[0].at_s", "a value (this key is required)"),
        ('kind = "cargo_bay_smoke"\nat_s = -2.0', "vehicle[0].at_s", "a finite time >= 0 s"),
        ('kind = "cargo_bay_smoke"\nat_s = 2.0\nafter = "landing"', "vehicle[0].after", "one of"),
        ('kind = "cargo_bay_smoke"\nat_s = 2.0\nrise_degc = 3.0', "vehicle[0].rise_degc", "one of"),
        ('kind = "cargo_bay_fire"\nat_s = 2.0', "vehicle[0].kind", "cargo_bay_heating, cargo_bay_smoke"),
    ],
)  # fmt: skip
def test_a_bad_bay_fault_names_the_key(tmp_path: Path, entry: str, key: str, expected: str) -> None:
    path = _file(tmp_path, f"[[vehicle]]\n{entry}\n")
    with pytest.raises(PhysicsConfigError) as info:
        load_fault_schedule(path)
    assert info.value.key == key
    assert expected in str(info.value)
    assert str(path) in str(info.value)


def test_the_heat_follows_its_ramp_and_heat_sources_add_up() -> None:
    ramped = CargoBayHeating(20.0, 40.0, ramp_s=60.0)  # from liftoff (5 s): 25 s to 85 s
    at_once = CargoBayHeating(50.0, 10.0, after=Epoch.START, ramp_s=0.0)
    faults = (ramped, at_once)
    assert vehicle_condition(faults, 24.9, FLYING) == VehicleCondition()
    assert vehicle_condition(faults, 25.0, FLYING) == VehicleCondition(changing=True)
    assert vehicle_condition(faults, 40.0, FLYING) == VehicleCondition(bay_heating_degc=10.0, changing=True)
    assert vehicle_condition(faults, 55.0, FLYING) == VehicleCondition(bay_heating_degc=30.0, changing=True)
    assert vehicle_condition(faults, 85.0, FLYING) == VehicleCondition(bay_heating_degc=50.0)
    assert vehicle_condition(faults, 1000.0, FLYING) == VehicleCondition(bay_heating_degc=50.0)
    # Without a liftoff the one counted from it never comes.
    assert vehicle_condition(faults, 1000.0, Epochs(ignition_s=2.5)) == VehicleCondition(
        bay_heating_degc=10.0
    )


def test_smoke_stays_and_other_faults_keep_their_effect() -> None:
    faults = (CargoBaySmoke(1.5, after=Epoch.IGNITION), EngineOut(20.0))
    assert vehicle_condition(faults, 3.9, FLYING) == VehicleCondition()
    assert vehicle_condition(faults, 4.0, FLYING) == VehicleCondition(bay_smoke=True)
    assert vehicle_condition(faults, 500.0, FLYING) == VehicleCondition(1, bay_smoke=True)


def test_the_log_tells_a_bay_fault_once_with_its_simulated_time() -> None:
    log = FaultLog((CargoBayHeating(20.0, 40.0, ramp_s=30.0), CargoBaySmoke(0.0, after=Epoch.START)))
    assert log.due(0.0) == ["fault: cargo_bay_smoke at 0.0 s"]
    assert log.pending
    assert log.due(24.9, FLYING) == []
    assert log.due(25.0, FLYING) == [
        "fault: cargo_bay_heating (+40 degC over 30 s) at liftoff+20.0 s (sim 25.0 s)"
    ]
    assert not log.pending
    assert log.due(100.0, FLYING) == []
