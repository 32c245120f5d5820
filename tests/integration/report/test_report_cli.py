"""``gcs report`` as an operator runs it: a child process on a recorded session folder."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.unit.report.synthetic_session import SESSION_ID, write_session

REPO = Path(__file__).resolve().parents[3]
SECTIONS = [
    "altitude",
    "speed",
    "dynamic-pressure",
    "acceleration",
    "engine-tanks",
    "cargo-bay",
    "ground-track",
    "deck",
    "iip",
    "countdown",
    "alerts",
    "events",
    "cargo",
    "fleet",
    "vehicle-messages",
]


def gcs(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gcs", *map(str, args)], cwd=REPO, capture_output=True, text=True, timeout=300
    )


def test_a_report_of_a_recorded_session(tmp_path: Path) -> None:
    folder = write_session(tmp_path / "sessions")
    before = sorted(p.name for p in folder.iterdir())
    out = tmp_path / "out" / "hop.html"
    done = gcs("report", folder, "--out", out, "--range", "configs/range/hop.toml")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"gcs: report of {SESSION_ID} written to {out} (")
    assert "range configs/range/hop.toml" in done.stdout
    assert sorted(p.name for p in folder.iterdir()) == before  # the session is read, never written

    page = out.read_text(encoding="utf-8")
    for anchor in SECTIONS:
        assert f'<section id="{anchor}">' in page, anchor
    svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL)
    assert len(svgs) == 11  # six vehicle plots, track, deck, IIP map and margin, countdown
    for svg in svgs:
        ET.fromstring(svg)  # each plot is well-formed on its own
    assert "corridor nominal (±3 km)" in page
    assert "destruct line north" in page
    assert "<script" not in page
    assert 'href="http' not in page


def test_a_missing_folder_fails_with_one_line_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "20990101T000000Z-nothere"
    done = gcs("report", missing, "--out", tmp_path / "r.html")
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [f"gcs: error: {missing}: no such session folder"]
    assert not (tmp_path / "r.html").exists()


def test_an_empty_folder_fails_with_one_line_naming_it(tmp_path: Path) -> None:
    empty = tmp_path / "empty-session"
    empty.mkdir()
    done = gcs("report", empty, "--out", tmp_path / "r.html")
    assert done.returncode != 0
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"gcs: error: {empty}: not a recorded session")
    assert not (tmp_path / "r.html").exists()
