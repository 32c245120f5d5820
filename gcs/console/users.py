"""The console's users: a JSON file of names, roles and scrypt password hashes, and who may log in.

The file (written by ``gcs users add``, mode 0600, never committed)::

    {"format": "seaport-console-users/1",
     "users": {"dana": {"roles": ["launch_director"],
                        "password": {"scheme": "scrypt", "n": 32768, "r": 8, "p": 1,
                                     "salt": "<base64>", "hash": "<base64>"}}}}

Passwords are hashed with ``hashlib.scrypt`` (the standard library's; no new dependency), a fresh
16-byte salt each, the cost parameters stored beside the hash so they can be raised later without
invalidating old entries, and compared in constant time. A bad file raises ``ConfigError`` naming
the file, the key and what was expected. Knows nothing of HTTP, sessions or the launch rules; roles
are ``gcs.domain.roles.Role``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import hashlib
import hmac
import json
import os
import re
import secrets
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gcs.domain.roles import Role, User
from gcs.errors import ConfigError

FORMAT = "seaport-console-users/1"
SCHEME = "scrypt"
DEFAULT_N = 2**15
"""scrypt CPU/memory cost: 32 MiB and about 0.1 s per hash on this class of machine."""
DEFAULT_R = 8
DEFAULT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024
NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
_MIN_N, _MAX_N = 2**10, 2**20

ADD_HINT = "create it with `gcs users add NAME --role ROLE`"


class PasswordRejected(ValueError):
    """A new password that may not be used (too short, too long)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _maxmem(n: int, r: int, p: int) -> int:
    # scrypt needs 128 * r * n bytes for V plus 128 * r * p for B; OpenSSL refuses beyond maxmem.
    return 128 * r * (n + p + 2) + 1024 * 1024


@dataclass(frozen=True, slots=True)
class PasswordHash:
    """A salted scrypt hash with its parameters."""

    n: int
    r: int
    p: int
    salt: bytes
    digest: bytes

    def __post_init__(self) -> None:
        if not (_MIN_N <= self.n <= _MAX_N and self.n & (self.n - 1) == 0):
            raise ValueError(f"n must be a power of two from {_MIN_N} to {_MAX_N}, got {self.n}")
        if not 1 <= self.r <= 32 or not 1 <= self.p <= 16:
            raise ValueError(f"r must be 1..32 and p 1..16, got r={self.r} p={self.p}")
        if len(self.salt) < 8 or not 16 <= len(self.digest) <= 64:
            raise ValueError("salt must have at least 8 bytes and the hash 16 to 64")

    @classmethod
    def make(
        cls, password: str, *, n: int = DEFAULT_N, r: int = DEFAULT_R, p: int = DEFAULT_P
    ) -> PasswordHash:
        """Hash a new password.

        Raises:
            PasswordRejected: shorter than ``MIN_PASSWORD_CHARS`` or longer than ``MAX_PASSWORD_CHARS``.
        """
        if len(password) < MIN_PASSWORD_CHARS:
            raise PasswordRejected(f"a password of at least {MIN_PASSWORD_CHARS} characters")
        if len(password) > MAX_PASSWORD_CHARS:
            raise PasswordRejected(f"a password of at most {MAX_PASSWORD_CHARS} characters")
        salt = secrets.token_bytes(SALT_BYTES)
        return cls(n, r, p, salt, _scrypt(password, salt, n, r, p, HASH_BYTES))

    def verify(self, password: str) -> bool:
        """Whether ``password`` is the one hashed (constant-time comparison of the hashes)."""
        if len(password) > MAX_PASSWORD_CHARS:
            return False
        candidate = _scrypt(password, self.salt, self.n, self.r, self.p, len(self.digest))
        return hmac.compare_digest(candidate, self.digest)

    def to_json(self) -> dict[str, Any]:
        return {"scheme": SCHEME, "n": self.n, "r": self.r, "p": self.p, "salt": _b64(self.salt),
                "hash": _b64(self.digest)}


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length,
                          maxmem=_maxmem(n, r, p))


@dataclass(frozen=True, slots=True)
class UserRecord:
    """One line of the user file."""

    name: str
    roles: frozenset[Role]
    password: PasswordHash

    def __post_init__(self) -> None:
        if not NAME.fullmatch(self.name):
            raise ValueError(f"user name {self.name!r}: 1 to 64 characters from A-Z a-z 0-9 . _ -")
        if not self.roles:
            raise ValueError(f"user {self.name!r} needs at least one role")

    @property
    def user(self) -> User:
        return User(self.name, self.roles)


