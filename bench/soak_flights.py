"""``python -m bench soak_flights``: one station flying a sequence of real flights; is anything growing?

``bench.soak`` keeps a vehicle on the pad; this soak flies. One ground station (``gcs.app.run_station``,
composed as ``gcs sitl`` composes it: recorder, launch control, cargo, the fleet, the console, the MQTT
bridge to a real Mosquitto, both sea platforms as ``firmware-sim platform`` processes behind pty
serial pairs) stays up for the whole run. For each flight a fresh ``firmware-sim vehicle`` process
(the scenario's vehicle, the hop test article by default) is started; ``gcs sitl``'s own flight loop
(``gcs.sitl.mission``: plan upload, the scripted launch team, the verdict) runs the count, the
flight, the landing and the safing; the vehicle process is then stopped, the station sees the link
lost, the ground crew clears any fleet inspection the flight made due, and the next flight starts,
until ``--sim-hours`` of the station's (simulated) time or ``--flights`` flights are done. One console
client streams all along (the launch status's latency from its publication on the hub to the client
reading it is the "stream latency"); another logs in, streams a few messages and leaves every
``--churn-s`` (every other one logging out).

Two things the station lacks for a flight sequence are done here, and said so: a new count per
flight (the station's ``LaunchControl`` serves one mission and never returns to idle, so each flight
gets a new one on the running station's launch runner, told the fleet's current word on the
airframe), and a clock that survives a new simulator process (``RestartingFollowerClock``: the new
vehicle's time starts again at boot). A third is left as it is: the cargo watch serves one flight
too, so only the first vehicle is sent the manifest's mass and only the first delivery is tracked.

Per flight it records resident memory, open fds and asyncio tasks when the flight is judged, the
deepest hub queue (against its bound) and the event-loop lag (how late a 50 ms timer fires, probed
20 times a second) over the flight, and the console stream latency. It prints one row per flight,
then the first and last quarter's medians and their ratios. Figures only: nothing here asserts.

    python -m bench soak_flights [--sim-hours 4] [--flights N] [--speed 40] [--churn-s 2] [--scenario hop]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO, cast

import aiohttp

from bench.soak import _broker, _quarters, deepest_queue, rss_kib
from gcs.app import StationParts, run_station
from gcs.bridge.values import BridgeStats
from gcs.clock import FollowerClock
from gcs.domain.roles import Role
from gcs.fleet.limits import LimitLevel
from gcs.fleet.station import FleetStatusUpdate, FlightRecorded
from gcs.fleet.store import FleetStore
from gcs.hub import Hub, Subscription
from gcs.launch.control import FleetStatusReport, LaunchControl
from gcs.launch.runner import LaunchRunner, LaunchStatusUpdate
from gcs.links.values import VehicleHeartbeat, VehicleLinkHealth
from gcs.sitl.children import Child, child_process
from gcs.sitl.mission import (
    MissionFlight,  # gcs sitl's own per-run flight loop, reused as it is for each flight of the sequence
    RunOptions,
    ground_link_timeout_s,
    link_fault_specs,
    platform_argv,
    sitl_baud,
    station_config,
    tell_station_time,
    vehicle_argv,
)
from gcs.sitl.scenario import Scenario, find_scenario, load_scenario
from gcs.sitl.team import team_users
from gcs.tasks import background
from gcs.transport.proxy import PtyFaultProxy
from tests.support.console_station import USERS, ConsoleUser, free_udp_port, login, write_users_file

LAG_PROBE_S = 0.05
MESSAGES_PER_VISIT = 5
START_WALL_S = 60.0
"""Wall seconds for the station to start, or a new vehicle process to be heard."""
LINK_LOST_WALL_S = 30.0
"""Wall seconds for the station to call a stopped vehicle lost."""
FLEET_WALL_S = 30.0
"""Wall seconds for a flight's fleet record, or a cleared airframe's go, to reach the hub."""
FDS_SETTLE_WALL_S = 10.0
STAMPS_KEPT = 8192
"""Publication times of launch statuses kept for the stream latency (a few minutes at any speed)."""


class RestartingFollowerClock(FollowerClock):
    """A ``FollowerClock`` that a new simulator process does not stop.

    ``FollowerClock`` takes the simulator's first report as its origin and never goes back: a new
    vehicle process, whose SYSTEM_TIME starts again at boot, would hold the station's time still
    until the new vehicle had caught up with all the flights before it. A report more than
    ``restart_step_s`` behind the last one is a new process: its time is shifted to go on from the
    station's present.
    """

    def __init__(self, speed: float, *, restart_step_s: float = 1.0, **kwargs: float) -> None:
        super().__init__(speed, **kwargs)
        self.restart_step_s = restart_step_s
        self.restarts = 0
        self._shift_s = 0.0
        self._fed_s: float | None = None
        self._fed_at_s = 0.0

    def observe(self, simulator_s: float) -> None:
        fed_s = simulator_s + self._shift_s
        if self._fed_s is not None and fed_s < self._fed_s - self.restart_step_s:
            self._shift_s = self._fed_s + (self.monotonic_s() - self._fed_at_s) - simulator_s
            fed_s = simulator_s + self._shift_s
            self.restarts += 1
        super().observe(fed_s)
        self._fed_s = fed_s
        self._fed_at_s = self.monotonic_s()


class StampingHub(Hub):
    """The hub, noting the wall time each launch status is published (instrumentation for latency)."""

    def __init__(self) -> None:
        super().__init__()
        self.launch_published_wall_s: OrderedDict[float, float] = OrderedDict()

    def publish(self, value: object, *, key: Hashable | None = None) -> None:
        if isinstance(value, LaunchStatusUpdate):
            self.launch_published_wall_s[value.unix_time_s] = time.monotonic()
            if len(self.launch_published_wall_s) > STAMPS_KEPT:
                self.launch_published_wall_s.popitem(last=False)
        super().publish(value, key=key)


class _Lines:
    """The station's terminal output: the console URL and the last lines (for a failure's message)."""

    def __init__(self) -> None:
        self.last: deque[str] = deque(maxlen=200)
        self.console_url: str | None = None
        self._partial = ""

    def write(self, text: str) -> int:
        self._partial += text
        *done, self._partial = self._partial.split("\n")
        for line in done:
            self.last.append(line)
            if self.console_url is None and "console on http" in line:
                self.console_url = line.split("console on ", 1)[1].strip().rstrip("/")
        return len(text)

    def flush(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class FlightRow:
    """One flight of the sequence, and this process as it stood when the flight was judged."""

    number: int
    passed: bool
    failed_checks: tuple[str, ...]
    phases: tuple[str, ...]
    landed_on: str | None
    simulated_s: float
    """The flight's own simulated time (vehicle heard to judged)."""
    wall_s: float
    fleet_recorded: bool
    rss_kib: int
    open_fds: int
    """This process's fds but its broker connections and the fleet database's files (``FdCensus``)."""
    broker_fds: int
    tasks: int
    deepest_queue: int
    """The longest hub subscription queue seen during the flight."""
    queue_bound: int
    loop_lag_ms_median: float
    loop_lag_ms_max: float
    stream_latency_ms_median: float
    stream_latency_ms_max: float
    visits: int
    hub_dropped: int
    """Values the hub's live subscriptions had dropped (a queue full: its consumer fell behind)."""
    mqtt_connects: int
    """Connections the MQTT bridge had made so far (1 unless it lost the broker)."""
    mqtt_waiting: int
    """What the bridge had waiting (queued, pending, in flight, in its hub queues)."""
    mqtt_published: int


