"""``python -m bench physics``: real-time factor of the 10,000 km hop, one vehicle and a dispersed fleet.

Flies the cargo vehicle from the launch platform towards the landing barge with the open-loop
reference law (firmware_sim/physics/reference_trajectory.py): once alone, once as a vectorised
fleet of dispersed vehicles, and then a few fleet members again with a 10 ms fixed-step RK4 and
no long coast steps, on the fleet's own ticks, to show how far the fast integration puts the
impact points from that reference.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
from pathlib import Path

import numpy as np

from firmware_sim.physics.atmosphere import WindField
from firmware_sim.physics.config import (
    PlatformConfig,
    VehicleConfig,
    load_platform_config,
    load_vehicle_config,
)
from firmware_sim.physics.earth import ecef_to_geodetic, great_circle_distance_m
from firmware_sim.physics.integrator import Integrator
from firmware_sim.physics.reference_trajectory import Flight, HopProgram, OpenLoopHop, fly
from firmware_sim.physics.vehicle import Dispersions, VehicleModel, VehicleState, state_on_pad

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
REFERENCE_STEP_S = 0.01
MAX_FLIGHT_S = 6_000.0


def _fleet(
    vehicle: VehicleConfig, launch: PlatformConfig, count: int, seed: int
) -> tuple[VehicleModel, VehicleState]:
    """``count`` vehicles on the launch pad; vehicle 0 is nominal, the others dispersed, each with
    its own gusts on the launch site's wind profile."""
    rng = np.random.default_rng(seed)
    disp = Dispersions.sample(count, seed=int(rng.integers(2**31)))
    nominal = Dispersions.nominal(1)
    disp = Dispersions(
        np.concatenate([nominal.thrust_scale, disp.thrust_scale[1:]]),
        np.concatenate([nominal.isp_scale, disp.isp_scale[1:]]),
        np.concatenate([nominal.drag_scale, disp.drag_scale[1:]]),
    )
    w = launch.wind
    wind = WindField.from_profile(
        w.altitude_m,
        w.speed_mps,
        w.direction_from_deg,
        w.gust_sigma_mps,
        w.gust_top_altitude_m,
        count,
        seed=int(rng.integers(2**31)),
    )
    model = VehicleModel.build(vehicle, count, wind=wind, dispersions=disp)
    pos = launch.position
    pad = state_on_pad(model, pos.latitude_deg, pos.longitude_deg, pos.deck_height_m)
    scatter = np.concatenate([[0.0], rng.standard_normal(count - 1)])
    scatter_prop = np.concatenate([[0.0], rng.standard_normal(count - 1)])
    state = dataclasses.replace(
        pad,
        inert_mass_kg=pad.inert_mass_kg * (1.0 + 0.005 * scatter),
        lox_mass_kg=pad.lox_mass_kg * (1.0 + 0.002 * scatter_prop),
        ch4_mass_kg=pad.ch4_mass_kg * (1.0 + 0.002 * scatter_prop),
    )
    return model, state


def _timed(
    integrator: Integrator,
    law: OpenLoopHop,
    state: VehicleState,
    repeats: int,
    ticks: tuple[float, ...] | None = None,
) -> tuple[Flight, float]:
    best = float("inf")
    flight = None
    for _ in range(repeats):
        start = time.perf_counter()
        flight = fly(integrator, law, state, MAX_FLIGHT_S, ticks)
        best = min(best, time.perf_counter() - start)
    assert flight is not None
    return flight, best


