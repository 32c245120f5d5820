"""Ingest benchmark: the ground station's full pipeline (parse, state, record) against MAVProxy 1.8.

``python -m bench ingest [--frames N] [--mavproxy-frames M] [--mavproxy PATH] [--flight-minutes MIN]``

One stream, the traffic mix a ground station receives in flight (``bench.codec.build_traffic``:
vehicle telemetry from common.xml, our dialect's engine, tank, countdown and impact-point messages,
a platform's deck motion), measured three ways in one run:

1. **ours**: a child process writes the stream as fast as TCP takes it to ``tcpin:`` on the real
   transport (``gcs.transport.link``); the real ``FlightComputerLink`` parses it, tracks the
   vehicle, publishes every message on the hub, and hands every frame to a ``SessionRecorder``
   writing ``flight.tlog`` (flushed and fsynced every 250 ms). Lossless is checked, not assumed:
   every frame counted in, none overflowed in the link's inbox, and the tlog read back holds every
   frame. Throughput is messages over the wall time from the first to the last one handled, and
   over the process's CPU time (the pipeline is one event-loop thread; the recorder's writer thread
   is included).
2. **MAVProxy**: the same stream (its first ``M`` frames) served over TCP to ``mavproxy.py
   --master=tcp:... --out=udpout:...`` with its tlog on, counting the datagrams it forwards;
   lossless means all ``M`` arrive. MAVProxy runs from its own environment (``--mavproxy``: the
   path of ``mavproxy.py``, e.g. from ``pip install MAVProxy==1.8.75`` in a separate venv); it is
   never a dependency of the project. Its messages of our private dialect are unknown to it:
   counted per kind so the comparison stays honest.
3. **memory**: an ``--flight-minutes`` flight (default 60) at the mix's 187 msg/s through the same
   pipeline with the tlog on, on simulation time (``gcs.replay.ReplayClock``), resident memory
   sampled every simulated minute.

Nothing here asserts on speed; it prints figures and ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.codec import build_traffic, encode_stream
from gcs.clock import WallClock
from gcs.hub import Hub
from gcs.links.flight_computer import FlightComputerLink
from gcs.links.settings import LinkSettings
from gcs.protocol.dialect import seaport
from gcs.protocol.mavlink import MavlinkCodec
from gcs.recorder.session import RecordedSession
from gcs.recorder.writer import RecorderSettings, SessionRecorder
from gcs.replay import LockstepLink, ReplayClock, settle
from gcs.transport.link import open_link

STATION = (255, 190)
VEHICLE_SYSID = 1
MIX_HZ = 187.0
EPOCH_S = 1_800_000_000.0
TICK_S = 0.1
STALL_S = 10.0
SETTINGS = LinkSettings(system_ids=frozenset({VEHICLE_SYSID}), timesync_interval_s=None)

# The child that feeds a stream file over TCP: "connect PORT FILE" (ours listens) or "serve FILE"
# (it listens, prints its port, and feeds whoever connects: MAVProxy). It stays until killed.
_FEEDER = r"""
import socket, sys, time
mode, *rest = sys.argv[1:]
if mode == "connect":
    port, path = int(rest[0]), rest[1]
    sock = socket.create_connection(("127.0.0.1", port))
else:
    path = rest[0]
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    print(server.getsockname()[1], flush=True)
    sock, _ = server.accept()
data = open(path, "rb").read()
sock.sendall(data)
time.sleep(3600)
"""


@dataclass(frozen=True, slots=True)
class Run:
    messages: int
    wall_s: float
    cpu_s: float | None
    lossless: bool
    detail: str

    @property
    def rate(self) -> float:
        return self.messages / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def rate_per_cpu(self) -> float | None:
        return self.messages / self.cpu_s if self.cpu_s else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb() -> float:
    """Resident memory of this process (Linux /proc)."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tlog_frames(session_dir: Path) -> int:
    return sum(1 for _, frame in RecordedSession.open(session_dir).tlog_records() if frame[5] != STATION[0])


# --- 1. ours ---------------------------------------------------------------------------------------


