"""The ``firmware-sim`` command: parses flags and starts one simulated system. No logic of its own.

Subcommands: ``vehicle`` (SITL, or a bare flight computer), ``platform`` (a sea platform's sensor
box on NMEA and the platform on MAVLink), ``physics`` and ``flight-computer`` (the HIL split),
``montecarlo`` (a batch of dispersed flights, docs/montecarlo.md).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from firmware_sim.io.nmea_talker import MotionFormat, Sentence
from firmware_sim.io.platform_entry import DEFAULT_PLATFORMS, PlatformEntry
from firmware_sim.io.wire import WireError

if TYPE_CHECKING:
    from firmware_sim.io.vehicle_process import VehicleOptions

# Each command imports what it runs when it runs: a platform's sensor box needs neither the vehicle's
# simulator nor (without --mavlink) the MAVLink dialect, and every module is compiled afresh at each
# start where bytecode is not cached (SITL starts four of these processes).

LINK_HELP = "udpout:H:P, udpin:H:P, tcpin:H:P, tcp:H:P, serial:DEV:BAUD or DEV,BAUD"


def _platform_entry(text: str) -> PlatformEntry:
    sysid, sep, path = text.partition(":")
    if not sep or not sysid.isdigit() or not 1 <= int(sysid) <= 255:
        raise argparse.ArgumentTypeError(f"{text!r}: expected SYSID:PATH, e.g. 2:configs/platforms/x.toml")
    return PlatformEntry(int(sysid), Path(path))


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text}: must be > 0")
    return value


VEHICLE_HELP = (
    "With --config: SITL (physics, sensors and flight computer in lockstep). Without: a bare flight "
    "computer on the pad (no physics, so it stays in SAFE) that serves every MAVLink service."
)
DEFAULT_PLATFORMS_TEXT = ", ".join(f"{p.system_id}:{p.path.name}" for p in DEFAULT_PLATFORMS)


def _flight_software_flags(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--flight-software", type=Path, help="default: configs/flight_software/<vehicle name>.toml")
    add("--platform", dest="platforms", action="append", type=_platform_entry, metavar="SYSID:PATH",
        help=f"a platform and its MAVLink system id (repeat; default {DEFAULT_PLATFORMS_TEXT})")
    add("--seed", type=int, default=1)


def _faults_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--faults", type=Path, metavar="FILE",
                        help="a fault schedule (TOML, docs/sitl.md): faults applied at their simulated time")


def _endpoint_flags(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--link", "--connect", dest="link", default="udpout:127.0.0.1:14550", help=LINK_HELP)
    add("--sysid", type=int, default=1)
    add("--signing-key", "--signing-key-file", dest="signing_key", type=Path,
        help="32-byte key file (raw, or 64 hex characters): sign, and refuse unsigned frames")
    add("--link-id", type=int, default=1, help="signing link id of our frames")
    add("--params-file", type=Path, help="parameter file: loaded on start, saved on every set")
    add("--telemetry-hz", type=_positive, default=4.0,
        help="rate of position, attitude, IMU and SYSTEM_TIME per simulated second")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="firmware-sim", description="Simulated vehicle and platforms.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    vehicle = sub.add_parser("vehicle", help="the vehicle on MAVLink", description=VEHICLE_HELP)
    vehicle.add_argument("--config", type=Path, help="vehicle physics config, e.g. configs/vehicles/x.toml")
    vehicle.add_argument("--speed", type=_positive, default=1.0, help="simulated seconds per wall second")
    vehicle.add_argument("--coast-tick-s", type=float, default=1.0, metavar="S",
                         help="tick of the engines-off coast above the air (0: the control tick throughout)")
    vehicle.add_argument("--ground-lead-s", type=_positive, metavar="S",
                         help="SITL on a slow machine: run at most S simulated seconds ahead of what the "
                              "ground station has read (asked by TIMESYNC; a silent ground holds nothing)")
    _flight_software_flags(vehicle)
    _faults_flag(vehicle)
    _endpoint_flags(vehicle)

    physics = sub.add_parser("physics", help="HIL: the physics alone, feeding a flight computer")
    physics.add_argument("--config", type=Path, required=True, help="vehicle physics config")
    physics.add_argument("--hil", required=True, help="the flight computer, e.g. serial:/dev/ttyUSB0:921600")
    physics.add_argument("--speed", type=_positive, default=1.0, help="simulated seconds per wall second")
    _flight_software_flags(physics)
    _faults_flag(physics)

    computer = sub.add_parser("flight-computer", help="HIL: the flight software alone, fed over --hil")
    computer.add_argument("--hil", required=True, help="link to the physics, e.g. serial:/dev/ttyUSB0:921600")
    _flight_software_flags(computer)
    _endpoint_flags(computer)

    platform = sub.add_parser("platform", help="a sea platform: its sensor box on NMEA, itself on MAVLink")
    add = platform.add_argument
    add("--config", type=Path, required=True, help="e.g. configs/platforms/landing-barge.toml")
    add("--nmea", required=True, help="where the sensor box talks, e.g. serial:/dev/ttyUSB1:38400")
    add("--mavlink", help="the platform's MAVLink link, e.g. udpout:127.0.0.1:14550 (default: none)")
    add("--sysid", type=int, default=2, help="the platform's MAVLink system id")
    add("--speed", type=_positive, default=1.0, help="simulated seconds per wall-clock second")
    add("--seed", type=int, default=1)
    add("--mru", choices=[m.value for m in MotionFormat], default=MotionFormat.SEAPATH_PSXN23.value,
        help="the motion reference unit's format")
    add("--motion-hz", type=_positive, default=25.0, help="MRU sentences per second (10-50 is usual)")
    add("--gnss-hz", type=_positive, default=1.0, help="GGA, RMC, VTG and ZDA per second")
    add("--heading-hz", type=_positive, default=10.0, help="HDT per second")
    add("--wind-hz", type=_positive, default=1.0, help="MWV per second")
    add("--xdr-hz", type=_positive, default=1.0, help="XDR (pitch, roll, heave) per second")
    add("--signing-key", type=Path, help="sign the platform's MAVLink with this key file")
    add("--link-id", type=int, default=1, help="signing link id of the platform's frames")
    add("--follow-stdin-lead-s", type=_positive, metavar="S",
        help="SITL: read a leader's simulated time from stdin (one number a line) and run at most S "
             "simulated seconds past it (gcs sitl: the station's clock, so a slow station slows the box)")
    _faults_flag(platform)

    montecarlo = sub.add_parser("montecarlo", help="fly a batch of dispersed flights, write runs.csv")
    add = montecarlo.add_argument
    add("--scenario-file", type=Path, required=True, help="a scenario, e.g. configs/scenarios/hop.toml")
    add("--runs", type=int, default=1000, help="dispersed flights (default 1000)")
    add("--seed", type=int, default=1)
    add("--out", type=Path, required=True, help="folder for runs.csv and batch.json")
    add("--no-dispersion", action="store_true",
        help="every run nominal and alike (perfect sensors, one sea): the model's own baseline")
    add("--engine", choices=("auto", "vector", "scalar"), default="auto",
        help="vector: every run at once in arrays (hover landings only); scalar: each run by the real "
             "flight software in a process pool; auto (default): vector where it can")
    add("--jobs", type=int, help="the scalar engine's worker processes (default: the machine's cores)")
    return parser


async def _until_signalled(serve: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(stop)


def _announce(line: str) -> None:
    print(line, flush=True)


def _vehicle_options(args: argparse.Namespace) -> VehicleOptions:
    from firmware_sim.io.mavlink_endpoint import EndpointSettings
    from firmware_sim.io.signing import SigningSettings, read_signing_key
    from firmware_sim.io.vehicle_process import VehicleOptions

    key_file = getattr(args, "signing_key", None)
    key = read_signing_key(key_file) if key_file else None
    return VehicleOptions(
        link=getattr(args, "link", ""),
        vehicle_config=getattr(args, "config", None),
        flight_software_config=args.flight_software,
        platforms=tuple(args.platforms) if args.platforms else DEFAULT_PLATFORMS,
        speed=getattr(args, "speed", 1.0),
        seed=args.seed,
        signing=SigningSettings(key, args.link_id) if key is not None else None,
        params_file=getattr(args, "params_file", None),
        hil=getattr(args, "hil", None),
        coast_tick_s=_coast_tick(getattr(args, "coast_tick_s", 0.0)),
        ground_lead_s=getattr(args, "ground_lead_s", None),
        faults=getattr(args, "faults", None),
        endpoint=EndpointSettings(
            system_id=getattr(args, "sysid", 1), telemetry_hz=getattr(args, "telemetry_hz", 4.0),
            # The endpoint's clock is simulated, but the ground answers over a real link in wall
            # time: at 50x a 1 s timeout left 20 ms for each mission item's round trip, and a busy
            # machine had uploads cancelled. One wall second, whatever the speed.
            mission_timeout_s=max(1.0, getattr(args, "speed", 1.0)),
        ),
    )


def _coast_tick(value: float) -> float | None:
    if value < 0:
        raise ValueError(f"--coast-tick-s must be >= 0, got {value}")
    return value or None


def _vehicle(args: argparse.Namespace) -> Callable[[asyncio.Event], Awaitable[None]]:
    from firmware_sim.io.vehicle_process import serve_vehicle

    options = _vehicle_options(args)
    return lambda stop: serve_vehicle(options, stop, _announce)


def _physics(args: argparse.Namespace) -> Callable[[asyncio.Event], Awaitable[None]]:
    from firmware_sim.io.vehicle_process import serve_physics

    options = _vehicle_options(args)
    return lambda stop: serve_physics(options, stop, _announce)


def _platform(args: argparse.Namespace) -> Callable[[asyncio.Event], Awaitable[None]]:
    from firmware_sim.io.platform_process import PlatformOptions, PlatformProcess

    signing = None
    if args.signing_key:
        from firmware_sim.io.signing import SigningSettings, read_signing_key

        signing = SigningSettings(read_signing_key(args.signing_key), args.link_id)
    gnss = dict.fromkeys((Sentence.GGA, Sentence.RMC, Sentence.VTG, Sentence.ZDA), args.gnss_hz)
    rates = {**gnss, Sentence.HDT: args.heading_hz, Sentence.MWV: args.wind_hz, Sentence.XDR: args.xdr_hz,
             Sentence.MOTION: args.motion_hz}  # fmt: skip
    options = PlatformOptions(
        config=args.config,
        nmea=args.nmea,
        mavlink=args.mavlink,
        system_id=args.sysid,
        speed=args.speed,
        seed=args.seed,
        motion_format=MotionFormat(args.mru),
        rates_hz=rates,
        signing=signing,
        faults=args.faults,
        follow_lead_s=args.follow_stdin_lead_s,
    )
    return PlatformProcess(options, _announce).run


def _montecarlo(args: argparse.Namespace) -> int:
    from firmware_sim.montecarlo.command import run_batch
    from firmware_sim.montecarlo.dispersions import DispersionSigmas
    from firmware_sim.montecarlo.scenario import Engine

    if args.runs < 1:
        print(f"firmware-sim: error: --runs must be >= 1, got {args.runs}", file=sys.stderr)
        return 2
    if args.jobs is not None and args.jobs < 1:
        print(f"firmware-sim: error: --jobs must be >= 1, got {args.jobs}", file=sys.stderr)
        return 2
    sigmas = DispersionSigmas.none() if args.no_dispersion else DispersionSigmas()
    try:
        run_batch(args.scenario_file, args.runs, args.seed, args.out, sigmas, say=_announce,
                  engine=Engine(args.engine), jobs=args.jobs)
    except (ValueError, OSError) as exc:
        print(f"firmware-sim: error: {exc}", file=sys.stderr)
        return 2
    return 0


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "montecarlo":
        return _montecarlo(args)
    commands = {"vehicle": _vehicle, "flight-computer": _vehicle, "physics": _physics, "platform": _platform}
    try:
        asyncio.run(_until_signalled(commands[args.command](args)))
    except (WireError, ValueError, OSError) as exc:
        print(f"firmware-sim: error: {exc}", file=sys.stderr)
        return 2
    return 0
