"""One row per run: its dispersed inputs and how it came down, judged against the touchdown limits;
written as ``runs.csv`` (and the batch's facts as ``batch.json``) for the ground to read.

The limits are the nominal touchdown limits of reference/domain.md §1.3 (vertical 2 m/s,
horizontal 0.5 m/s, tilt 2°, 5 m from the deck centre), not the gear's redlines: "within limits"
is the landing the test campaign wants, not merely one that did not break the vehicle. Knows
nothing of how the runs were flown.
"""

from __future__ import annotations

import csv
import dataclasses
import enum
import json
import math
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from firmware_sim.montecarlo.dispersions import DispersedRuns
from firmware_sim.montecarlo.flight import FleetOutcome
from firmware_sim.physics.vehicle import VehicleStatus


@dataclass(frozen=True, slots=True)
class TouchdownLimits:
    vertical_speed_mps: float = 2.0
    horizontal_speed_mps: float = 0.5
    tilt_deg: float = 2.0
    miss_distance_m: float = 5.0


class Outcome(enum.Enum):
    LANDED = "landed"  # on the deck
    SPLASHED = "splashed"  # missed the deck, in the sea
    PAD_ABORT = "pad_abort"  # the ignition checks failed
    NO_TOUCHDOWN = "no_touchdown"  # still flying when the time ran out


COLUMNS = (
    "run",
    "thrust_scale",
    "isp_scale",
    "drag_scale",
    "dry_mass_scale",
    "lox_scale",
    "ch4_scale",
    "wind_speed_scale",
    "wind_turn_deg",
    "significant_wave_height_m",
    "outcome",
    "liftoff_s",
    "touchdown_s",
    "flight_time_s",
    "apogee_m",
    "along_m",
    "across_m",
    "miss_m",
    "vertical_speed_mps",
    "horizontal_speed_mps",
    "tilt_deg",
    "deck_heave_m",
    "deck_pitch_deg",
    "deck_roll_deg",
    "within_limits",
    "reason",
)


def outcomes(outcome: FleetOutcome) -> list[Outcome]:
    result = []
    for status, abort in zip(outcome.status.tolist(), outcome.pad_abort.tolist(), strict=True):
        if abort:
            result.append(Outcome.PAD_ABORT)
        elif status == int(VehicleStatus.LANDED):
            result.append(Outcome.LANDED)
        elif status == int(VehicleStatus.SPLASHED):
            result.append(Outcome.SPLASHED)
        else:
            result.append(Outcome.NO_TOUCHDOWN)
    return result


def verdict(kind: Outcome, values: Mapping[str, float], limits: TouchdownLimits) -> tuple[bool, str]:
    """Within the limits, and if not why (every limit exceeded, ``; ``-separated)."""
    if kind is Outcome.SPLASHED:
        return False, "missed the deck (in the sea)"
    if kind is not Outcome.LANDED:
        return False, kind.value.replace("_", " ")
    reasons = [
        f"{label} {values[key]:.2f} > {limit:g} {unit}"
        for label, key, limit, unit in (
            ("vertical speed", "vertical_speed_mps", limits.vertical_speed_mps, "m/s"),
            ("horizontal speed", "horizontal_speed_mps", limits.horizontal_speed_mps, "m/s"),
            ("tilt", "tilt_deg", limits.tilt_deg, "deg"),
            ("miss distance", "miss_m", limits.miss_distance_m, "m"),
        )
        if values[key] > limit
    ]
    return not reasons, "; ".join(reasons)


def _number(value: float, digits: int) -> str:
    return "" if math.isnan(value) else f"{value:.{digits}f}"


def rows(
    draws: DispersedRuns, wave_height_m: np.ndarray, outcome: FleetOutcome, limits: TouchdownLimits
) -> Iterator[dict[str, str]]:
    kinds = outcomes(outcome)
    miss = outcome.miss_distance_m
    flight = outcome.flight_time_s
    for i, kind in enumerate(kinds):
        values = {
            "vertical_speed_mps": float(outcome.vertical_speed_mps[i]),
            "horizontal_speed_mps": float(outcome.horizontal_speed_mps[i]),
            "tilt_deg": float(outcome.tilt_deg[i]),
            "miss_m": float(miss[i]),
        }
        ok, reason = verdict(kind, values, limits)
        yield {
            "run": str(i),
            "thrust_scale": f"{draws.thrust_scale[i]:.5f}",
            "isp_scale": f"{draws.isp_scale[i]:.5f}",
            "drag_scale": f"{draws.drag_scale[i]:.5f}",
            "dry_mass_scale": f"{draws.dry_mass_scale[i]:.5f}",
            "lox_scale": f"{draws.lox_scale[i]:.5f}",
            "ch4_scale": f"{draws.ch4_scale[i]:.5f}",
            "wind_speed_scale": f"{draws.wind_speed_scale[i]:.4f}",
            "wind_turn_deg": f"{draws.wind_turn_deg[i]:.2f}",
            "significant_wave_height_m": f"{wave_height_m[i]:.3f}",
            "outcome": kind.value,
            "liftoff_s": _number(float(outcome.liftoff_s[i]), 2),
            "touchdown_s": _number(float(outcome.touchdown_s[i]), 3),
            "flight_time_s": _number(float(flight[i]), 3),
            "apogee_m": f"{outcome.apogee_m[i]:.1f}",
            "along_m": _number(float(outcome.along_m[i]), 3),
            "across_m": _number(float(outcome.across_m[i]), 3),
            "miss_m": _number(values["miss_m"], 3),
            "vertical_speed_mps": _number(values["vertical_speed_mps"], 3),
            "horizontal_speed_mps": _number(values["horizontal_speed_mps"], 3),
            "tilt_deg": _number(values["tilt_deg"], 3),
            "deck_heave_m": _number(float(outcome.deck_heave_m[i]), 3),
            "deck_pitch_deg": _number(float(outcome.deck_pitch_deg[i]), 3),
            "deck_roll_deg": _number(float(outcome.deck_roll_deg[i]), 3),
            "within_limits": "yes" if ok else "no",
            "reason": reason,
        }


def _atomic(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def write_runs_csv(path: Path, records: Iterator[dict[str, str]]) -> int:
    """Write the rows (atomically: a reader never sees half a file); how many were written."""
    temporary = path.with_name(f".{path.name}.tmp")
    count = 0
    with temporary.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for record in records:
            writer.writerow(record)
            count += 1
    os.replace(temporary, path)
    return count


def write_batch_json(path: Path, facts: Mapping[str, object]) -> None:
    _atomic(path, json.dumps(facts, indent=2, sort_keys=True) + "\n")


def limits_dict(limits: TouchdownLimits) -> dict[str, float]:
    return dataclasses.asdict(limits)
