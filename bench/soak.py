"""``python -m bench soak``: the whole station for a long run with every consumer on; is anything growing?

Runs, in this process, the real ground station (``gcs.app.run_station`` with configs/gcs.toml):
recorder, launch control, the console, and the MQTT bridge to a real Mosquitto (``tests.support.
mosquitto``; left out, and said so, where Mosquitto is not installed). It is fed by the real
``firmware-sim vehicle`` (a bare flight computer, ``--telemetry-hz``) and the landing barge's NMEA
box, both as child processes on UDP loopback. Console clients come and go all the time: one stays
connected and reads the stream, and every ``--churn-s`` another logs in, opens the stream, reads a
few messages and leaves.

Every ``--sample-s`` it samples this process: resident memory (``/proc/self/status`` VmRSS), open
file descriptors (``/proc/self/fd``), asyncio tasks, the deepest hub subscription queue against its
bound, and the event-loop lag (how late a 50 ms timer fires: the latency every consumer pays).
It prints the first and last quarter's medians, their ratio and the slope per hour. Figures only:
nothing here asserts (the bounded test ``tests/integration/hardening/test_soak.py`` checks the
things that are not timing).

    python -m bench soak [--minutes 20] [--telemetry-hz 50] [--sample-s 5] [--churn-s 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO, cast

import aiohttp

from gcs.app import run_station
from gcs.bridge.values import BridgeStats
from gcs.clock import WallClock
from gcs.hub import Hub
from gcs.links.values import VehicleHeartbeat
from gcs.tasks import background
from tests.support.console_station import (
    USERS,
    ConsoleUser,
    StationLines,
    free_udp_port,
    login,
    station_config,
    write_users_file,
)
from tests.support.mosquitto import MosquittoBroker, MosquittoError, running_mosquitto

REPO = Path(__file__).resolve().parent.parent
LAG_PROBE_S = 0.05
MESSAGES_PER_VISIT = 5
START_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class Sample:
    """One look at this process while the station runs."""

    elapsed_s: float
    rss_kib: int
    open_fds: int
    tasks: int
    deepest_queue: int
    """The longest hub subscription queue at that moment."""
    queue_bound: int
    """That subscription's maxsize (a queue can never hold more: the oldest is dropped)."""
    loop_lag_s: float


@dataclass(slots=True)
class SoakResult:
    samples: list[Sample] = field(default_factory=list)
    baseline_fds: int = 0
    """Open fds once the station ran, before any console client came."""
    final_fds: int = 0
    """Open fds after every console client left (the station still running)."""
    visits: int = 0
    stream_messages: int = 0
    mqtt: bool = False
    queue_overflows: int = 0
    """Samples where a hub queue held more than its bound (must stay 0)."""


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def deepest_queue(hub: Hub) -> tuple[int, int]:
    """(pending, maxsize) of the fullest subscription."""
    subs = hub.subscriptions()
    if not subs:
        return 0, 0
    fullest = max(subs, key=lambda sub: sub.pending())
    return fullest.pending(), fullest.maxsize


async def _child(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "firmware_sim", *args,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, cwd=REPO,
    )  # fmt: skip


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


@contextlib.asynccontextmanager
async def _broker() -> AsyncIterator[MosquittoBroker | None]:
    try:
        async with running_mosquitto() as broker:
            yield broker
    except MosquittoError as exc:
        print(f"MQTT left out: {exc}")
        yield None


async def _until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"soak: no {what} within {timeout_s} s")
        await asyncio.sleep(0.05)


async def soak(
    work_dir: Path,
    *,
    duration_s: float,
    telemetry_hz: float = 50.0,
    sample_s: float = 5.0,
    churn_s: float = 2.0,
    on_sample: Callable[[Sample], None] | None = None,
) -> SoakResult:
    """Run the station for ``duration_s`` with every consumer on; return what was sampled."""
    result = SoakResult()
    user = next(iter(USERS.values()))
    users_file = write_users_file(work_dir / "console-users.json")
    vehicle_port, platform_port = free_udp_port(), free_udp_port()
    hub = Hub()
    out = StationLines()
    stop = asyncio.Event()
    started: asyncio.Future[Path] = asyncio.get_running_loop().create_future()
    processes: list[asyncio.subprocess.Process] = []
    async with _broker() as broker:
        config = station_config(work_dir, users_file, vehicle_port, platform_port)
        if broker is not None:
            result.mqtt = True
            mqtt = dataclasses.replace(config.mqtt, enabled=True, url=broker.url)
            config = dataclasses.replace(config, mqtt=mqtt)
        try:
            async with background() as jobs:

                async def run() -> None:
                    await run_station(config, clock=WallClock(), stop=stop, hub=hub, status_every_s=3600.0,
                                      out=cast(TextIO, out), on_started=started.set_result)  # fmt: skip

                station = jobs.start("soak station", run())
                try:
                    await asyncio.wait_for(asyncio.shield(started), START_TIMEOUT_S)
                    processes.append(await _child(
                        "vehicle", "--connect", f"udpout:127.0.0.1:{vehicle_port}",
                        "--telemetry-hz", str(telemetry_hz)))  # fmt: skip
                    processes.append(await _child(
                        "platform", "--config", str(REPO / "configs" / "platforms" / "landing-barge.toml"),
                        "--nmea", f"udpout:127.0.0.1:{platform_port}"))  # fmt: skip
                    await _until(lambda: hub.latest(VehicleHeartbeat, 1) is not None, START_TIMEOUT_S,
                                 "vehicle heartbeat")  # fmt: skip
                    if result.mqtt:
                        # The bridge's socket is part of the steady state: a baseline taken while it
                        # still connects is one fd short (seen in CI once the simulators started faster).
                        await _until(lambda: _bridge_connected(hub), START_TIMEOUT_S, "MQTT bridge connected")
                    url = out.url()
                    assert url is not None, out.lines
                    result.baseline_fds = open_fds()
                    await _run_consumers(url, user, hub, result, duration_s, sample_s, churn_s, on_sample)
                    # Every console client has gone: its sockets must be closed on both sides.
                    with contextlib.suppress(TimeoutError):
                        await _until(lambda: open_fds() <= result.baseline_fds, 5.0, "fds back to baseline")
                    result.final_fds = open_fds()
                finally:
                    stop.set()
                    if not started.done():
                        started.cancel()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(asyncio.shield(station), 30)
        finally:
            for process in processes:
                await _stop(process)
    return result


