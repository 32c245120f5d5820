"""``gcs montecarlo`` as an operator runs it: a real process, which runs the simulator's batch as its
own child, draws the progress bar, and leaves runs.csv, summary.json and montecarlo.html that
agree with each other."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_gcs_montecarlo_writes_consistent_files(tmp_path: Path) -> None:
    out = tmp_path / "tmp"
    command = [
        sys.executable,
        "-m",
        "gcs",
        "montecarlo",
        "--scenario",
        "hop",
        "--runs",
        "50",
        "--seed",
        "1",
        "--out",
        str(out),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "] 100 % " in done.stdout  # the bar reached the end
    assert "50 runs of hop" in done.stdout

    with (out / "runs.csv").open(newline="") as fh:
        records = list(csv.DictReader(fh))
    summary = json.loads((out / "summary.json").read_text())
    page = (out / "montecarlo.html").read_text()

    assert [r["run"] for r in records] == [str(i) for i in range(50)]
    within = sum(r["within_limits"] == "yes" for r in records)
    landed = sum(r["outcome"] == "landed" for r in records)
    assert summary["runs"] == 50
    assert summary["within_limits"]["successes"] == within
    assert summary["landed_on_deck"] == landed
    assert summary["outcomes"]["landed"] == landed
    assert (
        summary["within_limits"]["low"]
        <= summary["within_limits"]["estimate"]
        <= summary["within_limits"]["high"]
    )
    misses = [float(r["miss_m"]) for r in records if r["outcome"] == "landed"]
    assert summary["miss_m"]["maximum"] == pytest.approx(max(misses), abs=0.002)  # csv: mm
    assert summary["deck"] == {"platform": "hop-barge", "length_m": 91.4, "width_m": 30.5}
    # Dispersed runs scatter: not one touchdown point twice.
    assert len({(r["along_m"], r["across_m"]) for r in records}) == 50
    assert page.count("<svg") >= 2
    assert f"{landed} of 50" in page


def test_gcs_montecarlo_refuses_an_unsupported_scenario_by_name(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "gcs",
        "montecarlo",
        "--scenario",
        "high-sea",
        "--runs",
        "2",
        "--out",
        str(tmp_path),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert "scenario 'high-sea'" in done.stderr
    assert "supported:" in done.stderr
    assert not (tmp_path / "runs.csv").exists()
