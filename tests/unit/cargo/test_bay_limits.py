"""The [cargo_bay] table of a vehicle file: the shipped ones load (the same as the simulator reads
them), and every bad one names the file, the dotted key and what was expected."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from firmware_sim.physics.config import PhysicsConfigError, load_vehicle_config
from gcs.cargo.bay_limits import load_bay_limits
from gcs.domain.manifest import HandlingClass
from gcs.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]
VEHICLES = REPO / "configs" / "vehicles"
CARGO_P2P = VEHICLES / "cargo-p2p.toml"


def test_the_cargo_vehicle_carries_the_public_10_t_in_120_m3() -> None:
    limits = load_bay_limits(CARGO_P2P)
    assert (limits.max_mass_kg, limits.volume_m3) == (10_000.0, 120.0)
    assert HandlingClass.LITHIUM_BATTERIES in limits.handling_classes
    assert HandlingClass.DANGEROUS_GOODS not in limits.handling_classes
    hop = load_bay_limits(VEHICLES / "yxz-1-hop.toml")
    assert hop.max_mass_kg >= 20.0  # > 20 kg of parcels flew


@pytest.mark.parametrize("vehicle", sorted(VEHICLES.glob("*.toml")), ids=lambda p: p.stem)
def test_gcs_and_the_simulator_read_the_same_cargo_bay(vehicle: Path) -> None:
    gcs_view = load_bay_limits(vehicle)
    sim_view = load_vehicle_config(vehicle).cargo_bay
    assert sim_view is not None
    for f in dataclasses.fields(sim_view):
        ours = getattr(gcs_view, f.name)
        if f.name == "handling_classes":
            ours = tuple(c.value for c in ours)
        assert ours == getattr(sim_view, f.name), f.name
    # The mass the simulator flies fits the bay it is checked against.
    assert load_vehicle_config(vehicle).structure.cargo_mass_kg <= gcs_view.max_mass_kg


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = CARGO_P2P.read_text()
    assert old in text
    path = tmp_path / "vehicle.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "key", "expected"),
    [
        ("max_mass_kg = 10000.0", "", "cargo_bay.max_mass_kg", "a value (this key is required)"),
        ("max_mass_kg = 10000.0", 'max_mass_kg = "10 t"', "cargo_bay.max_mass_kg", "a number"),
        ("max_mass_kg = 10000.0", "max_mass_kg = -1.0", "cargo_bay.max_mass_kg", "a finite number > 0"),
        ("max_mass_kg = 10000.0", "max_mass_kg = 100.0", "cargo_bay.max_parcel_mass_kg",
         "at most max_mass_kg"),
        ("max_mass_kg = 10000.0", "max_mass_kgs = 10000.0", "cargo_bay.max_mass_kgs", "one of"),
        ("cg_axial_max_m = 1.9", "cg_axial_max_m = 0.5", "cargo_bay.cg_axial_max_m", "from cg_axial_min_m"),
        ("cg_lateral_max_m = 0.15", "cg_lateral_max_m = 4.0", "cargo_bay.cg_lateral_max_m", "bay radius"),
        ('"lithium_batteries"]', '"lithium"]', "cargo_bay.handling_classes[3]", "one of general, fragile"),
        ('handling_classes = ["general", "fragile", "perishable", "lithium_batteries"]',
         "handling_classes = []", "cargo_bay.handling_classes", "at least one handling class"),
        ("[cargo_bay]", "[cargo_bays]", "cargo_bay", "a [cargo_bay] table"),
    ],
)
def test_bad_cargo_bay_tables_name_file_key_and_expectation(
    tmp_path: Path, old: str, new: str, key: str, expected: str
) -> None:
    path = _broken(tmp_path, old, new)
    with pytest.raises(ConfigError) as info:
        load_bay_limits(path)
    assert (info.value.path, info.value.key) == (path, key)
    assert expected in info.value.expected


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="expected an existing file"):
        load_bay_limits(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[cargo_bay\n")
    with pytest.raises(ConfigError, match="valid TOML"):
        load_bay_limits(bad)
    not_a_table = tmp_path / "flat.toml"
    not_a_table.write_text("cargo_bay = 3\n")
    with pytest.raises(ConfigError, match="cargo_bay: expected a table, got 3"):
        load_bay_limits(not_a_table)


def test_the_simulator_refuses_a_bad_cargo_bay_too(tmp_path: Path) -> None:
    path = _broken(tmp_path, "volume_m3 = 120.0", "volume_m3 = 0.0")
    with pytest.raises(PhysicsConfigError, match=r"cargo_bay\.volume_m3: expected a finite number > 0"):
        load_vehicle_config(path)
