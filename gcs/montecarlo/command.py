"""``gcs montecarlo --scenario NAME --runs N --seed S --out DIR``: fly a batch of dispersed flights in
the simulator (a child ``python -m firmware_sim montecarlo``), show its progress as a bar, then
write the landing-dispersion statistics (``summary.json``) and a report with plots
(``montecarlo.html``) beside the child's ``runs.csv``. ``--engine`` and ``--jobs`` are passed to the
child (the vectorised model, or the scalar engine's pool of real flights); the summary says which
engine flew the runs.

The ground never imports the simulator: the child's stdout lines and files are the interface.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any, TextIO

import orjson

from gcs.montecarlo.batch import MonteCarloError, landing_deck, read_batch, read_runs
from gcs.montecarlo.report import engine_text, render, summary_json
from gcs.montecarlo.statistics import DispersionSummary, summarize
from gcs.sitl.scenario import find_scenario

_BAR_WIDTH = 30


def progress_bar(fraction: float, text: str) -> str:
    """One line of a plain-text bar: ``[#####.....]  45 % text``."""
    fraction = min(max(fraction, 0.0), 1.0)
    filled = round(fraction * _BAR_WIDTH)
    return f"[{'#' * filled}{'.' * (_BAR_WIDTH - filled)}] {100 * fraction:3.0f} % {text}"


def parse_progress(line: str) -> tuple[float, str] | None:
    """The child's ``progress FRACTION text`` line, or None for any other line."""
    head, _, rest = line.partition(" ")
    if head != "progress":
        return None
    number, _, text = rest.partition(" ")
    try:
        return float(number), text
    except ValueError:
        return None


def run_child(scenario: Path, runs: int, seed: int, out: Path, *, extra: list[str], tty: TextIO) -> None:
    """Run the simulator's batch, drawing its progress on ``tty``. Raises: MonteCarloError on failure."""
    command = [
        sys.executable,
        "-m",
        "firmware_sim",
        "montecarlo",
        "--scenario-file",
        str(scenario),
        "--runs",
        str(runs),
        "--seed",
        str(seed),
        "--out",
        str(out),
        *extra,
    ]
    interactive = tty.isatty()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        assert child.stderr is not None
        last_decile = -1
        for line in child.stdout:
            parsed = parse_progress(line.strip())
            if parsed is None:
                continue
            fraction, text = parsed
            if interactive:
                tty.write("\r" + progress_bar(fraction, text))
                tty.flush()
            elif (
                int(fraction * 10) > last_decile
            ):  # a log file gets a line per tenth, not a carriage-return storm
                last_decile = int(fraction * 10)
                tty.write(progress_bar(fraction, text) + "\n")
        errors = child.stderr.read()
        code = child.wait()
    if interactive:
        tty.write("\n")
    if code != 0:
        message = errors.strip().splitlines()[-1] if errors.strip() else f"exit status {code}"
        raise MonteCarloError(message.removeprefix("firmware-sim: error: "))


def analyse(out: Path, scenario: Path) -> tuple[DispersionSummary, dict[str, Any]]:
    """Read the batch in ``out``, write summary.json and montecarlo.html, return the statistics."""
    runs = read_runs(out / "runs.csv")
    batch = read_batch(out / "batch.json")
    deck = landing_deck(scenario)
    summary = summarize(
        runs.along_m,
        runs.across_m,
        runs.vertical_speed_mps,
        runs.horizontal_speed_mps,
        runs.tilt_deg,
        runs.landed,
        runs.within_limits,
        deck.length_m,
        deck.width_m,
    )
    facts = summary_json(runs, summary, deck, batch)
    (out / "summary.json").write_bytes(orjson.dumps(facts, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    (out / "montecarlo.html").write_text(render(runs, summary, deck, batch), encoding="utf-8")
    return summary, facts


def run(
    scenario_name: str,
    runs: int,
    seed: int,
    out: str,
    *,
    no_dispersion: bool = False,
    engine: str = "auto",
    jobs: int | None = None,
    stdout: TextIO | None = None,
) -> int:
    stdout = stdout or sys.stdout
    if runs < 1:
        raise MonteCarloError(f"--runs must be >= 1, got {runs}")
    if jobs is not None and jobs < 1:
        raise MonteCarloError(f"--jobs must be >= 1, got {jobs}")
    scenario = find_scenario(scenario_name)
    folder = Path(out)
    extra = ["--engine", engine]
    if jobs is not None:
        extra += ["--jobs", str(jobs)]
    if no_dispersion:
        extra.append("--no-dispersion")
    run_child(scenario, runs, seed, folder, extra=extra, tty=stdout)
    summary, facts = analyse(folder, scenario)
    p = summary.within_limits
    e = summary.ellipse
    print(f"gcs: flown by the {engine_text(read_batch(folder / 'batch.json'))}", file=stdout)
    print(
        f"gcs: {summary.runs} runs of {scenario.stem}: {summary.landed} landed on the deck, "
        f"{100 * p.estimate:.1f} % within limits (Wilson 95 % {100 * p.low:.1f}-{100 * p.high:.1f} %)",
        file=stdout,
    )
    print(
        f"gcs: miss {summary.miss_m.mean:.2f} ± {summary.miss_m.sd:.2f} m, vertical "
        f"{summary.vertical_speed_mps.mean:.2f} ± {summary.vertical_speed_mps.sd:.2f} m/s, horizontal "
        f"{summary.horizontal_speed_mps.mean:.2f} ± {summary.horizontal_speed_mps.sd:.2f} m/s",
        file=stdout,
    )
    if e is not None:
        print(
            f"gcs: 99 % ellipse {e.semi_major_m:.2f} × {e.semi_minor_m:.2f} m, "
            f"{'inside' if summary.ellipse_inside_deck else 'NOT inside'} the usable deck "
            f"({facts['deck']['length_m']:g} × {facts['deck']['width_m']:g} m)",
            file=stdout,
        )
    print(
        f"gcs: wrote {folder / 'runs.csv'}, {folder / 'summary.json'}, {folder / 'montecarlo.html'}",
        file=stdout,
    )
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "montecarlo", help="fly dispersed simulated flights and report the landing dispersion"
    )
    parser.add_argument(
        "--scenario", required=True, help="a scenario name (configs/scenarios/NAME.toml) or file"
    )
    parser.add_argument("--runs", type=int, default=1000, help="dispersed flights (default 1000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--out", required=True, metavar="DIR", help="folder for runs.csv, summary.json, montecarlo.html"
    )
    parser.add_argument(
        "--no-dispersion", action="store_true", help="every run nominal (the model's baseline)"
    )
    parser.add_argument(
        "--engine",
        choices=("auto", "vector", "scalar"),
        default="auto",
        help="vector: every run at once in arrays (hover landings only); scalar: each run by the real "
        "flight software and physics in a process pool (any vehicle, ~16 s of CPU a cargo run); "
        "auto (default): vector where it can fly the scenario",
    )
    parser.add_argument(
        "--jobs", type=int, help="the scalar engine's worker processes (default: the machine's cores)"
    )
    parser.set_defaults(func=_cli)


def _cli(args: argparse.Namespace) -> int:
    return run(
        args.scenario,
        args.runs,
        args.seed,
        args.out,
        no_dispersion=args.no_dispersion,
        engine=args.engine,
        jobs=args.jobs,
    )
