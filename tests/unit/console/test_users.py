"""The console's user file: scrypt hashes that verify, a file only its owner reads, and every kind of
bad file named by file, key and what was expected."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from gcs.console.users import (
    FORMAT,
    PasswordHash,
    PasswordRejected,
    UserDirectory,
    UserRecord,
    add_user,
    load_users,
    parse_roles,
    remove_user,
    save_users,
)
from gcs.domain.roles import Role
from gcs.errors import ConfigError

N = 2**10  # cheap for tests; the parameters travel with the hash


def record(name: str = "dana", password: str = "correct horse", *roles: Role) -> UserRecord:
    return UserRecord(name, frozenset(roles or {Role.LAUNCH_DIRECTOR}), PasswordHash.make(password, n=N))


def test_a_hash_verifies_its_password_only_and_is_salted() -> None:
    first = PasswordHash.make("correct horse", n=N)
    second = PasswordHash.make("correct horse", n=N)
    assert first.verify("correct horse")
    assert not first.verify("correct horsE")
    assert not first.verify("")
    assert first.salt != second.salt
    assert first.digest != second.digest
    assert (first.n, first.r, first.p) == (N, 8, 1)


@pytest.mark.parametrize("password", ["short", "x" * 1025])
def test_unusable_passwords_are_refused(password: str) -> None:
    with pytest.raises(PasswordRejected, match="a password of at"):
        PasswordHash.make(password, n=N)


def test_the_file_is_created_for_its_owner_only_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "users.json"
    rosa = record("rosa", "range safety!", Role.RANGE_SAFETY, Role.VIEWER)
    save_users(path, {"dana": record(), "rosa": rosa})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    users = load_users(path)
    assert sorted(users) == ["dana", "rosa"]
    assert users["rosa"].roles == {Role.RANGE_SAFETY, Role.VIEWER}
    assert users["rosa"].password.verify("range safety!")
    body = json.loads(path.read_text())
    assert body["format"] == FORMAT
    assert "range safety!" not in path.read_text()


def test_add_replace_and_remove(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    assert add_user(path, record()) is False
    with pytest.raises(ConfigError, match="--replace") as info:
        add_user(path, record())
    assert info.value.key == "users.dana"
    assert add_user(path, record("dana", "new password", Role.OPERATOR), replace=True) is True
    assert load_users(path)["dana"].roles == {Role.OPERATOR}
    remove_user(path, "dana")
    assert load_users(path) == {}
    with pytest.raises(ConfigError, match="an existing user") as info:
        remove_user(path, "dana")
    assert info.value.key == "users.dana"


def _entry(**overrides: Any) -> dict[str, Any]:
    good = record().password.to_json()
    return {"roles": ["launch_director"], "password": {**good, **overrides}}


@pytest.mark.parametrize(
    ("body", "key", "expected"),
    [
        ([], "", "a JSON object"),
        ({"format": "v0", "users": {}}, "format", repr(FORMAT)),
        ({"format": FORMAT, "users": [], "extra": 1}, "extra", "only the keys format and users"),
        ({"format": FORMAT, "users": []}, "users", "an object of user name to user"),
        ({"format": FORMAT, "users": {"bad name": _entry()}}, "users.bad name", "a user name"),
        ({"format": FORMAT, "users": {"dana": {"roles": [], "password": {}}}}, "users.dana.roles",
         "a non-empty list"),
        ({"format": FORMAT, "users": {"dana": {**_entry(), "roles": ["pilot"]}}}, "users.dana.roles",
         "unknown role 'pilot'"),
        ({"format": FORMAT, "users": {"dana": {**_entry(), "shell": "/bin/sh"}}}, "users.dana.shell",
         "only the keys roles and password"),
        ({"format": FORMAT, "users": {"dana": _entry(scheme="md5")}}, "users.dana.password.scheme",
         "'scrypt'"),
        ({"format": FORMAT, "users": {"dana": _entry(n="big")}}, "users.dana.password.n", "an integer"),
        ({"format": FORMAT, "users": {"dana": _entry(n=1000)}}, "users.dana.password", "a power of two"),
        ({"format": FORMAT, "users": {"dana": _entry(salt="***")}}, "users.dana.password.salt", "base64"),
        ({"format": FORMAT, "users": {"dana": {**_entry(), "password": {"scheme": "scrypt"}}}},
         "users.dana.password.hash", "this key is required"),
    ],
)
def test_a_bad_file_names_file_key_and_expectation(
    tmp_path: Path, body: object, key: str, expected: str
) -> None:
    path = tmp_path / "users.json"
    path.write_text(json.dumps(body))
    path.chmod(0o600)
    with pytest.raises(ConfigError) as info:
        load_users(path)
    assert info.value.path == path
    assert info.value.key == key
    assert expected in info.value.expected
    assert str(path) in str(info.value)


def test_missing_unreadable_open_to_others_and_not_json(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    with pytest.raises(ConfigError, match="gcs users add"):
        load_users(path)
    path.write_text("{not json")
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="JSON"):
        load_users(path)
    save_users(path, {"dana": record()})
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_users(path)


def test_roles_by_name() -> None:
    assert parse_roles(["Launch_Director", " weather "]) == {Role.LAUNCH_DIRECTOR, Role.WEATHER}
    with pytest.raises(ValueError, match="one of viewer, operator"):
        parse_roles(["captain"])
    with pytest.raises(ValueError, match="at least one role"):
        parse_roles([])


def test_the_directory_follows_the_file_and_says_why_nobody_can_log_in(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    directory = UserDirectory(path)
    assert directory.problem is not None
    assert "gcs users add" in str(directory.problem)
    assert directory.authenticate("dana", "correct horse") is None
    save_users(path, {"dana": record()})
    user = directory.authenticate("dana", "correct horse")
    assert user is not None
    assert user.roles == {Role.LAUNCH_DIRECTOR}
    assert directory.problem is None
    assert directory.authenticate("dana", "wrong horse") is None
    assert directory.authenticate("nobody", "correct horse") is None
    # Changed roles apply at once; a removed user is gone.
    save_users(path, {"dana": record("dana", "correct horse", Role.VIEWER)})
    assert directory.lookup("dana") is not None
    assert directory.lookup("dana").roles == {Role.VIEWER}  # type: ignore[union-attr]
    os.remove(path)
    assert directory.lookup("dana") is None
