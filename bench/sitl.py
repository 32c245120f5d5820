"""``python -m bench sitl``: real-time factor of the whole SITL vehicle process on the cargo hop.

Starts the real ``firmware-sim vehicle`` (physics, sensors, flight computer and the MAVLink endpoint
streaming telemetry on UDP) at ``--speed``, and flies the 10,000 km cargo hop from a stock-pymavlink
ground station on loopback: parameter set, flight plan upload, ARM, terminal count, launch, then
it only listens (heartbeats, telemetry, STATUSTEXT) until the vehicle is safe again. The clock on
the wire (``time_boot_ms`` of the vehicle's telemetry, simulated) against the wall clock between
launch and SAFE is the real-time factor; the vehicle process's own CPU time gives the factor the
machine would allow if it were idle. Per-phase factors show where it is slowest. The peer is real
time itself: the printed ratios are simulated seconds per wall (or CPU) second.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from gcs.protocol.dialect import FlightPhase, seaport
from tests.support.pymavlink_gcs import PymavlinkGcs, mission_item, udp_stream

S = seaport
REPO = Path(__file__).resolve().parent.parent
CARGO = REPO / "configs" / "vehicles" / "cargo-p2p.toml"
LAUNCH = (36.5, 121.6)  # configs/platforms/launch-platform.toml
BARGE = (31.159, -121.933)  # configs/platforms/landing-barge.toml, MAVLink system id 2
#: Messages whose time_boot_ms tells the vehicle's simulated time.
_TIMED = ("SYSTEM_TIME", "GLOBAL_POSITION_INT", "ATTITUDE_QUATERNION")


@dataclass
class Clocks:
    """What the ground station saw of the simulated clock, against wall time."""

    samples: list[tuple[float, float]] = field(default_factory=list)  # (wall s, sim s)
    phases: list[tuple[float, float, FlightPhase]] = field(default_factory=list)  # (wall, sim, phase)
    messages: int = 0

    def sim_at(self, wall_s: float) -> float:
        earlier = [sim for wall, sim in self.samples if wall <= wall_s]
        return earlier[-1] if earlier else 0.0


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _flight_plan() -> list[object]:
    return [
        mission_item(S.MAV_CMD_NAV_TAKEOFF, *LAUNCH, frame=S.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, p2=2.0),
        mission_item(S.MAV_CMD_NAV_LAND, *BARGE, p2=S.PRECISION_LAND_MODE_REQUIRED, p3=2.0),
    ]


async def _listen(gcs: PymavlinkGcs, clocks: Clocks, done: asyncio.Event) -> None:
    """Turn what arrives into clock samples and phase changes; set ``done`` at SAFE after a flight."""
    seen = 0
    flown = False
    while True:
        await asyncio.sleep(0.02)
        fresh = gcs.received[seen:]
        seen += len(fresh)
        clocks.messages += len(fresh)
        for item in fresh:
            msg = item.msg
            kind = msg.get_type()
            if kind in _TIMED and msg.get_srcSystem() == 1:
                clocks.samples.append((item.at_s, msg.time_boot_ms / 1000.0))
            elif kind == "HEARTBEAT" and msg.get_srcSystem() == 1:
                phase = FlightPhase(msg.custom_mode)
                if not clocks.phases or clocks.phases[-1][2] is not phase:
                    clocks.phases.append((item.at_s, clocks.samples[-1][1] if clocks.samples else 0.0, phase))
                flown = flown or phase is FlightPhase.ASCENT
                if flown and phase is FlightPhase.SAFE:
                    done.set()


async def _fly(args: argparse.Namespace) -> int:
    async with udp_stream() as stream:
        command = [
            sys.executable, "-m", "firmware_sim", "vehicle", "--config", str(CARGO),
            "--link", f"udpout:127.0.0.1:{stream.port}", "--speed", str(args.speed), "--seed", str(args.seed),
            "--telemetry-hz", str(args.telemetry_hz),
        ]  # fmt: skip
        process = await asyncio.create_subprocess_exec(
            *command, cwd=REPO, stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
        assert process.stdout is not None
        try:
            print((await asyncio.wait_for(process.stdout.readline(), 30)).decode().strip())
            return await _session(args, stream, process.pid)
        finally:
            process.terminate()
            await process.wait()


async def _session(args: argparse.Namespace, stream: object, pid: int) -> int:
    gcs = PymavlinkGcs(stream)  # type: ignore[arg-type]
    clocks = Clocks()
    done = asyncio.Event()
    async with asyncio.TaskGroup() as group:
        tasks = [
            group.create_task(gcs.receive(), name="bench-sitl.receive"),
            group.create_task(gcs.heartbeats(args.heartbeat_hz), name="bench-sitl.heartbeat"),
            group.create_task(_listen(gcs, clocks, done), name="bench-sitl.listen"),
        ]
        try:
            await gcs.wait_for("HEARTBEAT", lambda m: m.custom_mode == FlightPhase.STANDBY, timeout_s=60)
            # Link loss is judged in simulated time: at high speed a wall-clock heartbeat is seconds apart.
            await gcs.param_set("GL_TIMEOUT_S", 60.0)
            ack = await gcs.mission_upload(_flight_plan())
            if ack.type != S.MAV_MISSION_ACCEPTED:
                print(f"flight plan refused: {gcs.texts()}", file=sys.stderr)
                return 1
            for cmd in (S.MAV_CMD_COMPONENT_ARM_DISARM, S.MAV_CMD_MISSION_START, S.MAV_CMD_NAV_TAKEOFF):
                reply = await gcs.command(cmd, *([1.0] if cmd == S.MAV_CMD_COMPONENT_ARM_DISARM else []))
                if reply.result != S.MAV_RESULT_ACCEPTED:
                    print(f"command {cmd} refused: {gcs.texts()}", file=sys.stderr)
                    return 1
            start_wall, start_cpu = time.monotonic(), _cpu_s(pid)
            await gcs.wait_for("HEARTBEAT", lambda m: m.custom_mode == FlightPhase.ASCENT, timeout_s=60)
            try:
                await asyncio.wait_for(done.wait(), args.max_wall_s)
            except TimeoutError:
                print(f"not safe again within {args.max_wall_s} s of wall time", file=sys.stderr)
            end_wall, end_cpu = time.monotonic(), _cpu_s(pid)
        finally:
            for task in tasks:
                task.cancel()
    _report(args, gcs, clocks, (start_wall, end_wall), end_cpu - start_cpu)
    return 0 if done.is_set() else 1


def _report(
    args: argparse.Namespace, gcs: PymavlinkGcs, clocks: Clocks, wall: tuple[float, float], cpu_s: float
) -> None:
    start_wall, end_wall = wall
    sim_s = clocks.sim_at(end_wall) - clocks.sim_at(start_wall)
    wall_s = end_wall - start_wall
    print(f"cargo hop, --speed {args.speed:g}, telemetry {args.telemetry_hz:g} Hz, seed {args.seed}")
    print(f"  launch to SAFE: {sim_s:,.0f} s simulated in {wall_s:.1f} s wall,", end=" ")
    print(f"{cpu_s:.1f} s CPU of the vehicle process")
    print(f"  real-time factor: {sim_s / wall_s:.1f}x (wall), {sim_s / max(cpu_s, 1e-9):.1f}x (CPU)")
    print(f"  messages received: {clocks.messages:,} ({clocks.messages / wall_s:,.0f} per wall second)")
    print("  phase                 simulated      wall   factor")
    phases = [p for p in clocks.phases if p[0] >= start_wall - 1.0]
    for (w0, s0, phase), (w1, s1, _) in itertools.pairwise(phases):
        if w1 > w0:
            print(f"  {phase.name:18s} {s1 - s0:10.1f} s {w1 - w0:7.2f} s {(s1 - s0) / (w1 - w0):7.1f}x")
    for text in gcs.texts():
        if "touchdown" in text or "red line" in text or "splash" in text:
            print(f"  vehicle: {text}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench sitl", description=__doc__)
    parser.add_argument("--speed", type=float, default=100.0, help="--speed of the vehicle process")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--telemetry-hz", type=float, default=4.0, help="fast streams per simulated second")
    parser.add_argument(
        "--heartbeat-hz", type=float, default=20.0, help="ground station heartbeats per wall second"
    )
    parser.add_argument("--max-wall-s", type=float, default=600.0, help="give up after this long")
    return asyncio.run(_fly(parser.parse_args(argv)))
