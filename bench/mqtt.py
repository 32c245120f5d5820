"""MQTT bridge benchmark: publish rate, added latency to a subscriber, and what it costs the ingest path.

``python -m bench mqtt [--events N] [--samples N] [--latency-hz HZ] [--latency-s S] [--frames N]
[--rounds R] [--seed S]``

Runs against a private Mosquitto started on a free loopback port by ``tests/support/mosquitto.py``
(``/usr/sbin/mosquitto`` must be installed: ``make system-deps``; run from the repository root), with
a subscriber in a process of its own (``python -m bench mqtt --subscriber ...``), as a dashboard
elsewhere would be. In one run:

1. sustained publish rate: N events (QoS 1, acknowledged) and N stream samples (QoS 0, no rate
   limit) through hub -> bridge -> broker -> subscriber, the producer keeping at most a window of
   values queued so nothing is dropped; rates as the bridge saw them (acknowledged / written) and
   as the subscriber received them;
2. added latency: events and samples at ``--latency-hz`` each for ``--latency-s`` seconds, each
   carrying the wall time it was put on the hub; the subscriber's receive time minus that, median
   and p99;
3. the ingest rate of the ground station's real vehicle link (``FlightComputerLink`` decoding the
   codec benchmark's mixed stream, ``--frames`` per run, publishing every message on the hub) with
   the bridge off; on with the shipped routes and default rates (streams 10 Hz per topic, states
   1 Hz); on without the event routes; and on with no stream rate limit (every message of every
   topic offered to the broker). Each round runs every mode once, in rotating order, after a
   warm-up; each mode is compared with the "off" run of its own round and the median over
   ``--rounds`` is reported, since on a shared machine the same run varies by +-20 % from one
   second to the next. The goal is a bridge that costs the ingest path less than 10 %.
4. the CPU of the whole process with the same stream replayed at flight pace (187 frames/s, in
   datagram-sized reads), bridge off and on.

The flat-out replay of part 3 compresses minutes of flight into each second: the bridge's stream
and state limits run on the wall clock, so those cost what they cost in flight, but events (a
STATUSTEXT every two seconds of flight) arrive hundreds of times as often as in flight and each is
published; the run without event routes separates the two. Part 4 is the cost in flight. Nothing
here asserts on speed; it prints figures and ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import statistics
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiomqtt
import orjson

from bench.codec import build_traffic, chunked, encode_stream
from gcs.bridge.catalog import standard_routes
from gcs.bridge.mqtt import MqttBridge
from gcs.bridge.routes import Route, RouteTable, TopicClass
from gcs.bridge.settings import BridgeSettings
from gcs.clock import WallClock
from gcs.hub import Hub
from gcs.links.flight_computer import FlightComputerLink
from gcs.links.settings import LinkSettings
from gcs.protocol.mavlink import MavlinkCodec
from gcs.tasks import background
from tests.support.mosquitto import MosquittoBroker, running_mosquitto

PREFIX = "bench/v1/run"
EVENTS_TOPIC = f"{PREFIX}/bench/events"
SAMPLES_TOPIC = f"{PREFIX}/bench/samples"
WINDOW = 500
"""Values the throughput producer lets queue in the bridge: enough to keep it busy, never to drop."""
POLL_S = 0.002


@dataclass(frozen=True, slots=True)
class BenchEvent:
    n: int
    t_pub_unix_s: float


@dataclass(frozen=True, slots=True)
class BenchSample:
    n: int
    t_pub_unix_s: float
    roll_deg: float = 0.0


def bench_routes() -> RouteTable:
    return RouteTable([
        Route(BenchEvent, "bench/events", TopicClass.EVENT),
        Route(BenchSample, "bench/samples", TopicClass.STREAM),
    ])


def bridge_settings_for(broker: MosquittoBroker, **overrides: Any) -> BridgeSettings:
    values: dict[str, Any] = {"host": broker.host, "port": broker.port, "prefix": PREFIX,
                              "client_id": "bench-gcs", "stream_max_rate_hz": math.inf,
                              "max_queued_streams": 10 * WINDOW, "stats_interval_s": 60.0}
    values.update(overrides)
    return BridgeSettings(**values)


async def until(predicate: Callable[[], object], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(POLL_S)


# -- the subscriber process ---------------------------------------------------------------------


async def subscribe_and_report(
    host: str, port: int, topics: Sequence[str], count: int, timeout_s: float
) -> int:
    """Child process: receive ``count`` messages on ``topics``, then print per-topic figures as JSON."""
    stamps: dict[str, list[tuple[float, float]]] = {t: [] for t in topics}
    received = 0
    async with aiomqtt.Client(host, port, protocol=aiomqtt.ProtocolVersion.V5,
                              max_queued_incoming_messages=0) as client:
        for topic in topics:
            await client.subscribe(topic, qos=1)
        print("ready", flush=True)
        try:
            async with asyncio.timeout(timeout_s):
                async for message in client.messages:
                    now = time.time()
                    payload = message.payload
                    assert isinstance(payload, bytes)
                    stamps[str(message.topic)].append((now, orjson.loads(payload)["t_pub_unix_s"]))
                    received += 1
                    if received >= count:
                        break
        except TimeoutError:
            pass
    report = {}
    for topic, seen in stamps.items():
        latencies = sorted(recv - pub for recv, pub in seen)
        report[topic] = {
            "count": len(seen),
            "first_recv": seen[0][0] if seen else None,
            "last_recv": seen[-1][0] if seen else None,
            "median_s": statistics.median(latencies) if latencies else None,
            "p99_s": percentile(latencies, 0.99),
        }
    print(json.dumps(report), flush=True)
    return 0


def percentile(ordered: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile of sorted values (None for none)."""
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


