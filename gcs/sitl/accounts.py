"""A console login for one simulated run, when the station's config names no user file that exists.

``make demo`` on a fresh clone has no ``secrets/console-users.json`` (it is never committed, and
``gcs users add`` asks for a password), yet the person who ran it must be able to log in to watch.
So a run with the console and no user file gets an account of its own: name ``sitl``, roles viewer
and operator (watch, call a hold, acknowledge alerts; the scripted team runs the count), a random
password printed on the terminal, its hash in the run's own folder (mode 0600), gone with the
folder. A station with a real user file keeps it: this never adds to or replaces an existing file.

Knows nothing of the simulator or the launch rules.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from gcs.console.users import PasswordHash, UserRecord, save_users
from gcs.domain.roles import Role

RUN_USER = "sitl"
RUN_ROLES = frozenset({Role.VIEWER, Role.OPERATOR})


@dataclass(frozen=True, slots=True)
class RunAccount:
    users_file: Path
    name: str
    password: str


def run_account(folder: Path) -> RunAccount:
    """Write a user file with one fresh account into ``folder``.

    Raises:
        ConfigError: the file cannot be written.
    """
    password = secrets.token_urlsafe(9)  # 12 characters, 72 bits: typed once, from the terminal
    path = folder / "console-users.json"
    save_users(path, {RUN_USER: UserRecord(RUN_USER, RUN_ROLES, PasswordHash.make(password))})
    return RunAccount(path, RUN_USER, password)
