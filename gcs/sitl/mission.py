"""``gcs sitl``'s engine: start the simulator's processes and the ground station, fly, judge.

One run of a scenario: the vehicle (``firmware-sim vehicle``, physics, sensors and flight computer)
talks MAVLink over UDP loopback; each platform's sensor box (``firmware-sim platform``) talks NMEA
through a pty serial pair; the ground station (``run_station``, the same composition as ``gcs run``)
records everything, runs launch control and serves the console. Time: every process aims at ``speed``
simulated seconds per wall second; the ground station's ``FollowerClock`` follows the vehicle's
SYSTEM_TIME, so a simulator that cannot keep up slows the ground station down with it instead of
tripping its timeouts.

Once the vehicle is found the flight plan (from the range file) is uploaded; then the scripted
launch team (``gcs.sitl.team``) runs the count through the same requests an operator makes. The
run ends when the vehicle comes to rest in one of the scenario's end phases, or at its time limit;
the verdict is printed and written to ``verdict.json`` in the session folder.

Knows nothing of the processes' internals: it starts them with their command lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import socket
import sys
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from gcs.app import StationParts, run_station
from gcs.clock import FollowerClock
from gcs.config import (
    GcsConfig,
    LaunchConfig,
    PlatformLinkConfig,
    PlatformRole,
    PlatformStationConfig,
    load_gcs_config,
    load_toml,
)
from gcs.domain.phases import FlightPhase
from gcs.domain.platform import DeckState
from gcs.errors import ConfigError, GcsError
from gcs.hub import Hub
from gcs.launch.flight_plan import flight_plan_items
from gcs.launch.range_safety import load_range
from gcs.launch.runner import LaunchStatusUpdate
from gcs.links.values import MavlinkTelemetry, VehicleStatusText
from gcs.links.vehicle_telemetry import VehicleTelemetryTranslator
from gcs.sitl.children import Child, child_process
from gcs.sitl.scenario import PlatformRole as ScenarioRole
from gcs.sitl.scenario import Scenario
from gcs.sitl.team import ScriptedTeam
from gcs.sitl.verdict import Check, Observations, Verdict, judge
from gcs.tasks import background
from gcs.transport.proxy import PtyFaultProxy

VEHICLE_FOUND_WALL_S = 30.0
"""Wall seconds to wait for the vehicle's first heartbeat: starting a process (Python, numpy, the
configs) takes wall time, whatever the simulation speed."""

_ROLES = {
    ScenarioRole.LAUNCH: PlatformRole.LAUNCH,
    ScenarioRole.LANDING: PlatformRole.LANDING,
    ScenarioRole.ALTERNATE: PlatformRole.ALTERNATE,
}


@dataclass(frozen=True, slots=True)
class RunOptions:
    speed: float
    out_dir: Path
    console: bool = False
    console_port: int = 8080
    status_every_s: float = 30.0
    """Simulated seconds between status lines on the terminal."""


@dataclass(frozen=True, slots=True)
class RunResult:
    verdict: Verdict
    session_dir: Path
    wall_s: float
    simulated_s: float


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def station_config(scenario: Scenario, options: RunOptions, *, vehicle_port: int,
                   platform_links: dict[str, str]) -> GcsConfig:
    """The ground station's config for this run: the scenario's base config, pointed at the simulator."""
    base = load_gcs_config(scenario.station.config)
    spec = scenario.station
    launch = LaunchConfig(
        enabled=True,
        countdown=spec.countdown,
        commit_criteria=spec.commit_criteria or base.launch.commit_criteria,
        red_lines=spec.red_lines or base.launch.red_lines,
        range=spec.range,
        landing=spec.landing or base.launch.landing,
        tick_s=base.launch.tick_s,
    )
    platforms = tuple(
        PlatformLinkConfig(name=p.name, connection=platform_links[p.name], role=_ROLES[p.role],
                           station=_assigned_station(p.config))
        for p in scenario.platforms
    )
    return dataclasses.replace(
        base,
        vehicle=dataclasses.replace(base.vehicle, connection=f"udpin:127.0.0.1:{vehicle_port}"),
        platforms=platforms,
        recorder=dataclasses.replace(base.recorder, out_dir=str(options.out_dir)),
        console=dataclasses.replace(base.console, enabled=options.console, port=options.console_port),
        launch=launch,
        mqtt=dataclasses.replace(base.mqtt, enabled=False),
    )


ON_STATION_RADIUS_M = 15.0
"""ASSUMPTION: a platform within 15 m of its station is on station (the simulated dynamic positioning
holds 2 m, 1 sigma, per axis, around slow drifts; the commit criteria allow 10 m held for 5 s)."""


def _assigned_station(platform_config: str) -> PlatformStationConfig:
    """The station a simulated platform keeps: the position its own config file gives it."""
    position = load_toml(platform_config).get("position", {})
    try:
        return PlatformStationConfig(latitude_deg=float(position["latitude_deg"]),
                                     longitude_deg=float(position["longitude_deg"]),
                                     on_station_radius_m=ON_STATION_RADIUS_M)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(platform_config, "position", "latitude_deg and longitude_deg of the platform",
                          position) from exc


def vehicle_argv(scenario: Scenario, speed: float, vehicle_port: int) -> list[str]:
    spec = scenario.vehicle
    argv = ["-m", "firmware_sim", "vehicle", "--config", spec.config, "--speed", f"{speed:g}",
            "--seed", str(spec.seed), "--connect", f"udpout:127.0.0.1:{vehicle_port}",
            "--telemetry-hz", f"{spec.telemetry_hz:g}"]
    if spec.flight_software is not None:
        argv += ["--flight-software", spec.flight_software]
    for platform in scenario.platforms:
        argv += ["--platform", f"{platform.sysid}:{platform.config}"]
    return argv


def platform_argv(platform_config: str, nmea: str, *, speed: float, seed: int, mru: str) -> list[str]:
    return ["-m", "firmware_sim", "platform", "--config", platform_config, "--nmea", nmea,
            "--speed", f"{speed:g}", "--seed", str(seed), "--mru", mru]


class _Flight:
    """The run's own loop: plan upload, the launch team, observations, and the end of the run."""

    def __init__(self, scenario: Scenario, hub: Hub, clock: FollowerClock, stop: asyncio.Event,
                 out: TextIO) -> None:
        self.scenario = scenario
        self.hub = hub
        self.clock = clock
        self.stop = stop
        self.out = out
        self.seen = Observations()
        self.timed_out = False
        self.failure: str | None = None
        self._parts: asyncio.Future[StationParts] = asyncio.get_running_loop().create_future()
        self._team = ScriptedTeam()
        self._translator = VehicleTelemetryTranslator()
        self._ends = scenario.expect.end_phase_values

    def station_ready(self, parts: StationParts) -> None:
        if not self._parts.done():
            self._parts.set_result(parts)

    def finished(self) -> bool:
        phase = self.seen.phase
        moved = any(p not in (FlightPhase.SAFE, FlightPhase.STANDBY) for p in self.seen.phases)
        return moved and phase in self._ends

    def _say(self, text: str) -> None:
        print(f"sitl: {text}", file=self.out, flush=True)

    async def run(self) -> None:
        try:
            async with background(
                ("sitl observe vehicle", self._observe_vehicle()),
                ("sitl observe decks", self._observe_decks()),
                ("sitl observe texts", self._observe_texts()),
                ("sitl time limit", self._time_limit()),
            ):
                await self._fly()
                await asyncio.Event().wait()
        except GcsError as exc:
            self.failure = str(exc)
            self._say(f"run failed: {exc}")
            self.stop.set()

    async def _fly(self) -> None:
        parts = await self._parts
        fc, runner = parts.flight_computer, parts.launch
        if runner is None:
            raise GcsError("launch control is off in the station config: nothing would run the count")
        sysid = parts.vehicle_sysid
        vehicle = await fc.wait_for_vehicle(sysid, timeout_s=VEHICLE_FOUND_WALL_S * self.clock.speed)
        range_ = load_range(self.scenario.station.range)
        has_alternate = self.scenario.platform(ScenarioRole.ALTERNATE) is not None
        items = flight_plan_items(range_, target_apogee_m=self.scenario.vehicle.target_apogee_m,
                                  with_alternate=has_alternate)
        await vehicle.mission.upload(items)
        self._say(f"flight plan uploaded: {len(items)} items, {range_.launch.name} to {range_.landing.name}")
        async with self.hub.subscribe(LaunchStatusUpdate, maxsize=64, replay_latest=True) as updates:
            async for update in updates:
                self.seen.launch_status(update.status)
                for request in self._team.decide(update.status):
                    runner.request(request)

    async def _observe_vehicle(self) -> None:
        async with self.hub.subscribe_keyed(MavlinkTelemetry, maxsize=4096, replay_latest=False) as feed:
            async for keyed in feed:
                out = self._translator.translate(keyed.value.msg, self.clock.unix_time_s())
                msg = keyed.value.msg
                if msg.get_type() == "SYSTEM_TIME":
                    self.clock.observe(msg.time_boot_ms / 1000.0)
                if out.state is not None:
                    self.seen.vehicle_state(out.state)
                elif msg.get_type() == "HEARTBEAT":
                    with contextlib.suppress(ValueError):
                        self.seen.vehicle_phase(FlightPhase(msg.custom_mode))
                if self.finished():
                    phase = self.seen.phase
                    self._say(f"vehicle at rest in {phase.config_name if phase is not None else '?'}")
                    self.stop.set()
                    return

    async def _observe_texts(self) -> None:
        async with self.hub.subscribe_keyed(VehicleStatusText, maxsize=256) as feed:
            async for keyed in feed:
                self.seen.status_text(keyed.value.text)

    async def _observe_decks(self) -> None:
        async with self.hub.subscribe_keyed(DeckState, maxsize=256, replay_latest=True) as feed:
            async for keyed in feed:
                self.seen.deck(keyed.value)

    async def _time_limit(self) -> None:
        await self.clock.sleep(self.scenario.time_limit_s)
        self.timed_out = True
        self._say(f"time limit of {self.scenario.time_limit_s:g} simulated seconds reached")
        self.stop.set()