async def run_ours(stream_path: Path, frames: int, out_dir: Path) -> Run:
    clock, hub = WallClock(), Hub()
    port = _free_port()
    recorder_settings = RecorderSettings(out_dir=out_dir)
    async with SessionRecorder(recorder_settings, clock) as recorder:
        async with open_link(f"tcpin:127.0.0.1:{port}", clock=clock) as link:
            first: list[float] = []  # perf_counter and process_time at the first vehicle frame
            last_s = 0.0

            def record(frame: bytes, *, unix_time_s: float, critical: bool) -> None:
                # The recorder's own sink, timed: from the first frame handled to the last.
                nonlocal last_s
                if frame[5] != STATION[0]:
                    last_s = time.perf_counter()
                    if not first:
                        first.extend((last_s, time.process_time()))
                recorder.record_frame(frame, unix_time_s=unix_time_s, critical=critical)

            fc = FlightComputerLink(link, MavlinkCodec(*STATION), clock=clock, hub=hub, settings=SETTINGS,
                                    record_frame=record)
            feeder = await asyncio.create_subprocess_exec(
                sys.executable, "-c", _FEEDER, "connect", str(port), str(stream_path)
            )
            try:
                async with asyncio.TaskGroup() as group:
                    tasks = [group.create_task(recorder.run(), name="recorder"),
                             group.create_task(fc.run(), name="flight computer")]
                    last, last_change = 0, time.perf_counter()
                    while fc.counters.messages_in < frames:
                        await asyncio.sleep(0.001)
                        if fc.counters.messages_in != last:
                            last, last_change = fc.counters.messages_in, time.perf_counter()
                        elif time.perf_counter() - last_change > STALL_S:
                            break
                    cpu1 = time.process_time()
                    await recorder.flush()
                    for task in tasks:
                        task.cancel()
            finally:
                feeder.kill()
                await feeder.wait()
            overflowed = link.stats.chunks_overflowed
        session_dir = recorder.session_dir
    received = fc.counters.messages_in
    in_tlog = _tlog_frames(session_dir)
    counters = fc.codec.counters()
    lossless = received == frames and in_tlog == frames and overflowed == 0 and counters.crc_errors == 0
    detail = (f"{received} of {frames} messages handled, {in_tlog} frames in the tlog, "
              f"{overflowed} chunks overflowed, {counters.crc_errors} CRC errors")
    wall_s = last_s - first[0] if first else 0.0
    return Run(received, wall_s, cpu1 - first[1] if first else None, lossless, detail)


# --- 2. MAVProxy -----------------------------------------------------------------------------------


class _Sink(asyncio.DatagramProtocol):
    """Counts the frames MAVProxy forwards (one datagram each), by message id."""

    def __init__(self) -> None:
        self.count = 0
        self.first_s: float | None = None
        self.last_s = 0.0
        self.ids: Counter[int] = Counter()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if not data or data[0] != 0xFD or len(data) < 10 or data[5] == STATION[0]:
            return
        now = time.perf_counter()
        if self.first_s is None:
            self.first_s = now
        self.last_s = now
        self.count += 1
        self.ids[data[7] | data[8] << 8 | data[9] << 16] += 1


async def run_mavproxy(mavproxy: str, stream_path: Path, frames: int, work_dir: Path) -> Run:
    loop = asyncio.get_running_loop()
    sink = _Sink()
    transport, _ = await loop.create_datagram_endpoint(lambda: sink, local_addr=("127.0.0.1", 0))
    sock = transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024 * 1024)
    out_port = sock.getsockname()[1]
    feeder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _FEEDER, "serve", str(stream_path), stdout=asyncio.subprocess.PIPE
    )
    proxy = None
    try:
        assert feeder.stdout is not None
        port = int(await feeder.stdout.readline())
        proxy = await asyncio.create_subprocess_exec(
            mavproxy, f"--master=tcp:127.0.0.1:{port}", f"--out=udpout:127.0.0.1:{out_port}", "--daemon",
            "--non-interactive", "--nowait", "--default-modules=", f"--state-basedir={work_dir}",
            f"--logfile={work_dir / 'mav.tlog'}",
            cwd=work_dir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        last, last_change = 0, time.perf_counter()
        cpu0: float | None = None
        while sink.count < frames:
            await asyncio.sleep(0.01)
            if proxy.returncode is not None:
                break
            if cpu0 is None and sink.count:
                cpu0 = _cpu_s(proxy.pid)
            now = time.perf_counter()
            if sink.count != last:
                last, last_change = sink.count, now
            elif now - last_change > STALL_S:
                break
        cpu1 = _cpu_s(proxy.pid) if proxy.returncode is None else None
    finally:
        for child in (proxy, feeder):
            if child is not None and child.returncode is None:
                child.kill()
            if child is not None:
                await child.wait()
        transport.close()
    wall_s = sink.last_s - sink.first_s if sink.first_s is not None else 0.0
    own = sum(n for msg_id, n in sink.ids.items() if msg_id >= 52500)
    detail = f"{sink.count} of {frames} frames forwarded ({own} of them our dialect's private messages)"
    cpu_s = cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None
    return Run(sink.count, wall_s, cpu_s, sink.count == frames, detail)


# --- 3. memory over a simulated flight -------------------------------------------------------------


async def flight_memory(minutes: int, seed: int, out_dir: Path) -> tuple[list[float], int, float]:
    """RSS (MB) after each simulated minute, frames recorded, wall seconds."""
    per_minute = round(MIX_HZ * 60)
    traffic = build_traffic(per_minute, seed)
    data, offsets = encode_stream(traffic)
    per_tick = round(MIX_HZ * TICK_S)
    ticks = [data[offsets[i]: offsets[i + per_tick] if i + per_tick < len(offsets) else len(data)]
             for i in range(0, len(offsets), per_tick)]
    clock = ReplayClock(EPOCH_S)
    link = LockstepLink()
    samples: list[float] = []
    started = time.perf_counter()
    async with SessionRecorder(RecorderSettings(out_dir=out_dir), clock) as recorder:
        fc = FlightComputerLink(link, MavlinkCodec(*STATION), clock=clock, hub=Hub(), settings=SETTINGS,
                                record_frame=recorder.record_frame)
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(recorder.run(), name="recorder"),
                     group.create_task(fc.run(), name="flight computer")]
            await settle()
            t_s = 0.0
            for _ in range(minutes):
                for chunk in ticks:
                    t_s += TICK_S
                    while (deadline_s := clock.next_deadline_s()) is not None and deadline_s <= t_s:
                        clock.advance_to(deadline_s)
                        await settle()
                    clock.advance_to(t_s)
                    await link.deliver(chunk)
                samples.append(_rss_mb())
            await recorder.flush()
            for task in tasks:
                task.cancel()
        session_dir = recorder.session_dir
    return samples, _tlog_frames(session_dir), time.perf_counter() - started


