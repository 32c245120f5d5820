"""Flight-software configs agree with the physics' vehicles; the parameter table is well formed."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from firmware_sim.firmware.config import FlightSoftwareConfigError, LandingMode, load_flight_software_config
from firmware_sim.firmware.param_defs import PARAM_ID_MAX_CHARS, PARAMETERS, ParamSpec, parameter_defaults
from firmware_sim.physics.config import load_vehicle_config
from firmware_sim.sensors import SensorConfig, load_sensor_config
from tests.unit.firmware.support import CONFIGS


@pytest.mark.parametrize("name", ["yxz-1-hop", "cargo-p2p"])
def test_flight_software_knows_its_vehicle_as_the_physics_flies_it(name: str) -> None:
    fs = load_flight_software_config(CONFIGS / "flight_software" / f"{name}.toml").vehicle
    physics = load_vehicle_config(CONFIGS / "vehicles" / f"{name}.toml")
    engine = physics.engine
    assert fs.engine_count == engine.count
    assert fs.thrust_vacuum_n == engine.thrust_vacuum_n
    assert fs.isp_vacuum_s == engine.isp_vacuum_s
    assert fs.isp_sea_level_s == engine.isp_sea_level_s
    assert fs.min_throttle == engine.min_throttle
    assert fs.max_ignitions == engine.max_ignitions
    assert fs.ignition_ramp_s == engine.ignition_ramp_s
    assert fs.shutdown_ramp_s == engine.shutdown_ramp_s
    assert fs.throttle_slew_per_s == engine.throttle_slew_per_s
    assert fs.gimbal_limit_deg == engine.gimbal_limit_deg
    assert fs.max_rate_dps == physics.attitude.max_rate_dps
    assert fs.inert_mass_kg == physics.structure.dry_mass_kg + physics.structure.cargo_mass_kg
    assert fs.lox_mass_kg == physics.propellant.lox_mass_kg
    assert fs.ch4_mass_kg == physics.propellant.ch4_mass_kg
    assert fs.unusable_fraction == physics.propellant.unusable_fraction
    assert fs.cg_height_above_base_m == physics.structure.cg_height_above_base_m
    assert fs.diameter_m == physics.structure.diameter_m
    assert fs.normal_force_slope_per_rad == physics.aero.normal_force_slope_per_rad
    assert fs.drag_coefficient == pytest.approx(physics.aero.drag_coefficient[0], abs=0.06)


def test_the_hop_article_hovers_and_the_cargo_vehicle_hoverslams() -> None:
    hop = load_flight_software_config(CONFIGS / "flight_software" / "yxz-1-hop.toml")
    cargo = load_flight_software_config(CONFIGS / "flight_software" / "cargo-p2p.toml")
    assert hop.landing.mode is LandingMode.HOVER
    assert cargo.landing.mode is LandingMode.HOVERSLAM
    # Hovering needs thrust below weight at minimum throttle near empty (domain.md §1.3).
    v = hop.vehicle
    empty_kg = v.inert_mass_kg + v.unusable_fraction * (v.lox_mass_kg + v.ch4_mass_kg)
    assert v.thrust_n(1, v.min_throttle, 101_325.0) < empty_kg * 9.80665 < v.thrust_n(1, 1.0, 101_325.0)


def test_a_bad_key_names_itself(tmp_path: Path) -> None:
    text = (
        (CONFIGS / "flight_software" / "yxz-1-hop.toml").read_text().replace("engine_count", "engines_count")
    )
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    with pytest.raises(FlightSoftwareConfigError, match="engines_count"):
        load_flight_software_config(bad)


def test_sensor_tables_load_and_noiseless_is_all_zero() -> None:
    config = load_sensor_config(CONFIGS / "flight_software" / "yxz-1-hop.toml")
    assert config.gnss_position_noise_m > 0
    quiet = SensorConfig.noiseless()
    assert quiet.accel_noise_mps2 == quiet.deck_height_noise_m == 0.0


def test_parameter_ids_are_unique_short_and_in_range() -> None:
    names = [p.name for p in PARAMETERS]
    assert len(names) == len(set(names))
    for spec in PARAMETERS:
        assert len(spec.name) <= PARAM_ID_MAX_CHARS
        assert spec.min <= spec.default <= spec.max
        assert spec.description
    assert parameter_defaults()["HOP_APOGEE_M"] == 2500.0


@pytest.mark.parametrize(
    ("name", "default", "low", "high"),
    [("", 1.0, 0.0, 2.0), ("X" * 17, 1.0, 0.0, 2.0), ("OK", 3.0, 0.0, 2.0), ("OK", math.nan, 0.0, 2.0)],
)
def test_bad_parameter_specs_are_refused(name: str, default: float, low: float, high: float) -> None:
    with pytest.raises(ValueError):
        ParamSpec(name, default, low, high, "", "x")


def test_every_parameter_the_flight_software_reads_is_declared() -> None:
    import re

    source = "".join(
        p.read_text()
        for p in (Path(__file__).resolve().parents[3] / "firmware_sim" / "firmware").glob("*.py")
    )
    used = set(re.findall(r'param\("([A-Z0-9_]+)"\)', source))
    assert used
    assert used <= set(parameter_defaults())
    # ... and every declared one is read somewhere (no knob that does nothing).
    unused = [
        name for name in parameter_defaults() if f'"{name}"' not in source.replace(f'ParamSpec("{name}"', "")
    ]
    assert unused == []