@dataclass(slots=True)
class _Window:
    """What the probes and the staying client saw since the last flight was judged."""

    lag_ms: list[float] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)
    deepest_queue: int = 0
    queue_bound: int = 0
    visits: int = 0

    def take(self) -> _Window:
        """What was seen so far; the window starts again empty."""
        taken = _Window(self.lag_ms, self.latency_ms, self.deepest_queue, self.queue_bound, self.visits)
        self.lag_ms, self.latency_ms = [], []
        self.deepest_queue = self.queue_bound = self.visits = 0
        return taken


@dataclass(slots=True)
class FlightSoakResult:
    speed: float
    rows: list[FlightRow] = field(default_factory=list)
    mqtt: bool = False
    broker_port: int | None = None
    session_dir: Path | None = None
    fleet_db: Path | None = None
    vehicle_id: str = ""
    station_simulated_s: float = 0.0
    """The station's clock from the first vehicle start to the last flight's end (turnarounds too)."""
    wall_s: float = 0.0
    baseline_fds: int = 0
    """The station's fds (``FdCensus.station``) with the station and platforms running, before any
    vehicle or console client."""
    final_fds: int = 0
    """The same after the last vehicle stopped and every console client left (the station running)."""
    new_fds: list[str] = field(default_factory=list)
    """What the fds open at the end but not at the baseline point at (empty when nothing leaked)."""
    baseline_broker_fds: int = 0
    final_broker_fds: int = 0
    """Connections to the broker: the bridge's main one, and one status line (its Will) per vehicle
    or platform the bridge has seen, opened when it first sees it: fewer at the baseline."""
    baseline_tasks: int = 0
    final_tasks: int = 0
    visits: int = 0
    stream_messages: int = 0
    stream_reconnects: int = 0
    latency_unmatched: int = 0
    """Launch updates read whose publication time was no longer kept (never expected)."""
    queue_overflows: int = 0
    """Probes that saw a hub queue hold more than its bound (must stay 0)."""
    clearances: int = 0
    """Fleet limits the ground crew cleared between flights (inspection due after a few hops)."""
    clock_restarts: int = 0
    station_lines: list[str] = field(default_factory=list)


