"""Operator console benchmark: latency from a telemetry frame leaving the vehicle to its value in the browser.

``python -m bench console [--browsers N] [--duration-s S] [--warmup-s S] [--factors 1,10]
[--telemetry-hz HZ] [--max-update-hz HZ] [--poll-ms MS] [--no-platform] [--no-probe]
[--browser-nice N]``

Three processes of its own and one browser, as in the control room:

- a real ground station (``gcs.app.run_station``, the config of ``tests/support/console_station.py``:
  configs/gcs.toml with launch control, the recorder in a temporary folder, the console on a free
  loopback port, a user file with one viewer per browser) in a process of its own
  (``python -m bench console --station ...``);
- the vehicle (``--sender PORT``): the bare flight computer of ``firmware-sim vehicle`` on the pad,
  its telemetry built by the simulator's own ``vehicle_telemetry`` builders at the simulator's
  default rates (``default_rates_hz(--telemetry-hz)``: position, attitude, IMU and SYSTEM_TIME at
  10 Hz, nine ENGINE_STATUS at 2 Hz, ... about 70 frames/s), encoded by ``gcs.protocol``'s codec
  and sent one datagram per frame over UDP loopback, polled every ``--poll-ms`` as the simulator's
  endpoint does. It records the wall time (``time.time()``) just before each GLOBAL_POSITION_INT
  leaves it, keyed by that frame's ``time_boot_ms`` (unique per frame), which the station passes
  unchanged into the console key ``vehicle/1/state``;
- the landing barge's sensor box (``firmware-sim platform``, NMEA over UDP) unless ``--no-platform``,
  so the station and the pages carry the deck data as in operation;
- ``--browsers`` pages of the console in Debian's Chromium (Playwright, headless, one context and one
  logged-in viewer each, 1920x1080). An init script wraps the page's WebSocket: when the page's own
  ``onmessage`` handler has returned (the message parsed, the value in the page's store and chart
  buffer), it stores ``performance.timeOrigin + performance.now()`` with every message that carries
  ``vehicle/1/state``. That clock is the wall clock; the offset against ``time.time()`` is measured
  over Playwright round trips and printed. Drawing is not included: the page redraws at most 5 times
  a second from its store (``FRAME_SLOT_MS`` of app.js). How busy each page's main thread
  was comes from Chromium (CDP ``Performance.getMetrics``);
- a probe (unless ``--no-probe``): one more viewer on the stream, a bare aiohttp WebSocket client in
  this process, timing the same values without a page: the station's share of the latency.

The CPU of each process (from /proc) and the load average are printed per run; ``--browser-nice``
lowers Chromium's priority once the pages are open, to see what the station gets when it comes first.

One run per ``--factors`` entry, every vehicle rate times the factor (1: nominal; 10: ten times
nominal), ``--warmup-s`` at the new rates first, then ``--duration-s`` measured. The console sends
each browser at most ``--max-update-hz`` updates a second and coalesces a key that changes again
before it is sent (by design), so at high rates only some positions reach the page: latency counts
the values that arrived; the others are reported as not shown. Nothing here asserts on speed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import math
import os
import re
import select
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gcs.sitl.children import stop_process

REPO = Path(__file__).resolve().parent.parent
STATE_KEY = "vehicle/1/state"
GOAL_MEDIAN_MS = 20.0
GOAL_P99_MS = 100.0
CHILD_LINE_LIMIT = 16 * 1024 * 1024
"""The sender reports a run as one JSON line (thousands of send times)."""

INIT_SCRIPT = """
(() => {
  const Native = window.WebSocket;
  const bench = { log: [], opens: 0 };
  window.__bench = bench;
  const now = () => performance.timeOrigin + performance.now();
  class BenchSocket extends Native {
    constructor(...args) {
      super(...args);
      bench.opens += 1;
    }
    get onmessage() {
      return super.onmessage;
    }
    set onmessage(handler) {
      if (typeof handler !== "function") {
        super.onmessage = handler;
        return;
      }
      super.onmessage = (ev) => {
        const delivered = now();
        handler.call(this, ev);
        const applied = now();
        if (typeof ev.data === "string" && ev.data.includes('"__KEY__"')) {
          bench.log.push([delivered, applied, ev.data]);
        }
      };
    }
  }
  window.WebSocket = BenchSocket;
})();
""".replace("__KEY__", STATE_KEY)

COLLECT_SCRIPT = """
(key) => {
  const bench = window.__bench;
  const out = [];
  for (const [delivered, applied, data] of bench.log) {
    try {
      const item = JSON.parse(data).values[key];
      const boot = item && item.v ? item.v.time_boot_ms : undefined;
      if (Number.isInteger(boot)) out.push([boot, delivered, applied]);
    } catch (err) {
      // Not a message with values: nothing to time.
    }
  }
  bench.log = [];
  return { arrivals: out, opens: bench.opens };
}
"""


# --- the vehicle: a sender process ----------------------------------------------------------------


def run_sender(port: int, telemetry_hz: float, poll_s: float) -> int:
    """Child process: stream the pad vehicle's telemetry to ``port``; time positions on request.

    Reads commands on stdin: ``run FACTOR WARMUP_S DURATION_S`` streams at FACTOR times the
    default rates, records every GLOBAL_POSITION_INT sent during the DURATION_S after WARMUP_S,
    prints them as one JSON line and goes back to nominal; ``quit`` (or end of input) stops.
    """
    from firmware_sim.firmware.computer import FlightComputer
    from firmware_sim.firmware.config import load_flight_software_config
    from firmware_sim.firmware.param_defs import PARAMETERS
    from firmware_sim.firmware.params import ParamStore
    from firmware_sim.io import vehicle_telemetry
    from firmware_sim.io.message_rates import MessageRates
    from firmware_sim.physics.config import load_platform_config
    from gcs.protocol.dialect import seaport
    from gcs.protocol.mavlink import MavlinkCodec

    configs = REPO / "configs"
    fs_config = load_flight_software_config(configs / "flight_software" / "cargo-p2p.toml")
    pad = FlightComputer(fs_config, ParamStore.from_specs(PARAMETERS), seed=1).telemetry()
    launch = load_platform_config(configs / "platforms" / "launch-platform.toml")
    context = vehicle_telemetry.TelemetryContext(
        sim_epoch_unix_s=time.time(), engine_count=fs_config.vehicle.engine_count,
        home_altitude_m=launch.position.deck_height_m)
    position_id = seaport.MAVLINK_MSG_ID_GLOBAL_POSITION_INT

    def rates(factor: float) -> MessageRates:
        nominal = vehicle_telemetry.default_rates_hz(telemetry_hz)
        return MessageRates({msg_id: hz * factor for msg_id, hz in nominal.items()})

    codec = MavlinkCodec(1, 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    schedule = rates(1.0)
    start = time.monotonic()
    last_boot_ms = -1
    window: tuple[float, float] | None = None  # monotonic start and end of the recording
    factor = 1.0
    sent: list[tuple[int, float]] = []
    frames = payload_bytes = unsent = 0
    print("ready", flush=True)
    while True:
        readable, _, _ = select.select([sys.stdin, sock], [], [], poll_s)
        if sock in readable:
            with contextlib.suppress(BlockingIOError, ConnectionRefusedError):
                while sock.recv(65536):  # the station's heartbeats and requests: nobody answers them
                    pass
        if sys.stdin in readable:
            words = sys.stdin.readline().split()
            if not words or words[0] == "quit":
                return 0
            factor, warmup_s, duration_s = float(words[1]), float(words[2]), float(words[3])
            schedule = rates(factor)
            begin = time.monotonic() + warmup_s
            window = (begin, begin + duration_s)
            sent, frames, payload_bytes, unsent = [], 0, 0, 0
        mono = time.monotonic()
        recording = window is not None and window[0] <= mono < window[1]
        snapshot = dataclasses.replace(pad, time_s=mono - start)
        for msg_id in schedule.due(mono - start):
            for msg in vehicle_telemetry.build(msg_id, snapshot, context):
                if msg_id == position_id:
                    # time_boot_ms names the frame in the page: never the same twice.
                    msg.time_boot_ms = max(int(msg.time_boot_ms), last_boot_ms + 1)
                    last_boot_ms = msg.time_boot_ms
                frame = codec.encode(msg)
                left_s = time.time()
                try:
                    sock.send(frame)
                except (BlockingIOError, ConnectionRefusedError):
                    unsent += recording
                    continue
                if recording:
                    frames += 1
                    payload_bytes += len(frame)
                    if msg_id == position_id:
                        sent.append((last_boot_ms, left_s))
        if window is not None and mono >= window[1]:
            print(json.dumps({"factor": factor, "duration_s": window[1] - window[0], "frames": frames,
                              "bytes": payload_bytes, "unsent": unsent, "positions": sent}), flush=True)
            window = None
            schedule = rates(1.0)


# --- the ground station: a process of its own -------------------------------------------------------


async def run_station_process(vehicle_port: int, platform_port: int | None, users_file: Path,
                              out_dir: Path, max_update_hz: float) -> int:
    """Child process: the ground station with its console until SIGTERM or SIGINT."""
    from gcs.app import run_station
    from gcs.clock import WallClock
    from tests.support.console_station import station_config

    config = station_config(out_dir, users_file, vehicle_port, platform_port, max_update_hz=max_update_hz)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # The benchmark holds our stdin: if it dies without stopping us, its end stops us too.
    loop.add_reader(sys.stdin.fileno(), lambda: None if os.read(sys.stdin.fileno(), 4096) else stop.set())
    await run_station(config, clock=WallClock(), stop=stop, status_every_s=3600.0)
    return 0


# --- child processes --------------------------------------------------------------------------------


@dataclass
class Child:
    name: str
    process: asyncio.subprocess.Process
    stderr_path: Path

    async def line(self, timeout_s: float) -> str:
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), timeout_s)
        if not raw:
            raise RuntimeError(f"{self.name} stopped: {self.stderr_tail()}")
        return raw.decode().rstrip("\n")

    async def line_matching(self, pattern: str, timeout_s: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout_s
        while True:
            text = await self.line(max(0.1, deadline - time.monotonic()))
            if match := re.search(pattern, text):
                return match

    async def send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode() + b"\n")
        await self.process.stdin.drain()

    def stderr_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.stderr_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@contextlib.asynccontextmanager
async def child(name: str, args: Sequence[str], folder: Path) -> AsyncIterator[Child]:
    """A child process in its own session (Ctrl-C reaches only us; we stop it, in order)."""
    stderr_path = folder / f"{name}.stderr"
    with stderr_path.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            *args, cwd=REPO, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=stderr,
            env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True, limit=CHILD_LINE_LIMIT)
    try:
        yield Child(name, process, stderr_path)
    finally:
        await stop_process(process, grace_s=15.0)


# --- CPU of the processes involved ---------------------------------------------------------------


def _proc_stat(pid: int) -> tuple[int, str, float] | None:
    """(parent pid, command name, user + system CPU seconds) of a process, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1:text.rindex(")")]
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), name, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _our_processes(groups: dict[str, int]) -> list[tuple[int, str, float]]:
    """(pid, group, CPU seconds so far) of this process and its descendants: each named child
    process, "Chromium" (every chromium process under us), "bench + Playwright" (the rest)."""
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _proc_stat(int(entry))) is not None:
            stats[int(entry)] = stat
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    owner = {pid: name for name, pid in groups.items()}
    out = []
    stack = [(os.getpid(), "bench + Playwright")]
    while stack:
        pid, group = stack.pop()
        if pid not in stats:
            continue
        _, name, cpu_s = stats[pid]
        group = owner.get(pid, "Chromium" if "chrom" in name.lower() else group)
        out.append((pid, group, cpu_s))
        stack.extend((kid, group) for kid in children.get(pid, []))
    return out