@dataclass(slots=True)
class Subscriber:
    process: asyncio.subprocess.Process

    async def report(self, timeout_s: float) -> dict[str, dict[str, Any]]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout_s)
        await self.process.wait()
        return dict(json.loads(line))


@asynccontextmanager
async def subscriber(broker: MosquittoBroker, topics: Sequence[str], count: int,
                     timeout_s: float) -> AsyncIterator[Subscriber]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench", "mqtt", "--subscriber", broker.host, str(broker.port),
        str(count), str(timeout_s), *topics,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        ready = await asyncio.wait_for(process.stdout.readline(), 30)
        if ready.strip() != b"ready":
            raise RuntimeError(f"subscriber did not start: {ready!r}")
        yield Subscriber(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


# -- 1. sustained publish rate ------------------------------------------------------------------


async def publish_rate(broker: MosquittoBroker, n: int, *, events: bool) -> dict[str, float]:
    hub = Hub()
    bridge = MqttBridge(hub, bench_routes(), bridge_settings_for(broker))
    topic = EVENTS_TOPIC if events else SAMPLES_TOPIC
    make: Callable[[int, float], object] = BenchEvent if events else BenchSample

    def queued() -> int:
        stats = bridge.stats  # the bridge's hub queues count too: it takes a trickle in batches
        return stats.hub_queued + (stats.queued_events + stats.in_flight if events else stats.queued_streams)

    def published() -> int:
        stats = bridge.stats
        return stats.published_events if events else stats.published_streams

    async with subscriber(broker, [topic], n, timeout_s=120) as sub, background(("bridge", bridge.run())):
        await until(lambda: bridge.connected, 10, "the bridge to connect")
        start_wall, start = time.time(), time.perf_counter()
        sent = 0
        while sent < n:
            if queued() < WINDOW:
                for _ in range(min(100, n - sent)):
                    hub.publish(make(sent, time.time()), key=None)
                    sent += 1
            await asyncio.sleep(0)
        await until(lambda: published() >= n, 120, "the bridge to publish everything")
        bridge_s = time.perf_counter() - start
        report = (await sub.report(120))[topic]
    received = report["count"]
    last = report["last_recv"] or start_wall
    return {
        "sent": n,
        "bridge_rate": n / bridge_s,
        "received": received,
        "received_rate": received / max(1e-9, last - start_wall),
        "dropped_by_bridge": bridge.stats.dropped_events + bridge.stats.dropped_streams,
    }


# -- 2. added latency ---------------------------------------------------------------------------


async def latency(broker: MosquittoBroker, rate_hz: float, duration_s: float) -> dict[str, dict[str, Any]]:
    hub = Hub()
    bridge = MqttBridge(hub, bench_routes(), bridge_settings_for(broker))
    count = int(rate_hz * duration_s)
    topics = [EVENTS_TOPIC, SAMPLES_TOPIC]
    async with (
        subscriber(broker, topics, 2 * count, timeout_s=duration_s + 60) as sub,
        background(("bridge", bridge.run())),
    ):
        await until(lambda: bridge.connected, 10, "the bridge to connect")
        period_s = 1.0 / rate_hz
        start = time.perf_counter()
        for n in range(count):
            # Paced from a fixed origin so the rate does not drift with the loop's own delays.
            delay = start + n * period_s - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            hub.publish(BenchEvent(n, time.time()), key=None)
            hub.publish(BenchSample(n, time.time()), key=None)
        return await sub.report(duration_s + 60)


# -- 3. ingest with the bridge off and on -------------------------------------------------------


class ReplayLink:
    """A byte link that hands over pre-recorded chunks, yielding to the loop between them as a socket does.

    It stops after ``warm_up`` chunks until ``go`` is set, then hands over one chunk every
    ``pace_s`` (0: as fast as the link takes them), and sets ``finished`` when the link asks for
    more after the last chunk (so it has taken in every frame).
    """

    def __init__(self, chunks: Sequence[bytes], warm_up: int, pace_s: float = 0.0) -> None:
        self._chunks = chunks
        self._next = 0
        self._warm_up = warm_up
        self._pace_s = pace_s
        self.warmed_up = asyncio.Event()
        self.go = asyncio.Event()
        self.finished = asyncio.Event()

    async def read(self) -> bytes:
        if self._next == self._warm_up:
            self.warmed_up.set()
            await self.go.wait()
        await asyncio.sleep(self._pace_s if self.go.is_set() else 0.0)
        if self._next >= len(self._chunks):
            self.finished.set()
            await asyncio.Event().wait()  # the recording is over: block like a quiet link
        chunk = self._chunks[self._next]
        self._next += 1
        return chunk

    async def write(self, data: bytes) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class Mode:
    """How the bridge runs beside the link: not at all, or with this stream limit, with or without
    the event routes (events scale with the replay's speed, streams with the wall clock)."""

    bridge: bool
    stream_max_rate_hz: float = 10.0
    events: bool = True

    def routes(self) -> RouteTable:
        table = RouteTable()
        table.extend(r for r in standard_routes() if self.events or r.topic_class is not TopicClass.EVENT)
        return table


OFF = Mode(bridge=False)
ON = Mode(bridge=True)
MODES: dict[str, Mode] = {
    "off": OFF,
    "on": ON,
    "on, no event routes": Mode(bridge=True, events=False),
    "on, every message": Mode(bridge=True, stream_max_rate_hz=math.inf),
}


async def ingest_once(chunks: Sequence[bytes], broker: MosquittoBroker, mode: Mode,
                      pace_s: float = 0.0) -> tuple[float, int, int, float]:
    """Seconds for the vehicle link to take in the frames after a warm-up, those frames, what the
    bridge published meanwhile, and the CPU seconds the process used meanwhile.

    The warm-up (a tenth of the chunks) lets the bridge find the vehicle, open its status line and
    send each topic's first message before the clock starts: the steady state is what is measured.
    """
    hub = Hub()
    replay = ReplayLink(chunks, warm_up=max(1, len(chunks) // 10), pace_s=pace_s)
    link = FlightComputerLink(replay, MavlinkCodec(255, 190), clock=WallClock(), hub=hub,
                              settings=LinkSettings(timesync_interval_s=None))
    jobs: list[tuple[str, Any]] = [("link", link.run())]
    bridge = None
    if mode.bridge:
        settings = bridge_settings_for(broker, stream_max_rate_hz=mode.stream_max_rate_hz)
        bridge = MqttBridge(hub, mode.routes(), settings)
        jobs.append(("bridge", bridge.run()))
    def published() -> int:
        if bridge is None:
            return 0
        stats = bridge.stats
        return stats.published_streams + stats.published_states + stats.published_events

    async with background(*jobs):
        await replay.warmed_up.wait()
        if bridge is not None:
            await until(lambda: bridge.owners_online and bridge.idle(), 10, "the bridge to settle")
        # The previous run's garbage is collected now, not inside this run's measurement.
        gc.collect()
        before, published_before = link.counters.messages_in, published()
        start, cpu_start = time.perf_counter(), time.process_time()
        replay.go.set()
        await replay.finished.wait()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        return elapsed, link.counters.messages_in - before, published() - published_before, cpu


@dataclass(frozen=True, slots=True)
class IngestFigures:
    """One mode over every round: median frames/s, median paired ratio to off, its spread, and the
    median number of messages the bridge published per second of ingest."""

    rate: float
    ratio: float
    ratio_low: float
    ratio_high: float
    published_per_s: float




async def ingest(broker: MosquittoBroker, frames: int, seed: int, rounds: int) -> dict[str, IngestFigures]:
    """Every mode once per round, in rotating order; ratios are taken within a round.

    On a shared machine the same run varies by +-20 % from one second to the next; comparing each
    mode with the "off" run next to it and taking the median over rounds cancels most of that.
    """
    data, _ = encode_stream(build_traffic(frames, seed))
    chunks = chunked(data, 4096)
    names = list(MODES)
    rates: dict[str, list[float]] = {name: [] for name in names}
    ratios: dict[str, list[float]] = {name: [] for name in names}
    published: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        got: dict[str, float] = {}
        for name in names[r % len(names):] + names[:r % len(names)]:
            elapsed, measured, sent, _ = await ingest_once(chunks, broker, MODES[name])
            got[name] = measured / elapsed
            published[name].append(sent / elapsed)
        for name in names:
            rates[name].append(got[name])
            ratios[name].append(got[name] / got["off"])
    out = {}
    for name in names:
        spread = sorted(ratios[name])
        quarter = len(spread) // 4
        out[name] = IngestFigures(
            rate=statistics.median(rates[name]),
            ratio=statistics.median(ratios[name]),
            ratio_low=spread[quarter],
            ratio_high=spread[len(spread) - 1 - quarter],
            published_per_s=statistics.median(published[name]),
        )
    return out


REAL_RATE_HZ = 187.0
"""Frames per second of the codec benchmark's mix: what the vehicle and a platform send in flight."""


async def real_time(broker: MosquittoBroker, seconds: float, seed: int) -> dict[str, tuple[float, int]]:
    """CPU share of one core, and messages published, with the stream replayed at flight pace."""
    frames = max(200, int(REAL_RATE_HZ * seconds * 10 / 9))  # a tenth more for the warm-up
    data, _ = encode_stream(build_traffic(frames, seed))
    chunks = chunked(data, 256)  # a few frames per read, as a link's datagrams arrive in flight
    measured = len(chunks) - max(1, len(chunks) // 10)
    pace_s = seconds / max(1, measured)
    out = {}
    for name, mode in (("off", OFF), ("on", ON)):
        elapsed, _, sent, cpu = await ingest_once(chunks, broker, mode, pace_s=pace_s)
        out[name] = (cpu / elapsed, int(sent))
    return out


# -- main ---------------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.2f} ms"


async def run(args: argparse.Namespace) -> int:
    # By default Mosquitto keeps at most 1000 QoS 1 messages for a subscriber that falls behind and
    # drops the rest; the subscriber here may fall behind a flat-out publisher, and the benchmark
    # counts what the bridge delivers, not the broker's queue policy (docs/mqtt.md discusses it).
    async with running_mosquitto(extra_config=["max_queued_messages 0"]) as broker:
        print(f"broker: private Mosquitto 2 on {broker.host}:{broker.port} (set_tcp_nodelay true, "
              f"max_queued_messages 0); subscriber in its own process")
        print(f"\n1. sustained publish rate (producer keeps <= {WINDOW} values queued)")
        for label, events in (("events, QoS 1", True), ("samples, QoS 0", False)):
            f = await publish_rate(broker, args.events if events else args.samples, events=events)
            print(f"   {label:15}: bridge {f['bridge_rate']:10,.0f} msg/s; subscriber received "
                  f"{f['received']:,} of {f['sent']:,} at {f['received_rate']:10,.0f} msg/s; "
                  f"dropped by the bridge: {f['dropped_by_bridge']}")

        print(f"\n2. added latency, hub -> bridge -> broker -> subscriber, {args.latency_hz:g} Hz each "
              f"for {args.latency_s:g} s")
        report = await latency(broker, args.latency_hz, args.latency_s)
        for topic, label in ((EVENTS_TOPIC, "events, QoS 1"), (SAMPLES_TOPIC, "samples, QoS 0")):
            r = report[topic]
            print(f"   {label:15}: {r['count']:,} received; "
                  f"median {_ms(r['median_s'])}, p99 {_ms(r['p99_s'])}")

        print(f"\n3. ingest of the vehicle link ({args.frames:,} frames of the codec benchmark's mix "
              f"per run, {args.rounds} rounds; medians, ratio range = middle half of the rounds)")
        figures = await ingest(broker, args.frames, args.seed, args.rounds)
        for name, fig in figures.items():
            extra = "" if name == "off" else (
                f"; {fig.published_per_s:,.0f} msg/s to the broker; ingest x{fig.ratio:.3f} of off "
                f"({fig.ratio_low:.3f}-{fig.ratio_high:.3f}), cost {100 * (1 - fig.ratio):.1f} %"
            )
            print(f"   bridge {name:18}: {fig.rate:10,.0f} frames/s{extra}")

        print(f"\n4. at flight pace ({REAL_RATE_HZ:g} frames/s replayed for {args.realtime_s:g} s): CPU of "
              f"the whole ground-station process")
        paced = await real_time(broker, args.realtime_s, args.seed)
        for name, (share, sent) in paced.items():
            rate = sent / args.realtime_s
            extra = "" if name == "off" else f"; {sent:,} messages to the broker ({rate:,.0f}/s)"
            print(f"   bridge {name:3}: {100 * share:5.1f} % of one core{extra}")
    return 0


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--subscriber":
        host, port, count, timeout_s, *topics = argv[1:]
        return asyncio.run(subscribe_and_report(host, int(port), topics, int(count), float(timeout_s)))
    parser = argparse.ArgumentParser(prog="python -m bench mqtt", description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20_000, help="events for the publish rate")
    parser.add_argument("--samples", type=int, default=50_000, help="stream samples for the publish rate")
    parser.add_argument("--latency-hz", type=float, default=200.0, help="events and samples per second each")
    parser.add_argument("--latency-s", type=float, default=5.0, help="how long the latency run lasts")
    parser.add_argument("--frames", type=int, default=100_000, help="frames per ingest run")
    parser.add_argument("--rounds", type=int, default=9, help="ingest rounds (each runs every mode once)")
    parser.add_argument("--realtime-s", type=float, default=10.0, help="seconds of the flight-pace run")
    parser.add_argument("--seed", type=int, default=1)
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
