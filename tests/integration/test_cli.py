"""The ``gcs`` command as a user runs it: demo end to end, config errors as one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gcs.recorder.journal import JournalKind
from gcs.recorder.session import RecordedSession

REPO = Path(__file__).resolve().parents[2]


def _gcs(*args: str, timeout_s: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gcs", *args], capture_output=True, text=True,
                          timeout=timeout_s, cwd=REPO, check=False)


def test_demo_finds_the_signed_vehicle_and_records_the_session(tmp_path: Path) -> None:
    result = _gcs("demo", "--duration", "4", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "acknowledged: result 0" in result.stdout
    assert "phase SAFE" in result.stdout
    [session_dir] = [p for p in tmp_path.iterdir() if p.is_dir()]
    session = RecordedSession.open(session_dir)
    frames = [frame for _, frame in session.tlog_records()]
    assert len(frames) > 20
    kinds = {record.kind for record in session.journal()}
    assert {JournalKind.COMMAND_SENT, JournalKind.COMMAND_ACK} <= kinds


def test_config_check_reports_one_clear_line(tmp_path: Path) -> None:
    good = _gcs("config", "check", "configs/gcs.toml")
    assert good.returncode == 0, good.stderr
    bad = tmp_path / "gcs.toml"
    bad.write_text("[vehicle]\nsystem_id = 300\n")
    result = _gcs("config", "check", str(bad))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    expected = f"gcs: error: {bad}: vehicle.system_id: expected an integer from 1 to 255, got 300"
    assert result.stderr.strip() == expected
