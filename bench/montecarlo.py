"""``python -m bench montecarlo``: throughput of the Monte-Carlo dispersions (docs/montecarlo.md).

Flies 1,000 dispersed hops of configs/scenarios/hop.toml (the default) as one vectorised batch,
guidance in the loop, and prints flights per second, the ratio to the goal (1,000 flights in 60 s)
and simulated flight seconds per wall second. Prints figures; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from firmware_sim.montecarlo.dispersions import DispersionSigmas, draw
from firmware_sim.montecarlo.flight import FleetFlight
from firmware_sim.montecarlo.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parent.parent / "configs" / "scenarios" / "hop.toml"
GOAL_FLIGHTS, GOAL_S = 1000, 60.0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench montecarlo", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=GOAL_FLIGHTS, help=f"flights (default {GOAL_FLIGHTS})")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    sigmas = DispersionSigmas()
    flight = FleetFlight(load_scenario(SCENARIO), draw(sigmas, args.runs, args.seed), sigmas)
    outcome = flight.fly(300.0)
    wall = time.perf_counter() - start
    flown = outcome.flight_time_s[np.isfinite(outcome.flight_time_s)]
    rate = args.runs / wall
    print(f"montecarlo: {args.runs} dispersed hops (seed {args.seed}), {len(flown)} came down")
    print(f"  wall {wall:.1f} s (setup included): {rate:.1f} flights/s")
    goal_rate = GOAL_FLIGHTS / GOAL_S
    print(
        f"  goal {GOAL_FLIGHTS} flights in {GOAL_S:.0f} s = {goal_rate:.1f} flights/s: "
        f"ratio {rate / goal_rate:.2f}x ({'met' if rate >= goal_rate else 'not met'})"
    )
    print(
        f"  simulated {outcome.simulated_s:.1f} s per batch, {flown.sum():.0f} flight-seconds in all: "
        f"{outcome.simulated_s / wall:.1f}x real time for the batch, "
        f"{flown.sum() / wall:.0f}x summed over flights"
    )
    return 0
