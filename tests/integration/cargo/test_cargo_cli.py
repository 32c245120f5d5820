"""``gcs cargo load`` as a user runs it: a real process, its printed report and its exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
NOMINAL = "configs/cargo/cargo-p2p-nominal.csv"
HOP_DEMO = "configs/cargo/hop-demo.json"
HOP_VEHICLE = "configs/vehicles/yxz-1-hop.toml"


def _gcs(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gcs", "cargo", "load", *args], capture_output=True,
                          text=True, timeout=60, cwd=REPO, check=False)


def _nominal_with(tmp_path: Path, *edits: tuple[int, str]) -> Path:
    """The nominal manifest with some data rows (numbered from 1, after the header) replaced."""
    lines = (REPO / NOMINAL).read_text().splitlines()
    for row, text in edits:
        lines[row] = text
    path = tmp_path / "edited.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_good_manifest_prints_its_totals_against_the_limits_and_exits_0() -> None:
    result = _gcs(NOMINAL)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout.splitlines()
    assert out[0] == f"{NOMINAL}: 42 parcels, checked against configs/vehicles/cargo-p2p.toml [cargo_bay]"
    assert out[1].split()[:2] == ["mass", "9,365.4"]
    assert "limit 10,000.0 kg" in out[1]
    assert "limit 120.00 m³" in out[2]
    assert "envelope 0.600-1.900 m above the bay floor" in out[3]
    assert any(line.split()[:2] == ["lithium_batteries", "4"] for line in out)
    assert out[-1] == "OK: the load is within every limit of the cargo bay"
    assert result.stderr == ""


def test_json_output_for_programs() -> None:
    result = _gcs(HOP_DEMO, "--vehicle", HOP_VEHICLE, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert (report["ok"], report["problems"], report["violations"]) == (True, [], [])
    assert report["totals"]["parcel_count"] == 6
    assert abs(report["totals"]["mass_kg"] - 20.7) < 1e-9
    assert report["limits"]["max_mass_kg"] == 100.0


def test_bad_rows_are_all_printed_with_file_line_and_field_and_exit_1(tmp_path: Path) -> None:
    path = _nominal_with(
        tmp_path,
        (3, "CAGE-001,310.0,1.20,1.00,1.40,3.000,0.000,0.700,SGSIN-HUB1,general,"),  # id used on line 2
        (7, "CAGE-007,-12,1.20,1.00,1.40,1.250,1.050,0.700,SGSIN-HUB1,general,"),
        (9, "CAGE-009,NaN,1.20,1.00,1.40,-2.500,0.000,0.700,SGSIN-HUB1,live_animals,"),
    )
    result = _gcs(str(path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{path}: manifest rejected, 4 problem(s)",
        f"{path}:4: parcel_id: 'CAGE-001' is already used on line 2",
        f"{path}:8: mass_kg: -12 kg is not > 0",
        f"{path}:10: mass_kg: not a finite number (NaN)",
        f"{path}:10: handling_class: 'live_animals' is not a handling class "
        "(general, fragile, perishable, lithium_batteries, dangerous_goods)",
    ]
    as_json = json.loads(_gcs(str(path), "--json").stdout)
    assert [(p["line"], p["field"]) for p in as_json["problems"]] == [
        (4, "parcel_id"), (8, "mass_kg"), (10, "mass_kg"), (10, "handling_class")]
    assert as_json["ok"] is False
    assert as_json["totals"] is None


def test_broken_limits_print_the_summary_then_each_violation_and_exit_1(tmp_path: Path) -> None:
    heavy_dg = "CAGE-001,612.0,1.20,1.00,1.40,0.000,0.000,0.700,SGSIN-HUB1,dangerous_goods,"
    path = _nominal_with(tmp_path, (1, heavy_dg))
    result = _gcs(str(path))
    assert result.returncode == 1
    out = result.stdout.splitlines()
    assert any(line.split()[0] == "dangerous_goods" and line.endswith("not allowed on this vehicle")
               for line in out)
    assert out[-3:] == [
        "NOT OK: 2 limit(s) broken",
        f"{path}:2: mass_kg: parcel CAGE-001: 612.0 kg is over the 500.0 kg per-parcel maximum",
        f"{path}:2: handling_class: parcel CAGE-001: dangerous_goods is not carried by this vehicle "
        "(allowed: general, fragile, perishable, lithium_batteries)",
    ]


def test_over_mass_and_cg_are_reported_for_the_wrong_vehicle() -> None:
    result = _gcs(NOMINAL, "--vehicle", HOP_VEHICLE)
    assert result.returncode == 1
    out = result.stdout.splitlines()
    assert f"{NOMINAL}: total_mass: total mass 9,365.4 kg is over the bay's maximum of 100.0 kg " \
           "by 9,265.4 kg" in out
    assert any(line.startswith(f"{NOMINAL}: cg_axial: cargo CG 1.231 m above the bay floor") for line in out)


def test_an_unusable_vehicle_file_is_one_error_line_and_exit_2(tmp_path: Path) -> None:
    vehicle = tmp_path / "vehicle.toml"
    vehicle.write_text('name = "x"\n')
    result = _gcs(NOMINAL, "--vehicle", str(vehicle))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"gcs: error: {vehicle}: cargo_bay: expected a [cargo_bay] table (the vehicle's cargo limits)")
    assert "Traceback" not in result.stderr
