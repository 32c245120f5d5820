"""``python -m firmware_sim montecarlo``: draw, fly and write one Monte-Carlo batch.

Prints ``progress FRACTION ...`` lines on stdout while it flies (a parent turns them into a
progress bar) and one ``done ...`` line at the end; writes ``runs.csv`` and ``batch.json`` in the
output folder. The engine (``scenario.Engine``) is the vectorised model where it can fly the
scenario, the scalar engine (``scalar_batch``) elsewhere, unless one is asked for; ``batch.json``
says which flew. Deterministic: the same scenario, runs, seed, sigmas and engine give the same files
whatever the number of jobs (only ``batch.json``'s wall-clock figures and jobs differ). Knows
nothing of the ground station.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from firmware_sim.montecarlo.dispersions import DispersionSigmas, draw
from firmware_sim.montecarlo.flight import FleetFlight
from firmware_sim.montecarlo.results import (
    TouchdownLimits,
    limits_dict,
    rows,
    write_batch_json,
    write_runs_csv,
)
from firmware_sim.montecarlo.scalar_batch import default_jobs, fly_scalar
from firmware_sim.montecarlo.scenario import Engine, choose_engine, load_scenario

#: What each engine is, in batch.json and the first line.
ENGINE_TEXT = {
    Engine.VECTOR: "vectorised model (every run at once, the hop guidance ported to arrays)",
    Engine.SCALAR: "scalar engine (each run by the real flight software and physics, SitlRunner)",
}
#: The hop's public profile lasts about 125 s: what the progress fraction is measured against.
EXPECTED_FLIGHT_S = 130.0
MAX_SIM_S = 300.0


def run_batch(
    scenario_file: Path,
    runs: int,
    seed: int,
    out_dir: Path,
    sigmas: DispersionSigmas | None = None,
    say: Callable[[str], None] = print,
    limits: TouchdownLimits | None = None,
    engine: Engine = Engine.AUTO,
    jobs: int | None = None,
) -> Path:
    """Fly the batch and write its files; returns the path of runs.csv.

    ``jobs``: the scalar engine's worker processes (default: this machine's cores).

    Raises:
        UnsupportedScenario, ValueError: the scenario cannot be flown (the message says why).
    """
    sigmas = sigmas or DispersionSigmas()
    limits = limits or TouchdownLimits()
    scenario = load_scenario(scenario_file)
    engine = choose_engine(scenario, engine)
    draws = draw(sigmas, runs, seed)
    landing = scenario.landing
    if engine is Engine.VECTOR:
        flight = FleetFlight(scenario, draws, sigmas)
        say(f"montecarlo: {runs} runs of {scenario.name!r}, seed {seed}, {ENGINE_TEXT[engine]}")

        def progress(simulated_s: float, down: int) -> None:
            fraction = max(down / runs, min(simulated_s / EXPECTED_FLIGHT_S, 0.99))
            say(f"progress {fraction:.3f} simulated {simulated_s:.0f} s, {down}/{runs} down")

        outcome = flight.fly(MAX_SIM_S, on_progress=progress)
        wave_height_m = flight.deck.significant_wave_height_m[:runs]
        workers = 1
    else:
        workers = min(jobs or default_jobs(), runs)
        say(
            f"montecarlo: {runs} runs of {scenario.name!r}, seed {seed}, {ENGINE_TEXT[engine]}, "
            f"{workers} jobs"
        )

        def scalar_progress(fraction: float, simulated_s: float, down: int) -> None:
            say(f"progress {fraction:.3f} simulated {simulated_s:.0f} s in all, {down}/{runs} down")

        outcome = fly_scalar(scenario, draws, sigmas, workers, scalar_progress)
        wave_height_m = landing.sea_state.significant_wave_height_m * draws.wave_height_scale
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / "runs.csv"
    write_runs_csv(csv_path, rows(draws, wave_height_m, outcome, limits))
    simulated_vehicle_s = float(outcome.flight_time_s[outcome.flight_time_s == outcome.flight_time_s].sum())
    write_batch_json(
        out_dir / "batch.json",
        {
            "scenario": scenario.name,
            "scenario_file": str(scenario_file),
            "engine": engine.value,
            "engine_description": ENGINE_TEXT[engine],
            "jobs": workers,
            "runs": runs,
            "seed": seed,
            "sigmas": dataclasses.asdict(sigmas),
            "limits": limits_dict(limits),
            "landing_platform": landing.name,
            "deck_length_m": landing.deck.length_m,
            "deck_width_m": landing.deck.width_m,
            "simulated_s": outcome.simulated_s,
            "simulated_flight_s_total": simulated_vehicle_s,
            "wall_s": outcome.wall_s,
        },
    )
    say(
        f"done {runs} runs in {outcome.wall_s:.1f} s of wall time ({runs / outcome.wall_s:.1f} flights/s); "
        f"wrote {csv_path}"
    )
    return csv_path