async def run_scenario(scenario: Scenario, options: RunOptions, *, out: TextIO = sys.stdout,
                       on_started: Callable[[Path], None] | None = None) -> RunResult:
    """Run ``scenario`` once; the result's verdict says whether its expectations held."""
    clock = FollowerClock(options.speed, release_after_wall_s=2.0)
    loop = asyncio.get_running_loop()
    wall_start_s = loop.time()
    hub = Hub()
    stop = asyncio.Event()
    options.out_dir.mkdir(parents=True, exist_ok=True)
    log_dir = options.out_dir / f"sitl-{scenario.name}-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    vehicle_port = _free_udp_port()
    children: list[Child] = []
    async with AsyncExitStack() as stack:
        links: dict[str, str] = {}
        for platform in scenario.platforms:
            cable = await stack.enter_async_context(PtyFaultProxy(seed=platform.name))
            links[platform.name] = str(cable.client_endpoint)
            children.append(await stack.enter_async_context(child_process(
                f"platform-{platform.name}",
                platform_argv(platform.config, str(cable.target_endpoint), speed=options.speed,
                              seed=platform.seed, mru=platform.mru.value),
                log_dir=log_dir)))
        config = station_config(scenario, options, vehicle_port=vehicle_port, platform_links=links)
        flight = _Flight(scenario, hub, clock, stop, out)
        children.append(await stack.enter_async_context(child_process(
            "vehicle", vehicle_argv(scenario, options.speed, vehicle_port), log_dir=log_dir)))
        print(f"sitl: scenario {scenario.name} at {options.speed:g}x: vehicle on udp {vehicle_port}, "
              f"platforms {', '.join(f'{k} on {v}' for k, v in links.items())}", file=out, flush=True)

        async def watch_children() -> None:
            waits = [asyncio.create_task(c.exited(), name=f"wait for {c.name}") for c in children]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for wait in waits:
                    wait.cancel()
            dead = [c for c in children if not c.running]
            flight.failure = "; ".join(f"{c.name} exited with {c.process.returncode}: {c.tail(5)}"
                                       for c in dead)
            print(f"sitl: simulator process ended early: {flight.failure}", file=out, flush=True)
            stop.set()

        async with background(("sitl flight", flight.run()), ("sitl children", watch_children())):
            session_dir = await run_station(
                config, clock=clock, stop=stop, hub=hub, out=out, status_every_s=options.status_every_s,
                on_started=on_started, on_parts=flight.station_ready,
            )
    verdict = judge(scenario.expect, flight.seen, timed_out=flight.timed_out)
    if flight.failure is not None:
        verdict = Verdict((*verdict.checks, Check("run", False, flight.failure)))
    wall_s = loop.time() - wall_start_s
    result = RunResult(verdict, session_dir, wall_s, clock.monotonic_s())
    (session_dir / "verdict.json").write_text(json.dumps({
        "scenario": scenario.name, "passed": verdict.passed, "speed": options.speed,
        "wall_s": round(wall_s, 3), "simulated_s": round(result.simulated_s, 3),
        "checks": [dataclasses.asdict(c) for c in verdict.checks],
        "phases": [p.config_name for p in flight.seen.phases],
        "automatic_holds": flight.seen.automatic_holds,
    }, indent=2) + "\n")
    return result
