"""The ``gcs`` command's parser: every subcommand is there for help, and a named one imports only its
own module (``gcs users list`` must not pay for the station, numpy and matplotlib)."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from gcs.cli import SUBCOMMAND_MODULES, build_parser


def _choices(parser: argparse.ArgumentParser) -> list[str]:
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(subparsers.choices)


def test_without_a_command_every_subcommand_is_built() -> None:
    assert _choices(build_parser()) == ["config", *SUBCOMMAND_MODULES]
    assert _choices(build_parser(["--help"])) == ["config", *SUBCOMMAND_MODULES]
    assert _choices(build_parser(["usrs"])) == ["config", *SUBCOMMAND_MODULES]  # argparse lists them


@pytest.mark.parametrize("name", list(SUBCOMMAND_MODULES))
def test_a_named_command_builds_only_itself_and_its_module_defines_it(name: str) -> None:
    assert _choices(build_parser([name, "--anything"])) == ["config", name]


def test_gcs_users_does_not_import_the_station() -> None:
    probe = (
        "import sys; from gcs.cli import main; main(['users', 'list', '--file', '/nonexistent/users.json']); "
        "print(sorted(m for m in ('gcs.app', 'numpy', 'matplotlib', 'aiohttp') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done
    assert "expected an existing console user file" in done.stderr