def udp_drops(port: int) -> int:
    """Datagrams the kernel dropped for the sockets bound to loopback ``port`` (receive buffer full),
    from the last column of /proc/net/udp."""
    drops = 0
    for line in Path("/proc/net/udp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == f"0100007F:{port:04X}":
            drops += int(fields[-1])
    return drops


def machine_busy_s() -> float:
    """CPU seconds the whole machine has spent busy so far, every core (first line of /proc/stat)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait; then irq and softirq; steal is the hypervisor's
    return (sum(fields[:7]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_by_group(groups: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far by group (see ``_our_processes``), and "machine" (``machine_busy_s``)."""
    totals = dict.fromkeys([*groups, "Chromium", "bench + Playwright"], 0.0)
    for _, group, cpu_s in _our_processes(groups):
        totals[group] += cpu_s
    totals["machine"] = machine_busy_s()
    return totals


def renice_chromium(nice: int) -> int:
    """Lower every thread of our Chromium processes to ``nice`` (Linux nice is per thread); how many."""
    threads = 0
    for pid, group, _ in _our_processes({}):
        if group != "Chromium":
            continue
        with contextlib.suppress(OSError):  # a process or thread that just ended
            for tid in os.listdir(f"/proc/{pid}/task"):
                os.setpriority(os.PRIO_PROCESS, int(tid), nice)
                threads += 1
    return threads


# --- the pages -----------------------------------------------------------------------------------------


async def clock_offset_ms(page: Any, samples: int = 15) -> tuple[float, float]:
    """The page's ``performance.timeOrigin + performance.now()`` minus ``time.time()``, from the
    Playwright round trip with the shortest time; (offset ms, half that round trip ms)."""
    best: tuple[float, float] | None = None
    for _ in range(samples):
        before = time.time()
        page_ms = await page.evaluate("performance.timeOrigin + performance.now()")
        after = time.time()
        offset_ms = page_ms - (before + after) / 2 * 1000
        half_ms = (after - before) / 2 * 1000
        if best is None or half_ms < best[1]:
            best = (offset_ms, half_ms)
    assert best is not None
    return best


async def console_counts(page: Any, base_url: str) -> dict[str, float]:
    """The station's own counts (``gcs/console``, ``vehicle/1/link``) through the page's session."""
    response = await page.request.get(f"{base_url}/api/v1/state")
    values = (await response.json()).get("values", {})
    console = values.get("gcs/console", {}).get("v", {})
    link = values.get("vehicle/1/link", {}).get("v", {})
    return {"coalesced": float(console.get("updates_coalesced", 0)),
            "closed_slow": float(console.get("clients_closed_slow", 0)),
            "frames_lost": float(link.get("frames_lost", 0))}


class Probe:
    """A bare WebSocket client of the stream in this process, no page: how late each value leaves the
    station (plus the loopback and this process's own wake-up), to tell the station's share from
    the browsers'."""

    def __init__(self) -> None:
        self.log: list[tuple[float, str]] = []

    async def run(self, base_url: str, user: Any) -> None:
        import aiohttp

        from tests.support.console_station import login

        async with aiohttp.ClientSession() as http:
            headers = await login(http, base_url, user)
            async with http.ws_connect(f"{base_url}/api/v1/stream", headers=headers, max_msg_size=0) as ws:
                async for message in ws:
                    at_s = time.time()
                    if message.type is aiohttp.WSMsgType.TEXT and STATE_KEY in message.data:
                        self.log.append((at_s, message.data))

    def take(self) -> list[tuple[int, float]]:
        """(time_boot_ms, arrival ms) of the positions received since the last call."""
        log, self.log = self.log, []
        out = []
        for at_s, data in log:
            item = json.loads(data).get("values", {}).get(STATE_KEY) or {}
            boot_ms = (item.get("v") or {}).get("time_boot_ms")
            if isinstance(boot_ms, int):
                out.append((boot_ms, at_s * 1000))
        return out


MAIN_THREAD_METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")
"""Chromium's seconds of the page's main thread so far (CDP ``Performance.getMetrics``)."""


async def main_thread_s(sessions: list[Any]) -> list[dict[str, float]]:
    out = []
    for cdp in sessions:
        metrics = (await cdp.send("Performance.getMetrics"))["metrics"]
        out.append({m["name"]: float(m["value"]) for m in metrics if m["name"] in MAIN_THREAD_METRICS})
    return out


# --- one run -------------------------------------------------------------------------------------------


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted values (NaN for none)."""
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


@dataclass(frozen=True, slots=True)
class PageResult:
    received: int
    latencies_ms: list[float]
    """Frame left the vehicle -> value in the page's store, sorted."""
    handler_ms: list[float]
    """The page's own handler (parse, store, charts) for those messages."""
    opens: int


@dataclass(frozen=True, slots=True)
class RunResult:
    factor: float
    duration_s: float
    frames: int
    frame_bytes: int
    positions: int
    unsent: int
    pages: list[PageResult]
    probe: PageResult | None
    counts_before: dict[str, float]
    counts_after: dict[str, float]
    cpu_s: dict[str, float]
    main_thread_s: dict[str, float]
    """Per page on average: seconds of its main thread by kind during the run."""
    wall_s: float
    load: tuple[float, float]


@dataclass(frozen=True, slots=True)
class Audience:
    """Who watches the stream: the pages, a CDP session on each, and the probe (if any)."""

    pages: list[Any]
    sessions: list[Any]
    probe: Probe | None


async def measure(args: argparse.Namespace, factor: float, sender: Child, audience: Audience,
                  base_url: str, groups: dict[str, int], vehicle_port: int) -> RunResult:
    pages, sessions, probe = audience.pages, audience.sessions, audience.probe
    for page in pages:
        await page.evaluate(COLLECT_SCRIPT, STATE_KEY)  # forget what came before this run
    if probe is not None:
        probe.take()
    await sender.send(f"run {factor} {args.warmup_s} {args.duration_s}")
    await asyncio.sleep(args.warmup_s)
    load_before = os.getloadavg()[0]
    counts_before = await console_counts(pages[0], base_url)
    counts_before["kernel_drops"] = udp_drops(vehicle_port)
    threads_before = await main_thread_s(sessions)
    cpu_before, wall_before = cpu_by_group(groups), time.monotonic()
    report = json.loads(await sender.line(args.duration_s + 60))
    cpu_after, wall_after = cpu_by_group(groups), time.monotonic()
    threads_after = await main_thread_s(sessions)
    load_after = os.getloadavg()[0]
    await asyncio.sleep(args.tail_s)  # the last positions on their way to the pages
    counts_after = await console_counts(pages[0], base_url)
    counts_after["kernel_drops"] = udp_drops(vehicle_port)
    left = {int(boot_ms): float(t_s) for boot_ms, t_s in report["positions"]}
    results = []
    for page in pages:
        collected = await page.evaluate(COLLECT_SCRIPT, STATE_KEY)
        arrivals = [(int(boot_ms), float(applied_ms), float(applied_ms) - float(delivered_ms))
                    for boot_ms, delivered_ms, applied_ms in collected["arrivals"]]
        results.append(_timed(arrivals, left, int(collected["opens"])))
    probed = None
    if probe is not None:
        probed = _timed([(boot_ms, at_ms, 0.0) for boot_ms, at_ms in probe.take()], left, 1)
    return RunResult(
        factor=factor, duration_s=float(report["duration_s"]), frames=int(report["frames"]),
        frame_bytes=int(report["bytes"]), positions=len(left), unsent=int(report["unsent"]), pages=results,
        probe=probed, counts_before=counts_before,
        counts_after=counts_after,
        cpu_s={name: cpu_after[name] - cpu_before.get(name, 0.0) for name in cpu_after},
        main_thread_s={name: statistics.fmean(a.get(name, 0.0) - b.get(name, 0.0)
                                              for a, b in zip(threads_after, threads_before, strict=True))
                       for name in MAIN_THREAD_METRICS},
        wall_s=wall_after - wall_before, load=(load_before, load_after))


def _timed(arrivals: list[tuple[int, float, float]], left: dict[int, float], opens: int) -> PageResult:
    """Latencies of the positions of this run: (time_boot_ms, arrival ms, handler ms) against the
    time each left the vehicle; a value seen twice (a reconnection's snapshot) counts once."""
    seen: set[int] = set()
    latencies, handler = [], []
    for boot_ms, arrived_ms, handler_ms in arrivals:
        if boot_ms in left and boot_ms not in seen:
            seen.add(boot_ms)
            latencies.append(arrived_ms - left[boot_ms] * 1000)
            handler.append(handler_ms)
    return PageResult(len(seen), sorted(latencies), sorted(handler), opens)


def print_run(args: argparse.Namespace, run: RunResult) -> None:
    nominal = "nominal rates" if run.factor == 1 else f"{run.factor:g}x nominal rates"
    position_hz = args.telemetry_hz * run.factor
    print(f"\n{nominal}: GLOBAL_POSITION_INT {position_hz:g} Hz, {run.duration_s:.0f} s measured")
    unsent = f", {run.unsent:,} refused by the socket" if run.unsent else ""
    print(f"  sent: {run.frames:,} frames ({run.frames / run.duration_s:,.0f}/s, "
          f"{run.frame_bytes / run.duration_s / 1000:,.1f} kB/s), {run.positions:,} positions{unsent}")
    lost = run.counts_after["frames_lost"] - run.counts_before["frames_lost"]
    coalesced = run.counts_after["coalesced"] - run.counts_before["coalesced"]
    dropped = run.counts_after["kernel_drops"] - run.counts_before["kernel_drops"]
    print(f"  station: {lost:,.0f} frames lost on the link ({dropped:,.0f} dropped by the kernel, the "
          f"socket's receive buffer full); the console coalesced {coalesced:,.0f} updates (all keys, all "
          "browsers; its counters, to ~1 s)")
    print("  not shown: replaced by a newer position before the console's next update to that page, or lost")
    print("  browser  shown  not shown   median    p90     p99     max   (ms, frame left -> value in page)")
    pooled: list[float] = []
    for i, page in enumerate(run.pages, 1):
        pooled.extend(page.latencies_ms)
        _print_row(f"{i:7d}", page, run.positions)
    if run.probe is not None:
        _print_row("  probe", run.probe, run.positions)
    pooled.sort()
    median, p90, p99 = percentile(pooled, 0.5), percentile(pooled, 0.9), percentile(pooled, 0.99)
    print(f"      all  {len(pooled):5,d}  {len(run.pages) * run.positions - len(pooled):5,d}      "
          f"  {_ms(median)} {_ms(p90)} {_ms(p99)} {_ms(pooled[-1] if pooled else math.nan)}")
    handler = sorted(h for page in run.pages for h in page.handler_ms)
    print(f"  of which the page's own handler (parse, store, charts): "
          f"median {percentile(handler, 0.5):.2f} ms, p99 {percentile(handler, 0.99):.2f} ms")
    if run.probe is not None:
        print("  probe: a bare WebSocket client in the benchmark's process (no page); "
              "not in 'all' nor in the goal")
    closed = run.counts_after["closed_slow"] - run.counts_before["closed_slow"]
    if closed:
        print(f"  browsers closed as too slow: {closed:.0f}")
    busy = {name: 100 * s / run.wall_s for name, s in run.main_thread_s.items()}
    other = busy["TaskDuration"] - sum(busy[k] for k in MAIN_THREAD_METRICS[1:])
    print(f"  each page's main thread busy {busy['TaskDuration']:.0f} % of the time (script "
          f"{busy['ScriptDuration']:.0f} %, layout {busy['LayoutDuration']:.0f} %, style "
          f"{busy['RecalcStyleDuration']:.0f} %, other, paint included, {other:.0f} %; mean of the pages)")
    ours = {name: 100 * s / run.wall_s for name, s in run.cpu_s.items() if name != "machine"}
    total, machine = sum(ours.values()), 100 * run.cpu_s["machine"] / run.wall_s
    print(f"  CPU (% of one core): {', '.join(f'{name} {pct:.0f} %' for name, pct in ours.items())}; "
          f"total {total:.0f} %; the machine {machine:.0f} % of {100 * (os.cpu_count() or 1)} %, "
          f"so {max(0.0, machine - total):.0f} % for other processes")
    print(f"  load average (1 min): {run.load[0]:.2f} at the start, {run.load[1]:.2f} at the end")
    met = median < GOAL_MEDIAN_MS and p99 < GOAL_P99_MS
    print(f"  goal (median < {GOAL_MEDIAN_MS:g} ms, p99 < {GOAL_P99_MS:g} ms, {len(run.pages)} browsers): "
          f"{'met' if met else 'NOT met'} (median {median:.1f} ms, p99 {p99:.1f} ms)")


def _print_row(label: str, page: PageResult, positions: int) -> None:
    lat = page.latencies_ms
    missing = positions - page.received
    reconnects = f"  ({page.opens - 1} reconnections)" if page.opens > 1 else ""
    print(f"  {label}  {page.received:5,d}  {missing:5,d} {missing / max(1, positions):4.0%}"
          f"  {_ms(percentile(lat, 0.5))} {_ms(percentile(lat, 0.9))} {_ms(percentile(lat, 0.99))}"
          f" {_ms(lat[-1] if lat else math.nan)}{reconnects}")


def _ms(value: float) -> str:
    return f"{value:6.1f} " if math.isfinite(value) else "     - "


# --- the whole benchmark ---------------------------------------------------------------------------------


async def run_bench(args: argparse.Namespace) -> int:
    """The benchmark; Ctrl-C stops it (browsers, sender and station too) and answers 130."""
    main_task = asyncio.current_task()
    assert main_task is not None
    interrupted = False

    def interrupt() -> None:
        nonlocal interrupted
        if not interrupted:  # a second Ctrl-C must not cut the clean-up short
            interrupted = True
            main_task.cancel()
            # Playwright's own futures fail when its driver goes; nobody waits for them any more.
            asyncio.get_running_loop().set_exception_handler(lambda loop, context: None)

    # Ctrl-C also reaches Playwright's driver, which closes the browser: whatever fails next is that.
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, interrupt)
    try:
        return await _bench(args)
    except (asyncio.CancelledError, Exception):
        if not interrupted:
            raise
    print("\ninterrupted: browsers, vehicle sender and station stopped", file=sys.stderr)
    return 130


