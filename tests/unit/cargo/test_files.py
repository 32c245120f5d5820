"""Manifest files: the format from the extension, unreadable files as problems, and the shipped examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from gcs.cargo.bay_limits import load_bay_limits
from gcs.cargo.check import check_manifest_file
from gcs.cargo.files import load_manifest_file
from gcs.domain.manifest import HandlingClass, ManifestError, check_against

REPO = Path(__file__).resolve().parents[3]
CONFIGS = REPO / "configs"


def _only_problem(path: Path) -> tuple[int, str, str]:
    with pytest.raises(ManifestError) as info:
        load_manifest_file(path)
    [problem] = info.value.problems
    return problem.line, problem.field, problem.why


def test_the_nominal_cargo_load_fits_the_cargo_vehicle() -> None:
    manifest = load_manifest_file(CONFIGS / "cargo" / "cargo-p2p-nominal.csv")
    totals = manifest.totals
    assert 9_000.0 <= totals.mass_kg <= 10_000.0
    assert totals.parcel_count >= 24
    assert HandlingClass.LITHIUM_BATTERIES in {c.handling_class for c in totals.by_class}
    assert check_against(manifest, load_bay_limits(CONFIGS / "vehicles" / "cargo-p2p.toml")) == ()


def test_the_hop_demo_fits_the_hop_article_but_not_as_cargo_for_the_wrong_vehicle() -> None:
    manifest = load_manifest_file(CONFIGS / "cargo" / "hop-demo.json")
    assert manifest.totals.mass_kg == pytest.approx(20.7)
    assert check_against(manifest, load_bay_limits(CONFIGS / "vehicles" / "yxz-1-hop.toml")) == ()
    # The cargo vehicle's CG envelope starts higher than a 25 cm rack load: one violation, the CG.
    [violation] = check_against(manifest, load_bay_limits(CONFIGS / "vehicles" / "cargo-p2p.toml"))
    assert violation.kind.value == "cg_axial"


def test_format_follows_the_extension_in_any_case(tmp_path: Path) -> None:
    text = (CONFIGS / "cargo" / "hop-demo.json").read_bytes()
    upper = tmp_path / "HOP.JSON"
    upper.write_bytes(text)
    assert load_manifest_file(upper).source_name == str(upper)
    other = tmp_path / "hop.xlsx"
    other.write_bytes(text)
    assert _only_problem(other) == (0, "file", "unknown manifest format '.xlsx': expected .csv or .json")


def test_unreadable_files_are_problems_of_the_file(tmp_path: Path) -> None:
    assert _only_problem(tmp_path / "missing.csv") == (0, "file", "no such file")
    (tmp_path / "dir.csv").mkdir()
    assert _only_problem(tmp_path / "dir.csv") == (0, "file", "a directory, not a file")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("parcel_id\nCAFÉ\n".encode("latin-1"))
    line, field, why = _only_problem(latin1)
    assert (line, field) == (2, "file")
    assert "not UTF-8" in why


def test_a_spreadsheet_byte_order_mark_is_fine(tmp_path: Path) -> None:
    text = (CONFIGS / "cargo" / "cargo-p2p-nominal.csv").read_text()
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert load_manifest_file(path).totals.parcel_count == text.count("\n") - 1


def test_check_manifest_file_returns_problems_instead_of_raising(tmp_path: Path) -> None:
    limits = load_bay_limits(CONFIGS / "vehicles" / "cargo-p2p.toml")
    check = check_manifest_file(tmp_path / "missing.csv", limits)
    assert (check.ok, check.manifest, [p.why for p in check.problems]) == (False, None, ["no such file"])
    good = check_manifest_file(CONFIGS / "cargo" / "cargo-p2p-nominal.csv", limits)
    assert good.ok
    assert good.manifest is not None
