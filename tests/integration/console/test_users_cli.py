"""``gcs users add|list|remove`` as a user runs them: the password from standard input, a file only its
owner may read, and one clear error line (exit 2) for every mistake."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from gcs.console.users import load_users
from gcs.domain.roles import Role

REPO = Path(__file__).resolve().parents[3]


def gcs(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gcs", "users", *args], input=stdin, capture_output=True,
                          text=True, cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"}, timeout=60)


def test_add_list_remove(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "users.json"
    added = gcs("add", "dana", "--role", "launch_director", "--role", "weather", "--password-stdin",
                "--file", str(path), stdin="a long password\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == f"{path}: added dana (launch_director, weather)"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    user = load_users(path)["dana"]
    assert user.roles == {Role.LAUNCH_DIRECTOR, Role.WEATHER}
    assert user.password.verify("a long password")
    assert "a long password" not in path.read_text()

    gcs("add", "vic", "--role", "viewer", "--password-stdin", "--file", str(path), stdin="viewer password\n")
    listed = gcs("list", "--file", str(path))
    assert listed.stdout.splitlines() == ["dana\tlaunch_director, weather", "vic\tviewer"]

    again = gcs("add", "vic", "--role", "operator", "--password-stdin", "--file", str(path),
                stdin="pw-pw-pw-pw\n")
    assert again.returncode == 2
    assert "--replace" in again.stderr
    replaced = gcs("add", "vic", "--role", "operator", "--password-stdin", "--replace", "--file", str(path),
                   stdin="pw-pw-pw-pw\n")
    assert replaced.stdout.strip().endswith("updated vic (operator)")

    removed = gcs("remove", "vic", "--file", str(path))
    assert removed.returncode == 0
    assert sorted(load_users(path)) == ["dana"]


def test_mistakes_are_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    pw = "pw-pw-pw-pw\n"
    cases = [
        (("add", "dana", "--role", "pilot", "--password-stdin"), pw, "--role: expected one of viewer"),
        (("add", "da na", "--role", "viewer", "--password-stdin"), "pw-pw-pw-pw\n", "NAME: expected 1 to 64"),
        (("add", "dana", "--role", "viewer", "--password-stdin"), "short\n", "a password of at least 8"),
        (("add", "dana", "--role", "viewer", "--password-stdin"), "", "a password on standard input"),
        (("list",), "", "gcs users add NAME --role ROLE"),
        (("remove", "ghost"), "", "gcs users add NAME --role ROLE"),
    ]
    for args, stdin, message in cases:
        result = gcs(*args, "--file", str(path), stdin=stdin)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("gcs: error: "), result.stderr
        assert message in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1


def test_the_file_named_in_the_config_is_used(tmp_path: Path) -> None:
    config = tmp_path / "gcs.toml"
    users = tmp_path / "from-config.json"
    config.write_text(f"[console]\nusers_file = '{users}'\n")
    result = gcs("add", "rosa", "--role", "range_safety", "--password-stdin", "--config", str(config),
                 stdin="range-safety-pw\n")
    assert result.returncode == 0, result.stderr
    assert "rosa" in load_users(users)