async def _bench(args: argparse.Namespace) -> int:
    from playwright.async_api import async_playwright

    from gcs.domain.roles import Role
    from tests.console.pages import log_in
    from tests.support.console_station import (
        CHROMIUM,
        CHROMIUM_ARGS,
        ConsoleUser,
        free_udp_port,
        password_for,
        write_users_file,
    )

    factors = [float(f) for f in args.factors.split(",")]
    users = {f"viewer{i}": ConsoleUser(f"viewer{i}", password_for(f"viewer{i}"), frozenset({Role.VIEWER}))
             for i in range(1, args.browsers + 1)}
    probe_user = ConsoleUser("probe", password_for("probe"), frozenset({Role.VIEWER}))
    with tempfile.TemporaryDirectory(prefix="bench-console-") as tmp:
        folder = Path(tmp)
        users_file = write_users_file(folder / "console-users.json", {**users, "probe": probe_user})
        vehicle_port = free_udp_port()
        platform_port = None if args.no_platform else free_udp_port()
        station_args = [sys.executable, "-m", "bench", "console", "--station", str(vehicle_port),
                        str(platform_port or 0), str(users_file), str(folder), str(args.max_update_hz)]
        async with contextlib.AsyncExitStack() as stack:
            station = await stack.enter_async_context(child("station", station_args, folder))
            base_url = (await station.line_matching(r"console on (http\S+?)/?$", 60)).group(1)
            await station.line_matching(r"gcs: running", 60)
            groups = {"station": station.process.pid}
            if platform_port is not None:
                platform = await stack.enter_async_context(child("platform", [
                    sys.executable, "-m", "firmware_sim", "platform", "--config",
                    str(REPO / "configs" / "platforms" / "landing-barge.toml"),
                    "--nmea", f"udpout:127.0.0.1:{platform_port}"], folder))
                groups["barge"] = platform.process.pid
            sender = await stack.enter_async_context(child("sender", [
                sys.executable, "-m", "bench", "console", "--sender", str(vehicle_port),
                "--telemetry-hz", str(args.telemetry_hz), "--poll-ms", str(args.poll_ms)], folder))
            await sender.line_matching(r"^ready$", 60)
            groups["vehicle sender"] = sender.process.pid
            playwright = await stack.enter_async_context(async_playwright())
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                       headless=True)
            stack.push_async_callback(_close_quietly, browser)
            pages, sessions = [], []
            for user in users.values():
                context = await browser.new_context(viewport={"width": 1920, "height": 1080})
                await context.add_init_script(INIT_SCRIPT)
                page = await context.new_page()
                cdp = await context.new_cdp_session(page)
                await cdp.send("Performance.enable")
                sessions.append(cdp)
                await page.goto(base_url)
                await log_in(page, user)
                pages.append(page)
            reniced = renice_chromium(args.browser_nice) if args.browser_nice else 0
            probe = None
            if not args.no_probe:
                probe = Probe()
                probing = asyncio.create_task(probe.run(base_url, probe_user), name="bench-console.probe")
                stack.callback(probing.cancel)
            offsets = [await clock_offset_ms(page) for page in pages]
            _print_setup(args, base_url, factors, offsets, browser.version, reniced)
            audience = Audience(pages, sessions, probe)
            for factor in factors:
                print_run(args, await measure(args, factor, sender, audience, base_url, groups, vehicle_port))
            await sender.send("quit")
    return 0