def _bridge_connected(hub: Hub) -> bool:
    stats = hub.latest(BridgeStats)
    return stats is not None and stats.connected


async def _run_consumers(
    url: str,
    user: ConsoleUser,
    hub: Hub,
    result: SoakResult,
    duration_s: float,
    sample_s: float,
    churn_s: float,
    on_sample: Callable[[Sample], None] | None,
) -> None:
    start = time.monotonic()
    done = asyncio.Event()

    async def stay(session: aiohttp.ClientSession) -> None:
        headers = await login(session, url, user)
        async with session.ws_connect(f"{url}/api/v1/stream", headers=headers) as ws:
            while not done.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        await ws.receive()
                        result.stream_messages += 1

    async def churn(session: aiohttp.ClientSession) -> None:
        while not done.is_set():
            headers = await login(session, url, user)
            async with session.ws_connect(f"{url}/api/v1/stream", headers=headers) as ws:
                for _ in range(MESSAGES_PER_VISIT):
                    await ws.receive()
                    result.stream_messages += 1
            result.visits += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), churn_s)

    async def sample() -> None:
        while not done.is_set():
            before = time.monotonic()
            await asyncio.sleep(LAG_PROBE_S)
            lag_s = time.monotonic() - before - LAG_PROBE_S
            depth, bound = deepest_queue(hub)
            if depth > bound:
                result.queue_overflows += 1
            taken = Sample(time.monotonic() - start, rss_kib(), open_fds(), len(asyncio.all_tasks()),
                           depth, bound, lag_s)  # fmt: skip
            result.samples.append(taken)
            if on_sample is not None:
                on_sample(taken)
            if taken.elapsed_s >= duration_s:
                done.set()
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), max(0.0, sample_s - LAG_PROBE_S))

    async with (
        aiohttp.ClientSession() as session,
        background(
            ("soak: staying client", stay(session)),
            ("soak: churning clients", churn(session)),
            ("soak: sampler", sample()),
        ),
    ):
        await done.wait()


def _quarters(values: list[float]) -> tuple[float, float]:
    quarter = max(1, len(values) // 4)
    return statistics.median(values[:quarter]), statistics.median(values[-quarter:])


def _slope_per_hour(times_s: list[float], values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    return statistics.linear_regression(times_s, values).slope * 3600.0


def report(result: SoakResult) -> list[str]:
    samples = result.samples
    times = [s.elapsed_s for s in samples]
    lines = [
        f"soak: {times[-1] / 60:.1f} min, {len(samples)} samples, MQTT {'on' if result.mqtt else 'off'}, "
        f"{result.visits} console visits, {result.stream_messages} stream messages read",
    ]
    series: list[tuple[str, list[float], str]] = [
        ("RSS", [s.rss_kib / 1024 for s in samples], "MiB"),
        ("open fds", [float(s.open_fds) for s in samples], ""),
        ("asyncio tasks", [float(s.tasks) for s in samples], ""),
        ("deepest hub queue", [float(s.deepest_queue) for s in samples], ""),
        ("event-loop lag", [s.loop_lag_s * 1000 for s in samples], "ms"),
    ]
    for name, values, unit in series:
        first, last = _quarters(values)
        ratio = f"{last / first:.3f}" if first else "n/a"
        lines.append(
            f"  {name:18s} first quarter {first:9.2f} {unit:3s} last quarter {last:9.2f} {unit:3s} "
            f"ratio {ratio:>6s}  slope {_slope_per_hour(times, values):+9.2f} {unit}/h  max {max(values):.2f}"
        )
    bound = max(s.queue_bound for s in samples)
    lines.append(
        f"  hub queues: deepest {max(s.deepest_queue for s in samples)} of bound {bound}, "
        f"overflows {result.queue_overflows}; fds baseline {result.baseline_fds}, "
        f"after the clients left {result.final_fds}"
    )
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench soak", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--telemetry-hz", type=float, default=50.0)
    parser.add_argument("--sample-s", type=float, default=5.0)
    parser.add_argument("--churn-s", type=float, default=2.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="soak-") as work:
        result = asyncio.run(
            soak(
                Path(work),
                duration_s=args.minutes * 60,
                telemetry_hz=args.telemetry_hz,
                sample_s=args.sample_s,
                churn_s=args.churn_s,
            )
        )
    for line in report(result):
        print(line)
    return 0