async def _until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"soak_flights: no {what} within {timeout_s} s")
        await asyncio.sleep(0.05)


@dataclass(frozen=True, slots=True)
class FdCensus:
    """This process's open fds, sorted: the station's own, and its connections to the broker.

    The fleet database's files are left out: the fleet watch opens them for a moment, in a thread,
    whenever it re-reads the airframe's status, so a count taken then would hold them.
    """

    station: dict[int, str]
    broker: int

    @classmethod
    def take(cls, broker_port: int | None, fleet_db: Path | None) -> FdCensus:
        station, broker = {}, 0
        for fd, target in fd_targets().items():
            if broker_port is not None and target.endswith(f"-> 127.0.0.1:{broker_port}"):
                broker += 1
            elif fleet_db is None or not target.startswith(str(fleet_db)):
                station[fd] = target
        return cls(station, broker)


def fd_targets() -> dict[int, str]:
    """This process's open fds and what each points at (a socket with its addresses)."""
    targets = {}
    for entry in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the listing's own fd is gone by now
            targets[int(entry)] = os.readlink(f"/proc/self/fd/{entry}")
    sockets = _socket_addresses()
    return {fd: f"{t} {sockets.get(t, '')}".strip() for fd, t in targets.items()}


def _socket_addresses() -> dict[str, str]:
    """``socket:[INODE]`` -> ``tcp 127.0.0.1:PORT -> 127.0.0.1:PORT`` for the inet sockets of this host."""
    found = {}
    for kind in ("tcp", "tcp6", "udp", "udp6"):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/net/{kind}").read_text().splitlines()[1:]:
                fields = line.split()
                local, remote, inode = fields[1], fields[2], fields[9]
                found[f"socket:[{inode}]"] = f"{kind} {_address(local)} -> {_address(remote)}"
    return found


def _address(hex_address: str) -> str:
    host, port = hex_address.split(":")
    if len(host) == 8:
        host = ".".join(str(int(host[i:i + 2], 16)) for i in (6, 4, 2, 0))
    return f"{host}:{int(port, 16)}"


