"""The ``gcs`` command: one subcommand per job. Parses arguments and hands over; no logic of its own.

Subcommands import their modules lazily so ``gcs --help`` stays fast and a broken optional part
(a missing browser, say) cannot stop the others.
"""

from __future__ import annotations

import argparse
import importlib
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


#: Each subcommand and the module whose ``add_parser(sub)`` defines it, imported only when needed:
#: ``gcs users list`` need not import the station, numpy and matplotlib (~2.5 s of a 2.8 s run).
SUBCOMMAND_MODULES: dict[str, str] = {
    "run": "gcs.app",
    "demo": "gcs.demo",
    "replay": "gcs.replay",
    "export": "gcs.export",
    "report": "gcs.report.command",
    "users": "gcs.console.cli",
    "cargo": "gcs.cargo.cli",
    "fleet": "gcs.fleet.cli",
    "sitl": "gcs.sitl.command",
    "montecarlo": "gcs.montecarlo.command",
}


def _chosen_command(argv: Sequence[str] | None) -> str | None:
    """The subcommand named on the command line, if it is one of ours (else None: build them all,
    so that help lists every one and a mistyped name gets argparse's list of choices)."""
    for arg in argv or ():
        if not arg.startswith("-"):
            return arg if arg in SUBCOMMAND_MODULES else None
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: every subcommand, or only the one ``argv`` names."""
    parser = argparse.ArgumentParser(prog="gcs", description="Ground control for sea-launched cargo rockets.")
    parser.add_argument("--version", action="version", version=f"gcs {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    config = sub.add_parser("config", help="check configuration files")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = config_sub.add_parser("check", help="load a gcs.toml and report the first problem")
    check.add_argument("file", help="path to a gcs.toml")
    check.set_defaults(func=_cmd_config_check)

    chosen = _chosen_command(argv)
    for name, module_name in SUBCOMMAND_MODULES.items():
        if chosen is not None and name != chosen:
            continue
        module = importlib.import_module(module_name)
        if name == "fleet":
            module.add_parser(sub, authenticate=_console_user)
        else:
            module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    arguments = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(arguments).parse_args(arguments)
    try:
        return int(args.func(args))
    except GcsError as exc:
        # One clear line for the operator, never a traceback, for every error we raise on purpose.
        print(f"gcs: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
