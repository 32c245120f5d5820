"""``gcs demo``: the newest end-to-end run that works, for ``make demo``.

Today that is the signed vehicle link: it starts the real ``firmware-sim vehicle`` process, puts the
seeded fault proxy between it and the ground station (a lossy, noisy radio), finds the vehicle,
sends a signed command with retries, prints the live link figures once a second and records the
session (tlog and journal) so mavlogdump can read it afterwards. Nothing is printed that was not
measured. When the full simulated mission exists, ``make demo`` runs that instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from gcs.clock import WallClock
from gcs.protocol.dialect import FlightPhase, seaport
from gcs.protocol.mavlink import MavlinkCodec, SigningConfig
from gcs.recorder.journal import JournalKind
from gcs.recorder.writer import RecorderSettings, SessionRecorder
from gcs.tasks import background
from gcs.transport.faults import FaultSpec
from gcs.transport.link import open_link
from gcs.transport.proxy import UdpFaultProxy

VEHICLE_SYSID = 1


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_key(out_dir: Path) -> tuple[bytes, Path]:
    """A fresh signing key for this run, shared with the vehicle process through a private file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    key_file = out_dir / ".demo-signing.key"
    key_file.touch(mode=0o600)
    key_file.write_text(key.hex())
    return key, key_file


async def _run(args: argparse.Namespace, key: bytes, key_file: Path) -> int:
    clock = WallClock()
    out_dir = Path(args.out)
    port = _free_udp_port()
    faults = FaultSpec(loss_probability=args.loss, bit_flip_probability=args.bit_flips)
    print(f"demo: firmware-sim vehicle on udpin:127.0.0.1:{port}, fault proxy "
          f"{args.loss:.0%} loss and {args.bit_flips:.2%} bit flips per byte, both ways; signed link")
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "firmware_sim", "vehicle", "--connect", f"udpin:127.0.0.1:{port}",
        "--signing-key-file", str(key_file), "--telemetry-hz", "20",
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None
    # Start the clock once the vehicle serves, so the figures are about the link, not start-up.
    print("  " + (await asyncio.wait_for(child.stdout.readline(), 30)).decode().strip())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with (
            UdpFaultProxy(target=f"udpout:127.0.0.1:{port}", up=faults, down=faults, seed=1) as proxy,
            open_link(proxy.client_endpoint, clock=clock) as link,
            SessionRecorder(RecorderSettings(out_dir=out_dir), clock) as recorder,
        ):
            signing = SigningConfig(key, link_id=0)
            codec = MavlinkCodec(255, 190, signing=signing, unix_time_s=clock.unix_time_s)
            received: list[Any] = []

            async def send(msg: Any) -> None:
                frame = codec.encode(msg)
                recorder.record_frame(frame, unix_time_s=clock.unix_time_s())
                await link.write(frame)

            async def receive() -> None:
                while True:
                    chunk = await link.read()
                    for msg in codec.feed(chunk):
                        received.append(msg)
                        recorder.record_frame(msg.get_msgbuf(), unix_time_s=clock.unix_time_s())

            async def heartbeat() -> None:
                while True:
                    await send(seaport.MAVLink_heartbeat_message(
                        seaport.MAV_TYPE_GCS, seaport.MAV_AUTOPILOT_INVALID, 0, 0,
                        seaport.MAV_STATE_ACTIVE, 3))
                    # A vehicle on udpin learns where the ground station is only from what it
                    # sends, so announce often until the vehicle answers, then at the usual 1 Hz.
                    found = any(m.get_type() == "HEARTBEAT" for m in received)
                    await clock.sleep(1.0 if found else 0.2)

            async with background(("demo receive", receive()), ("demo heartbeat", heartbeat()),
                                  ("recorder", recorder.run())):
                start_s = clock.monotonic_s()
                acked = False
                confirmation = 0
                while not stop.is_set() and clock.monotonic_s() - start_s < args.duration:
                    beats = [m for m in received if m.get_type() == "HEARTBEAT"]
                    acks = [m for m in received if m.get_type() == "COMMAND_ACK"]
                    if beats and not acked:
                        if acks:
                            acked = True
                            recorder.journal(JournalKind.COMMAND_ACK, "vehicle",
                                             {"command": "REQUEST_MESSAGE", "result": int(acks[0].result)})
                            print("  command REQUEST_MESSAGE(HEARTBEAT) acknowledged: result "
                                  f"{acks[0].result} after {confirmation} transmission(s)")
                        elif confirmation < 10:
                            await send(seaport.MAVLink_command_long_message(
                                VEHICLE_SYSID, 1, seaport.MAV_CMD_REQUEST_MESSAGE, confirmation,
                                seaport.MAVLINK_MSG_ID_HEARTBEAT, 0, 0, 0, 0, 0, 0))
                            recorder.journal(JournalKind.COMMAND_SENT, "demo",
                                             {"command": "REQUEST_MESSAGE", "confirmation": confirmation},
                                             who="demo")
                            confirmation += 1
                    stats = codec.stats().get((VEHICLE_SYSID, 1))
                    counters = codec.counters()
                    phase = FlightPhase(beats[-1].custom_mode).name if beats else "-"
                    if stats is None:
                        print(f"  t+{clock.monotonic_s() - start_s:4.1f}s  waiting for the vehicle ...")
                    else:
                        print(f"  t+{clock.monotonic_s() - start_s:4.1f}s  vehicle {VEHICLE_SYSID} "
                              f"phase {phase:<5} heartbeats {len(beats):3d}  "
                              f"frames {stats.frames_received:5d}  "
                              f"lost {stats.frames_lost:4d} ({stats.loss_pct:4.1f}%)  crc errors "
                              f"{counters.crc_errors:3d}  bad signatures {counters.bad_signatures:3d}")
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), 1.0)
            down = proxy.down.faults
            print(f"demo: the proxy dropped {down.dropped} and flipped {down.bits_flipped} bits in "
                  f"{down.chunks_in} datagrams towards the ground station")
            print(f"demo: session recorded in {recorder.session_dir} (open flight.tlog with mavlogdump.py)")
            found = any(m.get_type() == "HEARTBEAT" for m in received)
            return 0 if found and acked else 1
    finally:
        if child.returncode is None:
            child.terminate()
            try:
                await asyncio.wait_for(child.wait(), 10)
            except TimeoutError:
                child.kill()
                await child.wait()


def add_parser(sub: Any) -> None:
    demo = sub.add_parser("demo", help="run the newest end-to-end demonstration (make demo)")
    demo.add_argument("--duration", type=float, default=12.0, help="seconds to run (default 12)")
    demo.add_argument("--loss", type=float, default=0.05, help="proxy packet loss probability")
    demo.add_argument("--bit-flips", type=float, default=0.0005, help="proxy bit-flip probability per byte")
    demo.add_argument("--out", default="sessions", help="folder for the session recording")
    demo.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    key, key_file = _write_key(Path(args.out))
    try:
        return asyncio.run(_run(args, key, key_file))
    finally:
        key_file.unlink(missing_ok=True)
