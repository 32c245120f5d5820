"""The ``firmware-sim`` command: run a simulated vehicle endpoint on a link. Parses flags, no logic."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from firmware_sim.io.mavlink_endpoint import EndpointSettings, VehicleEndpoint
from firmware_sim.io.wire import WireError, open_stream, parse_address


def read_signing_key(path: Path) -> bytes:
    """A key file holds 32 raw bytes or 64 hexadecimal characters (with optional whitespace)."""
    raw = path.read_bytes()
    if len(raw) == 32:
        return raw
    text = raw.decode("ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ValueError(f"{path}: expected 32 raw bytes or 64 hex characters")
    return key


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="firmware-sim", description="Simulated flight computer.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    vehicle = sub.add_parser("vehicle", help="serve a simulated vehicle (on the pad, SAFE) over MAVLink")
    vehicle.add_argument("--connect", default="udpout:127.0.0.1:14550",
                         help="udpout:H:P, udpin:H:P, tcpin:H:P, tcp:H:P or serial:DEV:BAUD")
    vehicle.add_argument("--sysid", type=int, default=1)
    vehicle.add_argument("--signing-key-file", type=Path)
    vehicle.add_argument("--link-id", type=int, default=1)
    vehicle.add_argument("--telemetry-hz", type=float, default=10.0)
    return parser


async def _serve_vehicle(args: argparse.Namespace) -> None:
    key = read_signing_key(args.signing_key_file) if args.signing_key_file else None
    settings = EndpointSettings(system_id=args.sysid, signing_key=key, signing_link_id=args.link_id,
                                telemetry_hz=args.telemetry_hz)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with open_stream(parse_address(args.connect)) as stream:
        endpoint = VehicleEndpoint(stream, settings)
        print(f"firmware-sim: vehicle sysid {args.sysid} serving on {args.connect}"
              f"{' (signed)' if key else ''}", flush=True)
        async with asyncio.TaskGroup() as tg:
            serving = tg.create_task(endpoint.run(), name="firmware-sim.vehicle")
            await stop.wait()
            serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        asyncio.run(_serve_vehicle(args))
    except (WireError, ValueError, OSError) as exc:
        print(f"firmware-sim: error: {exc}", file=sys.stderr)
        return 2
    return 0