def _print_setup(args: argparse.Namespace, base_url: str, factors: list[float],
                 offsets: list[tuple[float, float]], chromium_version: str, reniced: int) -> None:
    runs = ", ".join(f"{f:g}x" for f in factors)
    print(f"console latency on {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print(f"  station: run_station, console on {base_url}, max_update_hz {args.max_update_hz:g}, "
          f"launch control on{'' if args.no_platform else ', landing barge NMEA feed'}")
    print(f"  vehicle: pad telemetry over UDP loopback, --telemetry-hz {args.telemetry_hz:g} at nominal, "
          f"poll {args.poll_ms:g} ms")
    print(f"  browsers: {args.browsers} logged-in console pages, "
          f"Chromium {chromium_version}, headless, 1920x1080"
          f"{'' if args.no_probe else '; and a probe: a bare WebSocket client of the stream'}")
    if reniced:
        print(f"  Chromium at nice {args.browser_nice} ({reniced} threads), the rest at nice {os.nice(0)}")
    print(f"  runs: {runs} nominal rates, {args.warmup_s:g} s warm-up + {args.duration_s:g} s measured each")
    print(f"  page clock - time.time(): {', '.join(f'{o:+.2f}' for o, _ in offsets)} ms "
          f"(+-{max(h for _, h in offsets):.2f} ms; not corrected)")


