"""The Monte-Carlo report: ``montecarlo.html`` (one self-contained page) and ``summary.json``.

Built from the batch's runs and its statistics with the report package's HTML pieces; the figures
come from ``gcs.montecarlo.plots``. Knows nothing of processes.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from gcs.montecarlo.batch import DeckSize, Runs
from gcs.montecarlo.plots import DeckScatter, Histogram, deck_svg, histograms_svg
from gcs.montecarlo.statistics import DispersionSummary, Spread
from gcs.report import html


def _finite(value: Any) -> Any:
    """JSON has no NaN: None in its place, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def summary_json(
    runs: Runs, summary: DispersionSummary, deck: DeckSize, batch: dict[str, Any]
) -> dict[str, Any]:
    outcomes: dict[str, int] = {}
    for outcome in runs.outcome:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    facts: dict[str, Any] = _finite(
        {
            "scenario": batch.get("scenario"),
            "runs": summary.runs,
            "seed": batch.get("seed"),
            "engine": batch.get("engine", "vector"),
            "jobs": batch.get("jobs"),
            "landed_on_deck": summary.landed,
            "outcomes": outcomes,
            "deck": dataclasses.asdict(deck),
            "limits": batch.get("limits"),
            "sigmas": batch.get("sigmas"),
            "miss_m": dataclasses.asdict(summary.miss_m),
            "vertical_speed_mps": dataclasses.asdict(summary.vertical_speed_mps),
            "horizontal_speed_mps": dataclasses.asdict(summary.horizontal_speed_mps),
            "tilt_deg": dataclasses.asdict(summary.tilt_deg),
            "ellipse_99": dataclasses.asdict(summary.ellipse) if summary.ellipse is not None else None,
            "ellipse_inside_deck": summary.ellipse_inside_deck,
            "within_limits": dataclasses.asdict(summary.within_limits),
            "wall_s": batch.get("wall_s"),
        }
    )
    return facts


def engine_text(batch: dict[str, Any]) -> str:
    """Which engine flew the batch, as the simulator described it (batches before engines: vector)."""
    engine = str(batch.get("engine", "vector"))
    text = str(batch.get("engine_description") or f"{engine} engine")
    jobs = batch.get("jobs")
    return f"{text}, {jobs} worker processes" if engine == "scalar" and jobs else text


def _spread(s: Spread, unit: str) -> str:
    if s.count == 0:
        return "no landings"
    return f"mean {s.mean:.2f} {unit}, sd {s.sd:.2f} {unit}, max {s.maximum:.2f} {unit}"


def render(runs: Runs, summary: DispersionSummary, deck: DeckSize, batch: dict[str, Any]) -> str:
    limits = batch.get("limits", {})
    name = str(batch.get("scenario", "?"))
    p = summary.within_limits
    e = summary.ellipse
    ellipse_text = (
        "fewer than two landings"
        if e is None
        else f"semi-axes {e.semi_major_m:.2f} × {e.semi_minor_m:.2f} m, centre ({e.center_x_m:+.2f} m along, "
        f"{e.center_y_m:+.2f} m across), {'inside' if summary.ellipse_inside_deck else 'NOT inside'} the "
        f"{deck.length_m:g} × {deck.width_m:g} m deck"
    )
    facts = html.facts(
        [
            ("scenario", name),
            ("runs", f"{summary.runs} (seed {batch.get('seed')})"),
            ("engine", engine_text(batch)),
            ("landed on the deck", f"{summary.landed} of {summary.runs}"),
            (
                "within limits",
                html.span(
                    f"{100 * p.estimate:.1f} % ({p.successes}/{p.trials}); Wilson 95 %: "
                    f"{100 * p.low:.1f}-{100 * p.high:.1f} %",
                    "pass" if p.estimate >= 0.99 else "fail",
                ),
            ),
            ("99 % ellipse", ellipse_text),
            ("miss distance", _spread(summary.miss_m, "m")),
            ("vertical speed", _spread(summary.vertical_speed_mps, "m/s")),
            ("horizontal speed", _spread(summary.horizontal_speed_mps, "m/s")),
            ("tilt", _spread(summary.tilt_deg, "deg")),
            ("wall time", f"{batch.get('wall_s', math.nan):.1f} s"),
        ]
    )
    landed = runs.landed
    deck_plot = deck_svg(
        DeckScatter(
            runs.along_m[landed],
            runs.across_m[landed],
            runs.within_limits[landed],
            deck.length_m,
            deck.width_m,
            float(limits.get("miss_distance_m", 5.0)),
            e,
            f"{name}: touchdown points on {deck.platform}",
        )
    )
    hist = histograms_svg(
        f"{name}: touchdown, runs that landed on the deck",
        (
            Histogram("miss distance (m)", runs.miss_m[landed], limits.get("miss_distance_m")),
            Histogram(
                "vertical speed (m/s)", runs.vertical_speed_mps[landed], limits.get("vertical_speed_mps")
            ),
            Histogram(
                "horizontal speed (m/s)",
                runs.horizontal_speed_mps[landed],
                limits.get("horizontal_speed_mps"),
            ),
        ),
    )
    failures = [(i, runs.outcome[i], runs.reasons[i]) for i in range(len(runs)) if not runs.within_limits[i]][
        :50
    ]
    sigmas = batch.get("sigmas", {})
    sections = [
        html.Section(
            "deck",
            "Touchdown on the deck",
            "Each dot is a run's touchdown point (its base, "
            "relative to the deck centre); the ellipse holds 99 % of a normal scatter of them.",
            deck_plot,
        ),
        html.Section(
            "speeds",
            "Miss distance and touchdown speeds",
            "Histograms of the runs that landed on the deck; dashed: the touchdown limit.",
            hist,
        ),
        html.Section(
            "failures",
            "Runs outside the limits",
            "The first 50, with every limit each exceeded.",
            html.table(["run", "outcome", "why"], failures, numeric=[0]),
        ),
        html.Section(
            "inputs",
            "What was dispersed",
            "1-sigma spreads of the batch (fractions of nominal).",
            html.table(["dispersion", "1-sigma"], sorted(sigmas.items())),
        ),
    ]
    return html.page(f"Monte-Carlo: {name}", facts, sections)
