"""``gcs fleet`` as a user runs it: the fleet table, one vehicle's report, clearing with a password and
a role, and every refusal as one clear line."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gcs.console.users import PasswordHash, UserRecord, add_user
from gcs.domain.roles import Role
from gcs.fleet.store import FleetStore
from tests.unit.fleet.flights import record

REPO = Path(__file__).resolve().parents[3]
PASSWORD = "correct horse battery"


def _gcs(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gcs", "fleet", *args], capture_output=True, text=True,
                          input=stdin, timeout=60, cwd=REPO, check=False)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """YXZ-01 at its engine-start limit (2 flights of 4 starts), YXZ-02 with one gentle hop."""
    path = tmp_path / "fleet.sqlite"
    with FleetStore.open(path) as store:
        store.add_flight(record(1, engine_starts=4))
        store.add_flight(record(2, engine_starts=4, max_q_pa=7_250.0))
        store.add_flight(record(3, vehicle_id="YXZ-02"))
    return path


@pytest.fixture
def users(tmp_path: Path) -> Path:
    path = tmp_path / "users.json"
    for name, role in (("vic", Role.VEHICLE), ("dana", Role.LAUNCH_DIRECTOR)):
        add_user(path, UserRecord(name, frozenset({role}), PasswordHash.make(PASSWORD, n=1024)))
    return path


def test_show_prints_one_line_per_vehicle_and_why_a_vehicle_is_no_go(db: Path) -> None:
    result = _gcs("--db", str(db), "show")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["VEHICLE", "TYPE", "FLIGHTS", "STARTS", "BURN", "s", "MAX", "Q", "kPa",
                                "LAST", "FLIGHT", "STATUS"]
    assert lines[1].split() == ["YXZ-01", "yxz-1-hop", "2", "8", "142.0", "7.2", "2026-05-03", "12:00Z",
                                "landed", "NO-GO", "(inspection", "due)"]
    assert lines[2].strip() == "inspection.engine_starts: engine starts 8 >= limit 8 since entry into service"
    assert lines[3].split()[:4] == ["YXZ-02", "yxz-1-hop", "1", "2"]
    assert lines[3].endswith("  go")


def test_show_vehicle_reports_limits_flights_and_clearances(db: Path) -> None:
    result = _gcs("show", "YXZ-01", "--db", str(db))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("YXZ-01 (yxz-1-hop): NO-GO (inspection due)\n")
    assert "  inspection.flights: flights 2 of limit 5 since entry into service\n" in out
    assert "YXZ-01-flight-2" in out
    assert out.rstrip().endswith("clearances:\n  (none)")


def test_clear_with_the_vehicle_role_makes_the_vehicle_go(db: Path, users: Path) -> None:
    result = _gcs("--db", str(db), "clear", "YXZ-01", "inspection.engine_starts", "--users", str(users),
                  "--user", "vic", "--reason", "borescope: no erosion", "--password-stdin",
                  stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert "inspection.engine_starts of YXZ-01 cleared by vic (vehicle)" in result.stdout
    assert result.stdout.splitlines()[-1] == "YXZ-01: go"
    shown = _gcs("--db", str(db), "show", "YXZ-01").stdout
    assert "inspection.engine_starts by vic (vehicle): borescope: no erosion" in shown
    assert "engine starts 0 of limit 8 since clearance" in shown


@pytest.mark.parametrize(
    ("user", "password", "message"),
    [
        ("dana", PASSWORD,
         "clearing inspection.engine_starts needs the role propulsion or vehicle; dana does not hold it"),
        ("vic", "not the password", "user vic: unknown, or not that password"),
        ("nobody", PASSWORD, "user nobody: unknown, or not that password"),
    ],
)
def test_clear_is_refused_without_the_role_or_the_password(
    db: Path, users: Path, user: str, password: str, message: str
) -> None:
    result = _gcs("--db", str(db), "clear", "YXZ-01", "inspection.engine_starts", "--users", str(users),
                  "--user", user, "--reason", "trust me", "--password-stdin", stdin=password + "\n")
    assert result.returncode == 2
    assert result.stderr.strip().endswith(message)
    assert "Traceback" not in result.stderr
    with FleetStore.open(db) as store:
        assert store.clearances("YXZ-01") == ()


def test_refusals_are_one_clear_line(db: Path, tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite"
    result = _gcs("--db", str(missing), "show")
    assert (result.returncode, result.stderr.strip()) == (
        2, f"gcs: error: {missing}: no fleet database here (the station writes one after the first flight; "
           "--db names another)")
    assert not missing.exists()
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n")
    result = _gcs("--db", str(text), "show")
    assert result.stderr.strip() == (f"gcs: error: {text}: not an SQLite database (a fleet database is an "
                                     "SQLite 3 file)")
    limits = tmp_path / "fleet.toml"
    limits.write_text("[types.yxz-1-hop]\nhard_landing_vertical_speed_mps = 4.0\n")
    result = _gcs("--db", str(db), "--limits", str(limits), "show")
    assert result.stderr.strip() == (
        f"gcs: error: {limits}: types.yxz-1-hop.hard_landing_horizontal_speed_mps: "
        "expected a value (this key is required)")


def test_a_clearance_is_dated_now_so_later_flights_count_again(db: Path, users: Path) -> None:
    clear = _gcs("--db", str(db), "clear", "YXZ-02", "inspection", "--users", str(users), "--user", "vic",
                 "--reason", "walk-down", "--password-stdin", stdin=PASSWORD + "\n")
    assert clear.returncode == 0, clear.stderr
    with FleetStore.open(db) as store:
        [clearance] = store.clearances("YXZ-02")
        later = replace(record(4, vehicle_id="YXZ-02"), started_utc=clearance.at_utc + timedelta(hours=1),
                        ended_utc=clearance.at_utc + timedelta(hours=2))
        store.add_flight(later)
    shown = _gcs("--db", str(db), "show", "YXZ-02").stdout
    assert "inspection.flights: flights 1 of limit 5 since clearance" in shown