def _impact_times_s(flight: Flight, count: int) -> np.ndarray:
    times = np.full(count, np.nan)
    for event in flight.events:
        if event.kind.value in ("splashdown", "touchdown"):
            times[event.vehicle] = event.time_s
    return times


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench physics", description=__doc__.splitlines()[0])
    parser.add_argument("--vehicles", type=int, default=1000, help="fleet size (default 1000)")
    parser.add_argument(
        "--reference-samples",
        type=int,
        default=8,
        help="fleet members re-flown with 10 ms RK4 (default 8, about 90 s; 0 skips the reference)",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="best of this many timed single runs (default 3; fleet: 2)"
    )
    parser.add_argument(
        "--reference-step-s",
        type=float,
        default=REFERENCE_STEP_S,
        help=f"RK4 step of the reference (default {REFERENCE_STEP_S}; larger only for smoke runs)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)

    vehicle = load_vehicle_config(CONFIGS / "vehicles" / "cargo-p2p.toml")
    launch = load_platform_config(CONFIGS / "platforms" / "launch-platform.toml")
    barge = load_platform_config(CONFIGS / "platforms" / "landing-barge.toml")
    pad, target = launch.position, barge.position
    program = HopProgram.toward(
        pad.latitude_deg, pad.longitude_deg, target.latitude_deg, target.longitude_deg
    )
    settings = vehicle.integration
    hop_km = (
        float(
            great_circle_distance_m(
                pad.latitude_deg, pad.longitude_deg, target.latitude_deg, target.longitude_deg
            )
        )
        / 1e3
    )
    print(
        f"{vehicle.name}: {launch.name} -> {barge.name} ({hop_km:,.0f} km), seed {args.seed}, "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )
    print(
        f"  RK4 {settings.step_s} s in the air or under thrust, {settings.coast_step_s} s coasting above "
        f"{settings.coast_floor_altitude_m / 1e3:.0f} km; attitude cycle {settings.max_control_cycle_s} s; "
        f"guidance tick {program.dense_tick_s} s"
    )

    model, state = _fleet(vehicle, launch, args.vehicles, args.seed)
    one_model, one_state = model.select([0]), state.select([0])
    single, single_wall = _timed(
        Integrator(one_model), OpenLoopHop(one_model, program), one_state, args.repeats
    )
    single_time = float(_impact_times_s(single, 1)[0])
    impact = ecef_to_geodetic(single.state.position_ecef_m[0])
    down_range = float(
        great_circle_distance_m(
            pad.latitude_deg, pad.longitude_deg, impact.latitude_deg, impact.longitude_deg
        )
    )
    miss = float(
        great_circle_distance_m(
            target.latitude_deg, target.longitude_deg, impact.latitude_deg, impact.longitude_deg
        )
    )
    print(
        f"one trajectory: {single_time:,.0f} s of flight in {single_wall:.3f} s wall (best of "
        f"{args.repeats}) -> {single_time / single_wall:,.0f}x real time (goal >= 1,000x)"
    )
    print(
        f"  {len(single.tick_durations_s)} ticks; impact {float(impact.latitude_deg):.3f}°, "
        f"{float(impact.longitude_deg):.3f}°, {down_range / 1e3:,.0f} km down range, "
        f"{miss / 1e3:.0f} km from the barge (open loop, no guidance)"
    )

    fleet_repeats = min(2, args.repeats)
    fleet, fleet_wall = _timed(Integrator(model), OpenLoopHop(model, program), state, fleet_repeats)
    times = _impact_times_s(fleet, args.vehicles)
    flown = float(np.nansum(times))
    geo = ecef_to_geodetic(fleet.state.position_ecef_m)
    spread = great_circle_distance_m(
        impact.latitude_deg, impact.longitude_deg, geo.latitude_deg, geo.longitude_deg
    )
    print(
        f"{args.vehicles:,} dispersed trajectories: {int(np.sum(~np.isnan(times))):,} impacts, "
        f"{flown:,.0f} vehicle-seconds of flight in {fleet_wall:.2f} s wall "
        f"(best of {fleet_repeats}; goal < 10 s)"
    )
    print(
        f"  {flown / fleet_wall:,.0f}x real time summed over the fleet, "
        f"{fleet_wall / args.vehicles * 1e3:.2f} ms per flight, {len(fleet.tick_durations_s)} ticks; "
        f"impact scatter about the nominal: median "
        f"{np.median(spread) / 1e3:.1f} km, 95th percentile {np.percentile(spread, 95) / 1e3:.1f} km"
    )

    if args.reference_samples > 0:
        k = min(args.reference_samples, args.vehicles)
        index = np.arange(k)
        sub_model = model.select(index)
        reference_settings = dataclasses.replace(
            settings, step_s=args.reference_step_s, coast_step_s=args.reference_step_s
        )
        start = time.perf_counter()
        reference = fly(
            Integrator(sub_model, reference_settings),
            OpenLoopHop(sub_model, program),
            state.select(index),
            MAX_FLIGHT_S,
            fleet.tick_durations_s,
        )
        reference_wall = time.perf_counter() - start
        errors = np.linalg.norm(fleet.state.position_ecef_m[index] - reference.state.position_ecef_m, axis=1)
        single_error = float(
            np.linalg.norm(single.state.position_ecef_m[0] - reference.state.position_ecef_m[0])
        )
        print(
            f"{args.reference_step_s * 1e3:g} ms fixed-step RK4 reference (no long coast steps) of fleet "
            f"members 0-{k - 1} on the fleet's "
            f"ticks, {reference_wall:.0f} s wall:"
        )
        print(
            f"  impact-point error max {np.max(errors):.2f} m, mean {np.mean(errors):.2f} m (goal < 10 m); "
            f"the single trajectory, on its own ticks, {single_error:.2f} m"
        )
    return 0
