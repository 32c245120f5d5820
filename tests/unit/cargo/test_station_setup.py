"""A manifest in the station's config changes launch control: two commit criteria, the red lines of
its handling classes, and "cargo unloaded" on the recovery checklist; no manifest, none of that."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from gcs.app import _cargo_check, _launch_setup
from gcs.config import CargoConfig, GcsConfig

REPO = Path(__file__).resolve().parents[3]


def _config(manifest: str) -> GcsConfig:
    base = GcsConfig()
    launch = dataclasses.replace(
        base.launch,
        countdown=str(REPO / "configs/countdowns/quick-hop.toml"),
        commit_criteria=str(REPO / "configs/limits/commit-criteria.toml"),
        red_lines=str(REPO / "configs/limits/red-lines.toml"),
        range=str(REPO / "configs/range/hop.toml"),
        landing=str(REPO / "configs/limits/landing.toml"),
    )
    cargo = CargoConfig(manifest=manifest, vehicle=str(REPO / "configs/vehicles/yxz-1-hop.toml"))
    return dataclasses.replace(base, launch=launch, cargo=cargo)


def test_a_manifest_brings_its_criteria_red_lines_and_recovery_step() -> None:
    config = _config(str(REPO / "configs/cargo/hop-demo.json"))  # general, fragile, perishable
    check = _cargo_check(config)
    assert check is not None
    assert check.ok
    setup = _launch_setup(config, check)
    assert setup is not None
    names = {c.name for c in setup.criteria}
    assert {"cargo manifest within limits", "cargo mass confirmed by the vehicle"} <= names
    lines = {r.name for r in setup.red_lines}
    assert {"cargo bay temperature", "fragile peak shock", "perishable bay temperature"} <= lines
    assert "lithium batteries bay temperature" not in lines
    assert setup.recovery[-1].name == "cargo unloaded"
    assert setup.recovery[-1].requires == ("vehicle secured on deck",)


def test_without_a_manifest_no_cargo_rules_apply() -> None:
    config = _config("")
    assert _cargo_check(config) is None
    setup = _launch_setup(config, None)
    assert setup is not None
    assert not any(c.field.startswith("cargo.") for c in setup.criteria)
    assert not any(r.handling_classes for r in setup.red_lines)
    assert all(item.name != "cargo unloaded" for item in setup.recovery)


def test_a_manifest_that_does_not_fit_still_starts_and_its_criterion_says_why(tmp_path: Path) -> None:
    heavy = tmp_path / "heavy.csv"
    heavy.write_text(
        "parcel_id,mass_kg,length_m,width_m,height_m,x_m,y_m,z_m,destination,handling_class\n"
        "BIG-1,500,0.4,0.3,0.25,0,0,0.125,pier,general\n"
    )
    check = _cargo_check(_config(str(heavy)))
    assert check is not None
    assert not check.ok
    assert any("mass" in v.message for v in check.violations)
