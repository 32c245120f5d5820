"""Read what a Monte-Carlo batch wrote (``runs.csv``, ``batch.json``) and where it was flown to (the
landing platform's deck from the scenario). Knows nothing of statistics or plotting.
"""

from __future__ import annotations

import csv
import json
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gcs.errors import GcsError

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
SCENARIO_DIR = Path("configs/scenarios")


class MonteCarloError(GcsError):
    """A Monte-Carlo batch that could not be run or read (names the file or the scenario)."""


@dataclass(frozen=True, slots=True)
class Runs:
    """runs.csv as columns (NaN where a run has no value)."""

    outcome: tuple[str, ...]
    along_m: FloatArray
    across_m: FloatArray
    miss_m: FloatArray
    vertical_speed_mps: FloatArray
    horizontal_speed_mps: FloatArray
    tilt_deg: FloatArray
    flight_time_s: FloatArray
    within_limits: BoolArray
    reasons: tuple[str, ...]

    @property
    def landed(self) -> BoolArray:
        return np.array([o == "landed" for o in self.outcome], dtype=np.bool_)

    def __len__(self) -> int:
        return len(self.outcome)


def _float(text: str) -> float:
    return float(text) if text else math.nan


def read_runs(path: Path) -> Runs:
    """Raises: MonteCarloError for a missing or malformed file (naming it and the line)."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            records = list(csv.DictReader(fh))
    except OSError as exc:
        raise MonteCarloError(f"{path}: cannot read: {exc}") from exc
    columns: dict[str, list[float]] = {
        k: []
        for k in (
            "along_m",
            "across_m",
            "miss_m",
            "vertical_speed_mps",
            "horizontal_speed_mps",
            "tilt_deg",
            "flight_time_s",
        )
    }
    try:
        for record in records:
            for key, values in columns.items():
                values.append(_float(record[key]))
    except (KeyError, ValueError) as exc:
        raise MonteCarloError(f"{path}: line {len(columns['along_m']) + 2}: {exc}") from exc
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in columns.items()}
    return Runs(
        outcome=tuple(r["outcome"] for r in records),
        along_m=arrays["along_m"],
        across_m=arrays["across_m"],
        miss_m=arrays["miss_m"],
        vertical_speed_mps=arrays["vertical_speed_mps"],
        horizontal_speed_mps=arrays["horizontal_speed_mps"],
        tilt_deg=arrays["tilt_deg"],
        flight_time_s=arrays["flight_time_s"],
        within_limits=np.array([r["within_limits"] == "yes" for r in records], dtype=np.bool_),
        reasons=tuple(r["reason"] for r in records),
    )


def read_batch(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MonteCarloError(f"{path}: cannot read: {exc}") from exc
    if not isinstance(data, dict):
        raise MonteCarloError(f"{path}: expected a JSON object")
    return data


@dataclass(frozen=True, slots=True)
class DeckSize:
    platform: str
    length_m: float
    width_m: float


def landing_deck(scenario_path: Path) -> DeckSize:
    """The usable deck of the scenario's landing platform (configs/platforms/*.toml, [deck]).

    Raises: MonteCarloError naming the file that does not say it.
    """
    try:
        scenario = tomllib.loads(scenario_path.read_text(encoding="utf-8"))
        entry = next(p for p in scenario["platforms"] if p.get("role") == "landing")
        platform_path = Path(entry["config"])
        if not platform_path.is_absolute() and not platform_path.exists():
            platform_path = scenario_path.resolve().parents[2] / platform_path
        platform = tomllib.loads(platform_path.read_text(encoding="utf-8"))
        deck = platform["deck"]
        return DeckSize(
            str(platform.get("name", platform_path.stem)), float(deck["length_m"]), float(deck["width_m"])
        )
    except (OSError, KeyError, StopIteration, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise MonteCarloError(f"{scenario_path}: cannot find the landing platform's deck: {exc!r}") from exc