def hub_dropped(hub: Hub) -> int:
    """Values dropped by the hub's live subscriptions."""
    return sum(sub.dropped for sub in hub.subscriptions())


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


class _FlightSequence:
    """The soak's own loop: the station's parts, the flights one after the other, the turnarounds."""

    def __init__(self, scenario: Scenario, parts: StationParts, runner: LaunchRunner, hub: StampingHub,
                 clock: RestartingFollowerClock, result: FlightSoakResult, out: _Lines, *, vehicle_port: int,
                 log_dir: Path, window: _Window, on_flight: Callable[[FlightRow], None] | None) -> None:
        self.scenario = scenario
        self.parts = parts
        self.runner = runner
        self.hub = hub
        self.clock = clock
        self.result = result
        self.out = out
        self.vehicle_port = vehicle_port
        self.log_dir = log_dir
        self.window = window
        self.on_flight = on_flight
        self.params_file = log_dir / "vehicle.parm"
        self.params_file.write_text(f"# soak_flights at {clock.speed:g}x\n"
                                    f"GL_TIMEOUT_S {ground_link_timeout_s(clock.speed):g}\n")

    async def fly(self, number: int) -> None:
        # A new mission: a new count (the station's launch control serves one), told the fleet's word.
        self.runner.control = LaunchControl(self.runner.control.setup)
        fleet = self.hub.latest(FleetStatusUpdate)
        if fleet is not None:
            status = fleet.status
            self.runner.request(FleetStatusReport(status.vehicle_id, status.go, status.summary))
        sysid = self.parts.vehicle_sysid
        wall_start_s = time.monotonic()
        argv = vehicle_argv(self.scenario, self.clock.speed, self.vehicle_port, self.params_file)
        async with AsyncExitStack() as stack:
            records = await stack.enter_async_context(self.hub.subscribe(FlightRecorded, maxsize=16))
            async with self.hub.subscribe(VehicleHeartbeat, key=sysid, maxsize=4) as beats:
                vehicle = await stack.enter_async_context(
                    child_process(f"vehicle-{number}", argv, log_dir=self.log_dir))
                await asyncio.wait_for(beats.get(), START_WALL_S)  # the new vehicle is heard
            row = await self._flight(number, vehicle, records, wall_start_s)
        # The vehicle process is gone: the station must see the link lost before the next one comes.
        await _until(lambda: self._link_up(sysid) is False, LINK_LOST_WALL_S, "vehicle link lost")
        await self._turnaround()
        self.result.rows.append(row)
        if self.on_flight is not None:
            self.on_flight(row)

    def _link_up(self, sysid: int) -> bool | None:
        health = self.hub.latest(VehicleLinkHealth, key=sysid)
        return None if health is None else health.up

    async def _flight(self, number: int, vehicle: Child, records: Subscription[FlightRecorded],
                      wall_start_s: float) -> FlightRow:
        done = asyncio.Event()
        flight = MissionFlight(self.scenario, self.hub, self.clock, done, cast(TextIO, self.out))
        flight.station_ready(self.parts)
        sim_start_s = self.clock.monotonic_s()
        wall_limit_s = START_WALL_S + 3 * self.scenario.time_limit_s / self.clock.speed

        async def vehicle_exit() -> None:
            code = await vehicle.exited()
            flight.failure = f"vehicle process ended with {code}: {vehicle.tail(5)}"
            done.set()

        async with background((f"soak flight {number}", flight.run()),
                              (f"soak flight {number} vehicle", vehicle_exit())):
            try:
                await asyncio.wait_for(done.wait(), wall_limit_s)
            except TimeoutError:
                flight.failure = f"not judged within {wall_limit_s:.0f} wall s"
        verdict = flight.verdict if flight.verdict is not None else flight.judge_now()
        simulated_s = self.clock.monotonic_s() - sim_start_s
        recorded = await self._fleet_record(records)
        window = self.window.take()
        landed_on, _ = flight.seen.standing_on()
        bridge = self.hub.latest(BridgeStats)
        census = FdCensus.take(self.result.broker_port, self.result.fleet_db)
        return FlightRow(
            number=number, passed=verdict.passed and flight.failure is None,
            failed_checks=tuple(f"{c.name}: {c.detail}" for c in verdict.checks if not c.ok)
            + ((flight.failure,) if flight.failure else ()),
            phases=tuple(p.config_name for p in flight.seen.phases), landed_on=landed_on,
            simulated_s=simulated_s, wall_s=time.monotonic() - wall_start_s, fleet_recorded=recorded,
            rss_kib=rss_kib(), open_fds=len(census.station), broker_fds=census.broker,
            tasks=len(asyncio.all_tasks()),
            deepest_queue=window.deepest_queue, queue_bound=window.queue_bound,
            loop_lag_ms_median=_median(window.lag_ms), loop_lag_ms_max=max(window.lag_ms, default=math.nan),
            stream_latency_ms_median=_median(window.latency_ms),
            stream_latency_ms_max=max(window.latency_ms, default=math.nan), visits=window.visits,
            hub_dropped=hub_dropped(self.hub), mqtt_connects=bridge.connects if bridge else 0,
            mqtt_waiting=(bridge.queued_events + bridge.queued_streams + bridge.pending_states
                          + bridge.in_flight + bridge.hub_queued) if bridge else 0,
            mqtt_published=(bridge.published_events + bridge.published_states + bridge.published_streams)
            if bridge else 0,
        )

    async def _fleet_record(self, records: Subscription[FlightRecorded]) -> bool:
        try:
            await asyncio.wait_for(records.get(), FLEET_WALL_S)
        except TimeoutError:
            return False
        return True

    async def _turnaround(self) -> None:
        """The ground crew's inspection: clear what the flight made due, then wait for the fleet's go."""
        update = self.hub.latest(FleetStatusUpdate)
        fleet_db = self.result.fleet_db
        if update is None or update.status.go or fleet_db is None:
            return
        levels = {usage.limit.level for usage in update.status.reached}
        # A refurbishment covers every limit; else each level reached is cleared.
        names = [LimitLevel.REFURBISHMENT.value] if LimitLevel.REFURBISHMENT in levels else sorted(
            level.value for level in levels)
        # Stamped on the station's clock: the flights' records are, and only later flights count.
        at_utc = datetime.fromtimestamp(self.clock.unix_time_s(), UTC)
        crew = team_users()[Role.VEHICLE]

        def clear() -> None:
            with FleetStore.open(fleet_db, create=False) as store:
                for name in names:
                    store.clear(update.status.vehicle_id, name, crew, "soak turnaround inspection", at_utc)

        await asyncio.to_thread(clear)
        self.result.clearances += len(names)

        def fleet_go() -> bool:
            latest = self.hub.latest(FleetStatusUpdate)
            return latest is not None and latest.status.go

        # The fleet watch sees the database change and says go (to this count; the next one is told).
        await _until(fleet_go, FLEET_WALL_S, "fleet go after the clearance")


