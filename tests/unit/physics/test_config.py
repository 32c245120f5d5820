"""Vehicle and platform TOML files: the shipped ones load, bad ones say file, key and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware_sim.physics.config import (
    PhysicsConfigError,
    PlatformConfig,
    PlatformKind,
    VehicleConfig,
    load_platform_config,
    load_vehicle_config,
)
from firmware_sim.physics.earth import great_circle_distance_m
from firmware_sim.physics.waves import SpectrumKind

from .conftest import CONFIGS


def test_shipped_vehicles(hop: VehicleConfig, cargo: VehicleConfig) -> None:
    """The public numbers of the YXZ-1 test article and the cargo goal are what the files say."""
    assert hop.liftoff_mass_kg == pytest.approx(57_000.0, rel=0.01)
    assert (hop.structure.diameter_m, hop.structure.length_m, hop.engine.count) == (4.2, 26.8, 1)
    assert cargo.structure.cargo_mass_kg == 10_000.0
    # A hover needs thrust below weight at minimum throttle on one engine, even when nearly empty.
    landing_mass = cargo.structure.dry_mass_kg + cargo.structure.cargo_mass_kg
    assert cargo.engine.min_throttle * cargo.engine.thrust_vacuum_n < landing_mass * 9.81
    hop_landing = hop.structure.dry_mass_kg + 0.2 * (hop.propellant.lox_mass_kg + hop.propellant.ch4_mass_kg)
    assert hop.engine.min_throttle * hop.engine.thrust_vacuum_n < hop_landing * 9.81


def test_shipped_platforms(barge: PlatformConfig, launch_platform: PlatformConfig) -> None:
    assert barge.kind is PlatformKind.LANDING_BARGE
    assert launch_platform.kind is PlatformKind.LAUNCH_PLATFORM
    assert (barge.deck.length_m, barge.deck.width_m) == pytest.approx((91.4, 30.5))
    assert barge.sea_state.spectrum is SpectrumKind.JONSWAP
    assert barge.sea_state.peak_enhancement is None
    distance = float(
        great_circle_distance_m(
            launch_platform.position.latitude_deg,
            launch_platform.position.longitude_deg,
            barge.position.latitude_deg,
            barge.position.longitude_deg,
        )
    )
    assert distance == pytest.approx(10_000e3, rel=1e-3)


def _broken(tmp_path: Path, old: str, new: str, name: str = "cargo-p2p.toml") -> Path:
    text = (CONFIGS / "vehicles" / name).read_text()
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "key", "expected"),
    [
        ("dry_mass_kg = 80000.0", "", "structure.dry_mass_kg", "a value (this key is required)"),
        ("dry_mass_kg = 80000.0", 'dry_mass_kg = "heavy"', "structure.dry_mass_kg", "a number"),
        ("dry_mass_kg = 80000.0", "dry_mass_kg = -1.0", "structure.dry_mass_kg", "a finite number > 0"),
        ("count = 9", "count = 9.5", "engine.count", "an integer"),
        ("min_throttle = 0.40", "min_throttle = 1.5", "engine.min_throttle", "a number from 0.05 to 1.0"),
        ("isp_sea_level_s = 327.0", "isp_sea_level_s = 400.0", "engine.isp_sea_level_s", "no larger than"),
        ("dry_mass_kg = 80000.0", "dry_mass_kgs = 80000.0", "structure.dry_mass_kgs", "one of"),
        ("coast_step_s = 20.0", "coast_step_s = 0.1", "integration.coast_step_s", "no shorter than step_s"),
        (
            "normal_force_slope_per_rad = 2.0",
            "normal_force_slope_per_rad = 2.0\ndrag = 1",
            "aero.drag",
            "one of",
        ),
    ],
)
def test_bad_vehicle_files_name_file_key_and_expectation(
    tmp_path: Path, old: str, new: str, key: str, expected: str
) -> None:
    path = _broken(tmp_path, old, new)
    with pytest.raises(PhysicsConfigError) as caught:
        load_vehicle_config(path)
    message = str(caught.value)
    assert str(path) in message
    assert key in message
    assert expected in message
    assert caught.value.key == key


def test_mismatched_drag_table(tmp_path: Path) -> None:
    path = _broken(tmp_path, "drag_coefficient = [0.50,", "drag_coefficient = [")
    with pytest.raises(PhysicsConfigError, match=r"aero\.drag_coefficient: expected 11 values"):
        load_vehicle_config(path)


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(PhysicsConfigError, match="an existing file"):
        load_vehicle_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [unclosed")
    with pytest.raises(PhysicsConfigError, match="valid TOML"):
        load_platform_config(bad)


def test_bad_platform_enum(tmp_path: Path) -> None:
    text = (CONFIGS / "platforms" / "landing-barge.toml").read_text().replace('"jonswap"', '"bretschneider"')
    path = tmp_path / "barge.toml"
    path.write_text(text)
    with pytest.raises(
        PhysicsConfigError, match=r"sea_state\.spectrum: expected one of jonswap, pierson_moskowitz"
    ):
        load_platform_config(path)