async def _close_quietly(browser: Any) -> None:
    with contextlib.suppress(Exception):
        await browser.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench console", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--browsers", type=int, default=5, help="logged-in console pages (default 5)")
    parser.add_argument("--duration-s", type=float, default=25.0, help="measured seconds per run")
    parser.add_argument("--warmup-s", type=float, default=3.0,
                        help="seconds at a run's rates before measuring")
    parser.add_argument("--tail-s", type=float, default=1.0, help="wait for the last values after a run")
    parser.add_argument("--factors", default="1,10", help="runs: vehicle rates times these (default 1,10)")
    parser.add_argument("--telemetry-hz", type=float, default=10.0,
                        help="the vehicle's fast streams at nominal (firmware-sim --telemetry-hz)")
    parser.add_argument("--max-update-hz", type=float, default=60.0,
                        help="[console] max_update_hz (default 60, as the station's)")
    parser.add_argument("--poll-ms", type=float, default=5.0, help="the vehicle's send loop period")
    parser.add_argument("--no-platform", action="store_true", help="no landing-barge sensor box")
    parser.add_argument("--browser-nice", type=int, default=0,
                        help="lower Chromium's priority to this nice value once the pages are open")
    parser.add_argument("--no-probe", action="store_true",
                        help="no bare WebSocket client beside the pages (it tells the station's share)")
    parser.add_argument("--sender", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--station", nargs=5, metavar="ARG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sender is not None:
        try:
            return run_sender(args.sender, args.telemetry_hz, args.poll_ms / 1000)
        except KeyboardInterrupt:
            return 130
    if args.station is not None:
        vehicle, platform, users_file, out_dir, max_update_hz = args.station
        return asyncio.run(run_station_process(int(vehicle), int(platform) or None, Path(users_file),
                                               Path(out_dir), float(max_update_hz)))
    return asyncio.run(run_bench(args))