def check_name(name: str) -> str:
    """``name`` if it may name a user.

    Raises:
        ValueError: naming what a name may contain.
    """
    if not NAME.fullmatch(name):
        raise ValueError(f"user name {name!r}: 1 to 64 characters from A-Z a-z 0-9 . _ -")
    return name


def parse_roles(names: Iterable[str]) -> frozenset[Role]:
    """Roles by their names in the user file and on the command line.

    Raises:
        ValueError: an unknown role (naming the roles there are), or none at all.
    """
    roles: set[Role] = set()
    for name in names:
        try:
            roles.add(Role(name.strip().lower()))
        except ValueError:
            choices = ", ".join(r.value for r in Role)
            raise ValueError(f"unknown role {name!r}; one of {choices}") from None
    if not roles:
        raise ValueError("a user needs at least one role")
    return frozenset(roles)


# --- the file ----------------------------------------------------------------------------------------


def load_users(path: Path | str) -> dict[str, UserRecord]:
    """Read the user file.

    Raises:
        ConfigError: missing, unreadable, readable by others than its owner, not JSON, or a key
            that is wrong (named as ``users.dana.password.n``).
    """
    path = Path(path)
    try:
        info = path.stat()
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError(path, "", f"an existing console user file ({ADD_HINT})") from exc
    except IsADirectoryError as exc:
        raise ConfigError(path, "", "a file, not a directory") from exc
    except PermissionError as exc:
        raise ConfigError(path, "", "a file this user may read") from exc
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise ConfigError(path, "", f"a file readable by its owner only (chmod 600 {path})",
                          oct(stat.S_IMODE(info.st_mode)))
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "", f"JSON ({exc})") from exc
    return parse_users(data, path)


def parse_users(data: object, path: Path | str) -> dict[str, UserRecord]:
    """The users of a parsed user file (see the module docstring for the shape).

    Raises:
        ConfigError: naming the key that is wrong.
    """
    if not isinstance(data, dict):
        raise ConfigError(path, "", "a JSON object with \"format\" and \"users\"", type(data).__name__)
    unknown = sorted(set(data) - {"format", "users"})
    if unknown:
        raise ConfigError(path, unknown[0], "only the keys format and users", "unknown key")
    if data.get("format") != FORMAT:
        raise ConfigError(path, "format", repr(FORMAT), data.get("format"))
    users = data.get("users")
    if not isinstance(users, dict):
        raise ConfigError(path, "users", "an object of user name to user", type(users).__name__)
    return {name: _parse_user(name, entry, path) for name, entry in users.items()}


def _parse_user(name: str, entry: object, path: Path | str) -> UserRecord:
    key = f"users.{name}"
    if not NAME.fullmatch(name):
        raise ConfigError(path, key, "a user name of 1 to 64 characters from A-Z a-z 0-9 . _ -", name)
    if not isinstance(entry, dict):
        raise ConfigError(path, key, "an object with roles and password", type(entry).__name__)
    unknown = sorted(set(entry) - {"roles", "password"})
    if unknown:
        raise ConfigError(path, f"{key}.{unknown[0]}", "only the keys roles and password", "unknown key")
    roles = entry.get("roles")
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
        raise ConfigError(path, f"{key}.roles", "a non-empty list of role names", roles)
    try:
        parsed_roles = parse_roles(roles)
    except ValueError as exc:
        raise ConfigError(path, f"{key}.roles", str(exc), roles) from None
    return UserRecord(name, parsed_roles, _parse_hash(entry.get("password"), f"{key}.password", path))


def _parse_hash(entry: object, key: str, path: Path | str) -> PasswordHash:
    if not isinstance(entry, dict):
        raise ConfigError(path, key, "an object with scheme, n, r, p, salt and hash", type(entry).__name__)
    expected_keys = {"scheme", "n", "r", "p", "salt", "hash"}
    for name in sorted(expected_keys | set(entry)):
        if name not in expected_keys:
            raise ConfigError(path, f"{key}.{name}", "only scheme, n, r, p, salt and hash", "unknown key")
        if name not in entry:
            raise ConfigError(path, f"{key}.{name}", "a value (this key is required)")
    if entry["scheme"] != SCHEME:
        raise ConfigError(path, f"{key}.scheme", repr(SCHEME), entry["scheme"])
    for name in ("n", "r", "p"):
        value = entry[name]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(path, f"{key}.{name}", "an integer", value)
    raw: dict[str, bytes] = {}
    for name in ("salt", "hash"):
        value = entry[name]
        try:
            if not isinstance(value, str):
                raise TypeError(value)
            raw[name] = base64.b64decode(value, validate=True)
        except (TypeError, binascii.Error):
            raise ConfigError(path, f"{key}.{name}", "base64 text", value) from None
    try:
        return PasswordHash(entry["n"], entry["r"], entry["p"], raw["salt"], raw["hash"])
    except ValueError as exc:
        raise ConfigError(path, key, str(exc)) from None