async def soak_flights(
    work_dir: Path,
    *,
    sim_hours: float | None = None,
    flights: int | None = None,
    speed: float = 40.0,
    churn_s: float = 2.0,
    scenario_name: str = "hop",
    on_flight: Callable[[FlightRow], None] | None = None,
) -> FlightSoakResult:
    """Fly flights into one station until ``sim_hours`` of its time or ``flights`` flights are done."""
    if sim_hours is None and flights is None:
        raise ValueError("say how long: sim_hours, flights or both")
    scenario = load_scenario(find_scenario(scenario_name))
    result = FlightSoakResult(speed=speed)
    clock = RestartingFollowerClock(speed, release_after_wall_s=2.0)
    hub = StampingHub()
    out = _Lines()
    stop = asyncio.Event()
    log_dir = work_dir / "soak-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    users_file = write_users_file(work_dir / "console-users.json")
    user = USERS["vic"]
    vehicle_port = free_udp_port()
    wall_start_s = time.monotonic()
    async with _broker() as broker, AsyncExitStack() as stack:
        result.mqtt = broker is not None
        result.broker_port = broker.port if broker is not None else None
        options = RunOptions(speed=speed, out_dir=work_dir / "sessions", console=True, console_port=0,
                             status_every_s=3600.0, mqtt_url=broker.url if broker is not None else None,
                             fleet_db=work_dir / "fleet.sqlite")
        platforms: list[Child] = []
        links: dict[str, str] = {}
        for platform in scenario.platforms:
            to_ground, from_ground = link_fault_specs(scenario, platform.name)
            cable = await stack.enter_async_context(PtyFaultProxy(
                seed=platform.name, baud=sitl_baud(speed), up=from_ground, down=to_ground, clock=clock))
            links[platform.name] = str(cable.client_endpoint)
            platforms.append(await stack.enter_async_context(child_process(
                f"platform-{platform.name}",
                platform_argv(platform.config, str(cable.target_endpoint), speed=speed, seed=platform.seed,
                              mru=platform.mru.value, scenario=scenario),
                log_dir=log_dir, stdin_pipe=True)))
        config = station_config(scenario, options, vehicle_port=vehicle_port, platform_links=links)
        console = dataclasses.replace(config.console, users_file=str(users_file))
        config = dataclasses.replace(config, console=console)
        result.fleet_db = Path(config.fleet.database)
        result.vehicle_id = config.fleet.vehicle_id
        parts_ready: asyncio.Future[StationParts] = asyncio.get_running_loop().create_future()
        window = _Window()

        async def station() -> None:
            result.session_dir = await run_station(
                config, clock=clock, stop=stop, hub=hub, status_every_s=options.status_every_s,
                out=cast(TextIO, out), on_parts=parts_ready.set_result)

        try:
            async with background(("soak station time", tell_station_time(clock, platforms)),
                                  ("soak probes", _probe(hub, window, result))) as jobs:
                station_task = jobs.start("soak station", station())
                parts = await asyncio.wait_for(asyncio.shield(parts_ready), START_WALL_S)
                runner = parts.launch
                if runner is None:
                    raise RuntimeError("launch control is off in the station config: nothing runs the count")
                await _until(lambda: out.console_url is not None, START_WALL_S, "console URL")
                url = cast(str, out.console_url)
                baseline = FdCensus.take(result.broker_port, result.fleet_db)
                result.baseline_fds, result.baseline_broker_fds = len(baseline.station), baseline.broker
                result.baseline_tasks = len(asyncio.all_tasks())
                sequence = _FlightSequence(scenario, parts, runner, hub, clock, result, out,
                                           vehicle_port=vehicle_port, log_dir=log_dir, window=window,
                                           on_flight=on_flight)
                sim_start_s = clock.monotonic_s()

                def more() -> bool:
                    if flights is not None and len(result.rows) >= flights:
                        return False
                    return sim_hours is None or clock.monotonic_s() - sim_start_s < sim_hours * 3600.0

                async with (
                    aiohttp.ClientSession() as session,
                    background(
                        ("soak: staying client", _stay(session, url, user, hub, window, result)),
                        ("soak: churning clients", _churn(session, url, user, churn_s, window, result)),
                    ),
                ):
                    while more():
                        await sequence.fly(len(result.rows) + 1)
                result.station_simulated_s = clock.monotonic_s() - sim_start_s
                # Every client and every vehicle gone: their sockets and pipes must be closed too.
                with contextlib.suppress(TimeoutError):
                    await _until(lambda: len(FdCensus.take(result.broker_port, result.fleet_db).station)
                                 <= result.baseline_fds, FDS_SETTLE_WALL_S, "fds at their baseline")
                final = FdCensus.take(result.broker_port, result.fleet_db)
                result.final_fds, result.final_broker_fds = len(final.station), final.broker
                result.final_tasks = len(asyncio.all_tasks())
                result.new_fds = [f"{fd} -> {target}" for fd, target in sorted(final.station.items())
                                  if baseline.station.get(fd) != target]
                stop.set()
                await asyncio.wait_for(asyncio.shield(station_task), START_WALL_S)
        finally:
            stop.set()
    result.wall_s = time.monotonic() - wall_start_s
    result.clock_restarts = clock.restarts
    result.station_lines = list(out.last)
    return result