# --- main ------------------------------------------------------------------------------------------


def _find_mavproxy(given: str | None) -> str | None:
    if given:
        return given
    beside = Path(sys.executable).parent / "mavproxy.py"
    return str(beside) if beside.exists() else shutil.which("mavproxy.py")


def _mavproxy_version(path: str) -> str:
    python = Path(path).parent / "python"
    if not python.exists():
        return "version unknown"
    result = subprocess.run([str(python), "-m", "pip", "show", "MAVProxy"], capture_output=True, text=True)
    version = next((line.split(":", 1)[1].strip() for line in result.stdout.splitlines()
                    if line.startswith("Version:")), "unknown")
    return f"MAVProxy {version}"


def _print_run(label: str, run: Run) -> None:
    per_cpu = f", {run.rate_per_cpu:,.0f} msg per CPU-second" if run.rate_per_cpu else ""
    print(f"{label}: {run.rate:,.0f} msg/s over {run.wall_s:.2f} s{per_cpu}; "
          f"{'lossless' if run.lossless else 'NOT lossless'} ({run.detail})")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ingest", description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=300_000, help="frames through our pipeline")
    parser.add_argument("--mavproxy-frames", type=int, default=30_000, help="frames through MAVProxy")
    parser.add_argument("--mavproxy", help="path of mavproxy.py (default: beside this Python, or on PATH)")
    parser.add_argument("--flight-minutes", type=int, default=60,
                        help="simulated flight for the memory check (0: skip it)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    traffic = build_traffic(args.frames, args.seed)
    data, offsets = encode_stream(traffic)
    kinds = Counter(msg.get_type() for _, msg in traffic)
    private = sum(n for name, n in kinds.items() if getattr(seaport, f"MAVLINK_MSG_ID_{name}", 0) >= 52500)
    print(f"stream: {args.frames:,} MAVLink 2 frames, {len(data) / 1e6:.1f} MB, {len(kinds)} message types "
          f"({private / args.frames:.0%} of frames from our private dialect)")
    del traffic  # the memory figures below are the pipeline's, not this list's
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        work = Path(tmp)
        stream_path = work / "stream.bin"
        stream_path.write_bytes(data)
        ours = asyncio.run(run_ours(stream_path, args.frames, work / "ours"))
        _print_run("ours (parse + state + hub + tlog, TCP in)", ours)

        mavproxy = _find_mavproxy(args.mavproxy)
        theirs: Run | None = None
        if mavproxy is None:
            print("MAVProxy: not found (pass --mavproxy PATH to mavproxy.py); not measured")
        else:
            m = min(args.mavproxy_frames, args.frames)
            short = work / "stream-mavproxy.bin"
            short.write_bytes(data[: offsets[m]] if m < len(offsets) else data)
            (work / "mavproxy").mkdir()
            theirs = asyncio.run(run_mavproxy(mavproxy, short, m, work / "mavproxy"))
            _print_run(f"{_mavproxy_version(mavproxy)} (parse + tlog + forward, TCP in, UDP out)", theirs)
        if theirs is not None and theirs.rate > 0:
            print(f"ratio ours / MAVProxy: {ours.rate / theirs.rate:.1f}x msg/s"
                  + (f", {ours.rate_per_cpu / theirs.rate_per_cpu:.1f}x msg per CPU-second"
                     if ours.rate_per_cpu and theirs.rate_per_cpu else ""))

        if args.flight_minutes > 0:
            minutes = args.flight_minutes
            samples, recorded, wall_s = asyncio.run(flight_memory(minutes, args.seed, work / "flight"))
            early = min(5, len(samples))
            first = samples[early - 1]
            print(f"memory over a {minutes}-minute simulated flight at {MIX_HZ:.0f} msg/s, tlog on: "
                  f"{recorded:,} frames recorded in {wall_s:.1f} s of wall time; RSS after minute "
                  f"{early}: {first:.1f} MB, after minute {len(samples)}: {samples[-1]:.1f} MB, "
                  f"largest {max(samples):.1f} MB (growth {samples[-1] - first:+.1f} MB)")
        with contextlib.suppress(OSError):
            stream_path.unlink()
    return 0