def dump_users(users: Mapping[str, UserRecord]) -> bytes:
    """The file's bytes for ``users`` (sorted by name, one user per block, stable across saves)."""
    body = {
        "format": FORMAT,
        "users": {
            name: {"roles": sorted(r.value for r in record.roles), "password": record.password.to_json()}
            for name, record in sorted(users.items())
        },
    }
    return (json.dumps(body, indent=2) + "\n").encode("utf-8")


def save_users(path: Path | str, users: Mapping[str, UserRecord]) -> None:
    """Write the user file atomically, readable by its owner only (a new folder is made 0700).

    Raises:
        ConfigError: the file or its folder cannot be written.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # O_EXCL with mode 0600: the hashes are never readable by others, not even for a moment.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, dump_users(users))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(path, "", f"a file that can be written ({exc.strerror or exc})") from exc


def add_user(path: Path | str, record: UserRecord, *, replace: bool = False) -> bool:
    """Add ``record`` to the file (made if missing); returns whether a user of that name was replaced.

    Raises:
        ConfigError: the file is bad, or the user exists and ``replace`` is false.
    """
    path = Path(path)
    users = load_users(path) if path.exists() else {}
    existed = record.name in users
    if existed and not replace:
        raise ConfigError(path, f"users.{record.name}", "a new user name (use --replace to change this user)",
                          record.name)
    users[record.name] = record
    save_users(path, users)
    return existed


def remove_user(path: Path | str, name: str) -> None:
    """Remove the user ``name``.

    Raises:
        ConfigError: the file is bad or has no such user.
    """
    users = load_users(path)
    if name not in users:
        raise ConfigError(path, f"users.{name}", "an existing user: one of " + (", ".join(sorted(users)) or
                                                                              "(none)"), name)
    del users[name]
    save_users(path, users)


class UserDirectory:
    """The users the server checks logins and sessions against; re-reads the file when it changes.

    ``gcs users add`` and ``remove`` take effect at the next login or request, without a restart:
    a removed user's sessions end, changed roles apply to the next command.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._stamp: tuple[int, int, int] | None = None
        self._users: dict[str, UserRecord] = {}
        self.problem: ConfigError | None = None
        """Why nobody can log in (no file, a bad file), or None."""
        # A name that does not exist costs as much as one that does: a dummy hash to verify against.
        self._dummy = PasswordHash.make(secrets.token_urlsafe(16), n=DEFAULT_N)
        # Kept in ``problem``: the station runs on, the console refuses logins and says why.
        with contextlib.suppress(ConfigError):
            self.reload()

    def reload(self) -> None:
        """Read the file if it changed since the last read.

        Raises:
            ConfigError: the file is missing or bad; nobody can log in until it is fixed (kept in
                ``problem`` too).
        """
        try:
            try:
                info = self.path.stat()
            except FileNotFoundError:
                raise ConfigError(self.path, "", f"an existing console user file ({ADD_HINT})") from None
            stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
            if stamp != self._stamp:
                self._users = {}
                self._stamp = None
                self._users = load_users(self.path)
                self._stamp = stamp
        except ConfigError as exc:
            self._users = {}
            self.problem = exc
            raise
        self.problem = None

    def lookup(self, name: str) -> User | None:
        """The user called ``name`` as the file says now, or None (also when the file went bad)."""
        try:
            self.reload()
        except ConfigError:
            return None
        record = self._users.get(name)
        return None if record is None else record.user

    def authenticate(self, name: str, password: str) -> User | None:
        """The user if ``password`` is theirs, else None. Slow on purpose (scrypt): call off the loop."""
        try:
            self.reload()
        except ConfigError:
            return None
        record = self._users.get(name)
        if record is None:
            self._dummy.verify(password)
            return None
        return record.user if record.password.verify(password) else None

    @property
    def names(self) -> list[str]:
        return sorted(self._users)

    def records(self) -> list[UserRecord]:
        return [dataclasses.replace(r) for _, r in sorted(self._users.items())]