async def _probe(hub: Hub, window: _Window, result: FlightSoakResult) -> None:
    while True:
        before = time.monotonic()
        await asyncio.sleep(LAG_PROBE_S)
        window.lag_ms.append((time.monotonic() - before - LAG_PROBE_S) * 1000.0)
        depth, bound = deepest_queue(hub)
        if depth > bound:
            result.queue_overflows += 1
        if depth >= window.deepest_queue:
            window.deepest_queue, window.queue_bound = depth, bound


async def _stay(session: aiohttp.ClientSession, url: str, user: ConsoleUser, hub: StampingHub,
                window: _Window, result: FlightSoakResult) -> None:
    """One console client streaming all along (it comes back if the stream ends)."""
    while True:
        headers = await login(session, url, user)
        async with session.ws_connect(f"{url}/api/v1/stream", headers=headers) as ws:
            async for message in ws:
                read_s = time.monotonic()
                if message.type is not aiohttp.WSMsgType.TEXT:
                    break
                result.stream_messages += 1
                data = json.loads(message.data)
                launch = data.get("values", {}).get("launch") if data.get("type") == "update" else None
                if launch is None:
                    continue
                published_s = hub.launch_published_wall_s.get(launch["t"])
                if published_s is None:
                    result.latency_unmatched += 1
                else:
                    window.latency_ms.append((read_s - published_s) * 1000.0)
        result.stream_reconnects += 1


