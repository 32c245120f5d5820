"""The ``gcs`` command: one subcommand per job. Parses arguments and hands over; no logic of its own.

Subcommands import their modules lazily so ``gcs --help`` stays fast and a broken optional part
(a missing browser, say) cannot stop the others.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gcs import __version__
from gcs.errors import GcsError

if TYPE_CHECKING:
    from gcs.domain.roles import User


def _cmd_config_check(args: argparse.Namespace) -> int:
    from gcs.config import load_gcs_config

    cfg = load_gcs_config(args.file)
    print(f"{args.file}: ok (vehicle {cfg.vehicle.connection}, {len(cfg.platforms)} platform(s))")
    return 0


def _console_user(users_file: Path, name: str, password: str) -> User | None:
    """The console user ``name`` if ``password`` is theirs (for ``gcs fleet``, below the console's layer)."""
    from gcs.console.users import load_users

    record = load_users(users_file).get(name)
    return record.user if record is not None and record.password.verify(password) else None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gcs", description="Ground control for sea-launched cargo rockets.")
    parser.add_argument("--version", action="version", version=f"gcs {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    config = sub.add_parser("config", help="check configuration files")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = config_sub.add_parser("check", help="load a gcs.toml and report the first problem")
    check.add_argument("file", help="path to a gcs.toml")
    check.set_defaults(func=_cmd_config_check)

    from gcs import app, demo, export, replay
    from gcs.cargo import cli as cargo_cli
    from gcs.console import cli as console_cli
    from gcs.fleet import cli as fleet_cli
    from gcs.montecarlo import command as montecarlo_command
    from gcs.report import command as report_command
    from gcs.sitl import command as sitl_command

    app.add_parser(sub)
    demo.add_parser(sub)
    replay.add_parser(sub)
    export.add_parser(sub)
    report_command.add_parser(sub)
    console_cli.add_parser(sub)
    cargo_cli.add_parser(sub)
    fleet_cli.add_parser(sub, authenticate=_console_user)
    sitl_command.add_parser(sub)
    montecarlo_command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    try:
        return int(args.func(args))
    except GcsError as exc:
        # One clear line for the operator, never a traceback, for every error we raise on purpose.
        print(f"gcs: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
