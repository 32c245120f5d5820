"""``gcs report SESSION_DIR [--out FILE] [--range FILE]``: one self-contained HTML report of a session.

Reads the folder (never changes it: the report is written elsewhere, by default
``report-SESSION_ID.html`` in the current directory), prints one line naming the file. The corridor
needs the range the flight was flown on: ``--range FILE``, or, for a ``gcs sitl`` run, the range its
scenario names (``verdict.json``'s ``scenario`` looked up as ``configs/scenarios/NAME.toml``, key
``[station] range``), when that file is found from the current directory. Without either, the report
says the range is not known and draws no corridor.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, TextIO

from gcs.config import load_toml
from gcs.launch.range_safety import RangeConfig, load_range
from gcs.recorder.files import write_error
from gcs.report.document import render
from gcs.report.flight_data import SessionData, read_session

SCENARIO_DIR = Path("configs/scenarios")


def scenario_range(data: SessionData, scenario_dir: Path = SCENARIO_DIR) -> Path | None:
    """The range file of the SITL scenario that made this session, if its files are at hand."""
    scenario = data.verdict.get("scenario") if data.verdict is not None else None
    if not isinstance(scenario, str) or not scenario or "/" in scenario or scenario.startswith("."):
        return None
    path = scenario_dir / f"{scenario}.toml"
    if not path.is_file():
        return None
    station = load_toml(path).get("station")
    range_file = station.get("range") if isinstance(station, dict) else None
    if not isinstance(range_file, str) or not Path(range_file).is_file():
        return None
    return Path(range_file)


def build(session_dir: Path, range_path: Path | None = None) -> tuple[str, SessionData, str | None]:
    """The report's HTML, the session read, and where its range came from (None: not known).

    Raises:
        ReportError: the folder is missing or holds nothing recorded.
        ConfigError: the range file (given, or the scenario's) is not a valid range.
    """
    data = read_session(session_dir)
    range_config: RangeConfig | None = None
    source: str | None = None
    if range_path is not None:
        range_config, source = load_range(range_path), str(range_path)
    else:
        found = scenario_range(data)
        if found is not None:
            range_config, source = load_range(found), f"{found}, from the scenario in verdict.json"
    return render(data, range_config, source), data, source


def write_report(path: Path, text: str) -> None:
    """Write atomically: a reader never sees half a report. Raises: RecorderWriteError naming ``path``."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise write_error(path, "write the report", exc) from exc


def run(session_dir: str, out: str | None, range_file: str | None, *, stdout: TextIO | None = None) -> int:
    folder = Path(session_dir)
    text, data, source = build(folder, Path(range_file) if range_file else None)
    path = Path(out) if out else Path(f"report-{data.session_id}.html")
    write_report(path, text)
    size_kb = len(text.encode("utf-8")) / 1024
    corridor = f"range {source}" if source else "range not known (no corridor)"
    print(f"gcs: report of {data.session_id} written to {path} ({size_kb:.0f} KB; {corridor})", file=stdout)
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("report", help="write a recorded session as one self-contained HTML report")
    parser.add_argument(
        "session_dir", metavar="SESSION_DIR", help="a session folder recorded by gcs run or gcs sitl"
    )
    parser.add_argument(
        "--out", metavar="FILE", help="the HTML file to write (default report-SESSION_ID.html here)"
    )
    parser.add_argument(
        "--range",
        dest="range_file",
        metavar="FILE",
        help="the range file the flight was flown on (configs/range/*.toml), for the corridor",
    )
    parser.set_defaults(func=_cli)


def _cli(args: argparse.Namespace) -> int:
    return run(args.session_dir, args.out, args.range_file)