async def _churn(session: aiohttp.ClientSession, url: str, user: ConsoleUser, churn_s: float,
                 window: _Window, result: FlightSoakResult) -> None:
    """Clients coming and going: log in, open the stream, read a few messages, leave (every other one
    logging out first, as a browser's user may or may not)."""
    while True:
        headers = await login(session, url, user)
        async with session.ws_connect(f"{url}/api/v1/stream", headers=headers) as ws:
            for _ in range(MESSAGES_PER_VISIT):
                await ws.receive()
                result.stream_messages += 1
        if result.visits % 2 == 0:
            async with session.post(f"{url}/api/v1/logout", headers=headers) as response:
                await response.read()
        result.visits += 1
        window.visits += 1
        await asyncio.sleep(churn_s)


def _ratio(first: float, last: float) -> str:
    return f"{last / first:.3f}" if first and math.isfinite(first) and math.isfinite(last) else "n/a"


def report(result: FlightSoakResult) -> list[str]:
    rows = result.rows
    flown_s = sum(r.simulated_s for r in rows)
    lines = [
        f"soak_flights: {len(rows)} flights, {result.station_simulated_s / 3600:.2f} simulated h of "
        f"station time ({flown_s / 3600:.2f} h in flights) in {result.wall_s / 60:.1f} wall min "
        f"({result.station_simulated_s / max(result.wall_s, 1e-9):.1f}x, asked {result.speed:g}x); "
        f"MQTT {'on' if result.mqtt else 'off'}; {result.visits} console visits, "
        f"{result.stream_messages} stream messages read",
        " flight  result  landed on         sim s  wall s  RSS MiB  fds+mqtt  tasks  queue  "
        "lag ms p50/max   stream ms p50/max  visits  dropped  mqtt conn/waiting",
    ]
    for r in rows:
        lines.append(
            f" {r.number:6d}  {'PASS' if r.passed else 'FAIL':6s}  {r.landed_on or '-':15s} "
            f"{r.simulated_s:6.0f} {r.wall_s:7.1f} {r.rss_kib / 1024:8.1f} "
            f"{r.open_fds:5d}+{r.broker_fds:<3d} {r.tasks:6d} "
            f"{r.deepest_queue:6d}  {r.loop_lag_ms_median:6.2f} /{r.loop_lag_ms_max:6.1f}  "
            f"{r.stream_latency_ms_median:7.2f} /{r.stream_latency_ms_max:7.1f}  {r.visits:6d}  "
            f"{r.hub_dropped:7d}  {r.mqtt_connects:4d} /{r.mqtt_waiting:5d}"
        )
        lines.extend(f"         {failed}" for failed in r.failed_checks)
    if rows:
        series: list[tuple[str, list[float], str]] = [
            ("RSS", [r.rss_kib / 1024 for r in rows], "MiB"),
            ("open fds", [float(r.open_fds) for r in rows], ""),
            ("asyncio tasks", [float(r.tasks) for r in rows], ""),
            ("deepest hub queue", [float(r.deepest_queue) for r in rows], ""),
            ("loop lag p50", [r.loop_lag_ms_median for r in rows], "ms"),
            ("loop lag max", [r.loop_lag_ms_max for r in rows], "ms"),
            ("stream latency p50", [r.stream_latency_ms_median for r in rows], "ms"),
            ("stream latency max", [r.stream_latency_ms_max for r in rows], "ms"),
            ("MQTT waiting", [float(r.mqtt_waiting) for r in rows], ""),
            ("wall s per flight", [r.wall_s for r in rows], "s"),
        ]
        lines.append("first vs last quarter of the flights (medians):")
        for name, values, unit in series:
            first, last = _quarters(values)
            lines.append(f"  {name:19s} {first:9.2f} {unit:3s} -> {last:9.2f} {unit:3s} "
                         f"ratio {_ratio(first, last):>6s}  max {max(values):.2f}")
    passed = sum(r.passed for r in rows)
    lines.append(
        f"  {passed} of {len(rows)} flights passed, {sum(r.fleet_recorded for r in rows)} fleet records; "
        f"{result.clearances} fleet clearances; hub queue overflows {result.queue_overflows}; "
        f"fds baseline {result.baseline_fds} (+{result.baseline_broker_fds} to the broker), after the last "
        f"vehicle and clients left {result.final_fds} (+{result.final_broker_fds}); "
        f"tasks {result.baseline_tasks} -> {result.final_tasks}; "
        f"stream reconnects {result.stream_reconnects}; "
        f"MQTT messages published {rows[-1].mqtt_published if rows else 0}"
    )
    lines.extend(f"  fd open at the end, not at the baseline: {fd}" for fd in result.new_fds)
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench soak_flights", description=__doc__.splitlines()[0])
    parser.add_argument("--sim-hours", type=float,
                        help="simulated hours of station time (default 4, unless --flights is given)")
    parser.add_argument("--flights", type=int, help="at most this many flights")
    parser.add_argument("--speed", type=float, default=40.0, help="asked speed (ground-paced; default 40)")
    parser.add_argument("--churn-s", type=float, default=2.0)
    parser.add_argument("--scenario", default="hop")
    args = parser.parse_args(argv)
    sim_hours = args.sim_hours if args.sim_hours is not None or args.flights is not None else 4.0

    def row(r: FlightRow) -> None:
        print(f"flight {r.number}: {'PASS' if r.passed else 'FAIL'} {r.simulated_s:.0f} sim s in "
              f"{r.wall_s:.1f} s, RSS {r.rss_kib / 1024:.1f} MiB, fds {r.open_fds}, tasks {r.tasks}",
              flush=True)

    with tempfile.TemporaryDirectory(prefix="soak-flights-") as work:
        result = asyncio.run(soak_flights(
            Path(work), sim_hours=sim_hours, flights=args.flights, speed=args.speed, churn_s=args.churn_s,
            scenario_name=args.scenario, on_flight=row))
    for line in report(result):
        print(line)
    return 0 if result.rows and all(r.passed for r in result.rows) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
