"""``gcs users add|list|remove``: the console's user file from the command line. No logic of its own.

The file is the one ``[console] users_file`` of the config names (``--config``, default
configs/gcs.toml), or ``--file``. ``add`` asks for the password twice on the terminal, or reads one
line from standard input with ``--password-stdin`` (for scripts: ``printf '%s\\n' "$PW" | gcs users
add ...``); it never takes a password as an argument, where ``ps`` and shell history would show it.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any, TextIO

from gcs.config import load_gcs_config
from gcs.console.users import (
    DEFAULT_N,
    PasswordHash,
    PasswordRejected,
    UserRecord,
    add_user,
    check_name,
    load_users,
    parse_roles,
    remove_user,
)
from gcs.domain.roles import Role
from gcs.errors import ConfigError


def add_parser(sub: Any) -> None:
    users = sub.add_parser("users", help="console users: add, list, remove (passwords hashed with scrypt)")
    users_sub = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    roles = ", ".join(r.value for r in Role)

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--config", default="configs/gcs.toml",
                            help="gcs.toml whose [console] users_file is used (default configs/gcs.toml)")
        parser.add_argument("--file", metavar="PATH", help="the user file itself (overrides --config)")

    add = users_sub.add_parser("add", help="add a user (asks for the password)")
    add.add_argument("name", help="user name: 1 to 64 characters from A-Z a-z 0-9 . _ -")
    add.add_argument("--role", action="append", required=True, metavar="ROLE",
                     help=f"a role (repeatable): {roles}")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--replace", action="store_true", help="change an existing user's roles and password")
    add.add_argument("--scrypt-n", type=int, default=DEFAULT_N, help=argparse.SUPPRESS)
    common(add)
    add.set_defaults(func=_add)

    listing = users_sub.add_parser("list", help="list users and their roles")
    common(listing)
    listing.set_defaults(func=_list)

    remove = users_sub.add_parser("remove", help="remove a user (their sessions end)")
    remove.add_argument("name")
    common(remove)
    remove.set_defaults(func=_remove)


def users_file(args: argparse.Namespace) -> Path:
    if args.file:
        return Path(args.file)
    return Path(load_gcs_config(args.config).console.users_file)


def read_password(args: argparse.Namespace, stdin: TextIO | None = None) -> str:
    """The new password from standard input or the terminal (typed twice).

    Raises:
        ConfigError: nothing on standard input, or the two typed passwords differ.
    """
    if args.password_stdin:
        line = (stdin or sys.stdin).readline()
        password = line[:-1] if line.endswith("\n") else line
        if not password:
            raise ConfigError("--password-stdin", "", "a password on standard input (one line)")
        return password
    first = getpass.getpass(f"password for {args.name}: ")
    second = getpass.getpass("again: ")
    if first != second:
        raise ConfigError("password", "", "the same password twice")
    return first


def _add(args: argparse.Namespace) -> int:
    path = users_file(args)
    try:
        name = check_name(args.name)
    except ValueError:
        raise ConfigError("NAME", "", "1 to 64 characters from A-Z a-z 0-9 . _ -", args.name) from None
    try:
        roles = parse_roles(args.role)
    except ValueError:
        bad = [r for r in args.role if r.strip().lower() not in {role.value for role in Role}]
        raise ConfigError("--role", "", "one of " + ", ".join(r.value for r in Role), bad[0]) from None
    password = read_password(args)
    try:
        hashed = PasswordHash.make(password, n=args.scrypt_n)
    except (PasswordRejected, ValueError) as exc:
        raise ConfigError("password", "", str(exc)) from None  # the message says what was expected
    replaced = add_user(path, UserRecord(name, roles, hashed), replace=args.replace)
    verb = "updated" if replaced else "added"
    print(f"{path}: {verb} {name} ({', '.join(sorted(r.value for r in roles))})")
    return 0


def _list(args: argparse.Namespace) -> int:
    path = users_file(args)
    for name, record in sorted(load_users(path).items()):
        print(f"{name}\t{', '.join(sorted(r.value for r in record.roles))}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    path = users_file(args)
    remove_user(path, args.name)
    print(f"{path}: removed {args.name}")
    return 0
