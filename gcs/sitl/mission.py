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
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from gcs.app import StationParts, run_station
from gcs.clock import FollowerClock
from gcs.config import (
    GcsConfig,
    LaunchConfig,
    PlatformFeedRatesConfig,
    PlatformLinkConfig,
    PlatformRole,
    PlatformStationConfig,
    load_gcs_config,
    load_toml,
)
from gcs.domain.deck_motion import DEFAULT_RATE_SPAN_S
from gcs.domain.phases import FlightPhase
from gcs.domain.platform import DeckState
from gcs.errors import ConfigError, GcsError
from gcs.hub import Hub
from gcs.launch.actions import Refused
from gcs.launch.flight_plan import flight_plan_items
from gcs.launch.range_safety import load_range
from gcs.launch.runner import LaunchStatusUpdate
from gcs.links.sea_platform_values import PlatformFeedHealth
from gcs.links.values import MavlinkTelemetry, VehicleStatusText
from gcs.links.vehicle_telemetry import VehicleTelemetryTranslator
from gcs.sitl.accounts import run_account
from gcs.sitl.children import Child, child_process
from gcs.sitl.scenario import LinkDirection, Scenario
from gcs.sitl.scenario import PlatformRole as ScenarioRole
from gcs.sitl.team import ScriptedTeam
from gcs.sitl.verdict import Check, Observations, Verdict, judge
from gcs.tasks import background, describe_tasks
from gcs.transport.faults import FaultSpec
from gcs.transport.proxy import PtyFaultProxy, UdpFaultProxy

VEHICLE_FOUND_WALL_S = 30.0
"""Wall seconds to wait for the vehicle's first heartbeat: starting a process (Python, numpy, the
configs) takes wall time, whatever the simulation speed."""

SHUTDOWN_REPORT_WALL_S = 20.0
"""Wall seconds a station may take to close after the run's end before its tasks are printed."""

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
    mqtt_url: str | None = None
    """``--mqtt URL``: fan the run out to a broker, as ``gcs run --mqtt`` does (off unless asked, whatever
    the station config says: a simulated flight must not land on a real site's topics by accident)."""
    linger: bool = False
    """With the console: once judged, keep the run (simulators, station, console) going for a look
    until ``ConsoleHold.leave`` is set (``gcs sitl``: Ctrl-C)."""
    fleet_db: Path | None = None
    """The fleet database the flight is written to (default: ``fleet.sqlite`` in ``out_dir``, so
    runs into the same folder fly the same airframe again)."""


class ConsoleHold:
    """A judged run kept open for the console: ``open`` is set when it starts waiting, ``leave`` ends it."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.leave = asyncio.Event()


@dataclass(frozen=True, slots=True)
class PhaseMark:
    """The vehicle was first seen in ``phase`` at ``simulated_s`` (station clock), ``wall_s`` (loop time)."""

    phase: FlightPhase
    simulated_s: float
    wall_s: float


@dataclass(frozen=True, slots=True)
class RunResult:
    verdict: Verdict
    session_dir: Path
    wall_s: float
    simulated_s: float
    phase_marks: tuple[PhaseMark, ...] = ()
    """Where each phase began; with ``simulated_s`` and the run's end, each phase's pace."""
    start_wall_s: float = 0.0
    """The run's start in loop time (the phase marks' wall origin)."""


PLATFORM_BAUD = 57600
"""The platforms' sensor boxes talk at this rate (in simulated time)."""
_STANDARD_BAUDS = (57600, 115200, 230400, 460800, 921600, 1152000, 1500000, 2000000, 3000000, 4000000)


def sitl_baud(speed: float) -> int:
    """The wall-clock baud rate of a platform's serial pair at ``speed``.

    At N times real time a sensor box sends N times the bytes per wall second: a 57,600 baud
    line, paced as one, would overrun (the simulated box drops what the line cannot carry, as a
    UART does) and the ground would see its GNSS and wind go stale. So the pair runs at the line's
    rate in simulated time: the smallest standard rate that carries 57,600 x N (a pty carries any),
    at most 4 Mbaud, beyond which the box's own pacing drops sentences and says so in its log.
    """
    need = PLATFORM_BAUD * max(speed, 1.0)
    return next((b for b in _STANDARD_BAUDS if b >= need), _STANDARD_BAUDS[-1])


def link_fault_specs(scenario: Scenario, link: str) -> tuple[FaultSpec, FaultSpec]:
    """(to the ground, from the ground) for ``link``: the scenario's ``[[link_faults]]`` on it, merged."""
    specs = []
    for wanted in (LinkDirection.TO_GROUND, LinkDirection.FROM_GROUND):
        faults = [f for f in scenario.link_faults
                  if f.link == link and f.direction in (wanted, LinkDirection.BOTH)]
        specs.append(FaultSpec(
            loss_probability=max((f.loss_probability for f in faults), default=0.0),
            bit_flip_probability=max((f.bit_flip_probability for f in faults), default=0.0),
            duplicate_probability=max((f.duplicate_probability for f in faults), default=0.0),
            blackout_windows_s=tuple(w for f in faults for w in f.blackouts),
        ))
    return specs[0], specs[1]


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def station_config(scenario: Scenario, options: RunOptions, *, vehicle_port: int,
                   platform_links: dict[str, str]) -> GcsConfig:
    """The ground station's config for this run: the scenario's base config, pointed at the simulator."""
    base = load_gcs_config(scenario.station.config)
    spec = scenario.station
    vehicle_type = str(load_toml(scenario.vehicle.config).get("name", Path(scenario.vehicle.config).stem))
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
                           station=_assigned_station(p.config),
                           expected_rates=PlatformFeedRatesConfig(
                               stale_floor_s=feed_stale_floor_s(options.speed)),
                           motion_rate_span_s=deck_rate_span_s(options.speed))
        for p in scenario.platforms
    )
    return dataclasses.replace(
        base,
        # Commands and transfers wait on the station's clock, which follows the simulation, but
        # their round trips take wall time: their timeouts stay the configured wall seconds at any
        # speed (else a loaded machine at 10x fails the terminal-count hand-off and the count aborts).
        vehicle=dataclasses.replace(
            base.vehicle, connection=f"udpin:127.0.0.1:{vehicle_port}",
            command_timeout_s=base.vehicle.command_timeout_s * max(1.0, options.speed),
            mission_timeout_s=base.vehicle.mission_timeout_s * max(1.0, options.speed),
            param_timeout_s=base.vehicle.param_timeout_s * max(1.0, options.speed)),
        platforms=platforms,
        recorder=dataclasses.replace(base.recorder, out_dir=str(options.out_dir)),
        console=dataclasses.replace(base.console, enabled=options.console, port=options.console_port),
        launch=launch,
        cargo=dataclasses.replace(
            base.cargo, manifest=spec.manifest or "", vehicle=scenario.vehicle.config,
            planned_flight_s=spec.planned_flight_s),
        fleet=dataclasses.replace(
            base.fleet, enabled=True, database=str(options.fleet_db or options.out_dir / "fleet.sqlite"),
            vehicle_type=vehicle_type, vehicle_id=scenario.vehicle.tail or f"SIM-{vehicle_type}",
            # Re-read on the station's clock: as often in wall time as at 1x, not N times as often.
            refresh_s=base.fleet.refresh_s * max(1.0, options.speed)),
        mqtt=dataclasses.replace(base.mqtt, enabled=True, url=options.mqtt_url)
        if options.mqtt_url is not None else dataclasses.replace(base.mqtt, enabled=False),
    )


FEED_STALE_FLOOR_WALL_S = 0.05
"""At speed, no platform value is stale younger than this much wall time (in simulated seconds)."""


def feed_stale_floor_s(speed: float) -> float:
    """The platform feeds' ``stale_floor_s`` for a run at ``speed``, in simulated seconds.

    A simulated sensor box sends no more often than it runs: it looks at its clock every 2 ms of
    wall time at best, and a loaded two-core machine leaves a process unscheduled for tens of ms.
    At 100x a 10 Hz motion feed (stale after 3 periods: 0.3 simulated s, 3 ms of wall time) came
    every 0.2-0.3 simulated s, and the landing barge's deck turned NaN and back ~100 times in a
    cargo run ("pitch max 10 min deg nan"). So at speed a value is stale only after 50 ms of wall
    time: 5 simulated seconds at 100x, 0.5 at 10x, and at 1x the rates' own rule (0.05 s is
    shorter than any of them).
    """
    return FEED_STALE_FLOOR_WALL_S * max(1.0, speed)


DECK_RATE_SPAN_WALL_S = 0.02
"""At speed, the deck rates' span is at least this much wall time (in simulated seconds)."""


def deck_rate_span_s(speed: float) -> float:
    """The platform feeds' ``motion_rate_span_s`` for a run at ``speed``, in simulated seconds.

    A rate needs samples over half its span, and at 100x a box's motion samples come 0.2-0.3
    simulated seconds apart (more when it is descheduled): over 0.5 s the deck's rates were NaN
    ~300 times in a cargo run. Over 20 ms of wall time (2 simulated seconds at 100x, 0.5 s up to 25x)
    they are known; the slope over 2 s of a 6-9 s swell is 90-95 % of its peak rate.
    """
    return max(DEFAULT_RATE_SPAN_S, DECK_RATE_SPAN_WALL_S * speed)


SIMULATED_VEHICLE_SYSID = 1
"""The simulated vehicle's MAVLink system id (``vehicle_argv`` leaves ``firmware-sim``'s default)."""

_JUDGED_MESSAGES = frozenset({"GLOBAL_POSITION_INT", "HEARTBEAT"})
"""What the scenario's judge translates: the vehicle's states (positions) and phases (heartbeats)."""

RECOVERY_GRACE_S = 60.0
"""Simulated seconds a run at rest waits for the recovery checklist before it is judged anyway."""

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


def _with_console_login(config: GcsConfig, folder: Path, out: TextIO) -> GcsConfig:
    """``config`` as it is if its console user file exists; else with an account for this run only."""
    if Path(config.console.users_file).exists():
        return config
    account = run_account(folder)
    print(f"sitl: no console user file at {config.console.users_file}; log in for this run as "
          f"{account.name!r} with password {account.password!r} (viewer, operator)", file=out, flush=True)
    return dataclasses.replace(config, console=dataclasses.replace(
        config.console, users_file=str(account.users_file)))


GROUND_LINK_TIMEOUT_S = 5.0
"""The flight software's GL_TIMEOUT_S default: no ground link for this long is link loss."""
GROUND_LINK_TIMEOUT_WALL_S = 1.0
"""At high speed the vehicle allows the ground at least this much wall time of silence."""


def ground_link_timeout_s(speed: float) -> float:
    """GL_TIMEOUT_S for a run at ``speed``, in simulated seconds.

    The station is a Python process on a shared machine: a pause of a few hundred milliseconds of
    wall time (a busy loop turn, the other processes) is 5 simulated seconds at 20x, and a vehicle
    that counts it as link loss disarms on the pad. So the vehicle allows at least 1 s of wall time,
    within the parameter's range (at most 60 s).
    """
    return min(60.0, max(GROUND_LINK_TIMEOUT_S, GROUND_LINK_TIMEOUT_WALL_S * speed))


GROUND_LEAD_WALL_S = 0.5
"""The simulated vehicle runs at most this much wall time of telemetry ahead of what the station
has read (``firmware-sim vehicle --ground-lead-s``), and at least 2 simulated seconds."""

GROUND_LEAD_MAX_S = 10.0
"""...and at most this many simulated seconds: every round trip the ground starts (each of a
flight plan's item requests, a parameter, a command) waits out the lead, so at 100x an uncapped
lead of 50 simulated seconds made a 22-item upload take ~900 simulated seconds and moved the count
into another stretch of the sea."""


def ground_lead_s(speed: float) -> float:
    """``--ground-lead-s`` for a run at ``speed``, in simulated seconds.

    Asked more than the machine can carry, the station would fall seconds behind with its socket
    full of telemetry, and its clock, hearing nothing new for 2 s of wall time, would take the
    vehicle for lost (a cargo run asked 50x on two loaded cores saw it lost and found twenty times,
    and its count never started). Paced by the station, the run goes as fast as the station reads.
    """
    return max(2.0, min(GROUND_LEAD_MAX_S, GROUND_LEAD_WALL_S * speed))


def vehicle_argv(
    scenario: Scenario, speed: float, vehicle_port: int, params_file: Path | None = None
) -> list[str]:
    spec = scenario.vehicle
    argv = ["-m", "firmware_sim", "vehicle", "--config", spec.config, "--speed", f"{speed:g}",
            "--seed", str(spec.seed), "--connect", f"udpout:127.0.0.1:{vehicle_port}",
            "--telemetry-hz", f"{spec.telemetry_hz:g}", "--ground-lead-s", f"{ground_lead_s(speed):g}",
            "--coast-tick-s", f"{coast_tick_s(load_range(scenario.station.range).data_gap_caution_s):g}",
            *_faults_argv(scenario)]
    if params_file is not None:
        argv += ["--params-file", str(params_file)]
    if spec.flight_software is not None:
        argv += ["--flight-software", spec.flight_software]
    for platform in scenario.platforms:
        argv += ["--platform", f"{platform.sysid}:{platform.config}"]
    return argv


COAST_TICK_MAX_S = 1.0
"""The simulated vehicle's longest coast tick (``firmware-sim vehicle --coast-tick-s`` default)."""


def coast_tick_s(data_gap_caution_s: float) -> float:
    """The vehicle's coast tick for a range whose data-gap caution is ``data_gap_caution_s``.

    Above the air the simulated vehicle takes long ticks, and its state changes (and is reported)
    once a tick. With 1 s ticks and a 1 s caution (the cargo range) range safety called "no vehicle
    state for 1.0 s" and "flowing again" 300-570 times in every cargo run's coast: the ticks are at
    most half the caution.
    """
    return min(COAST_TICK_MAX_S, data_gap_caution_s / 2.0)


def _faults_argv(scenario: Scenario) -> list[str]:
    # The simulator reads the scenario's [faults] table itself (and only that table).
    return ["--faults", str(scenario.path)] if scenario.simulator_faults else []


def platform_argv(platform_config: str, nmea: str, *, speed: float, seed: int, mru: str,
                  scenario: Scenario | None = None) -> list[str]:
    return ["-m", "firmware_sim", "platform", "--config", platform_config, "--nmea", nmea,
            "--speed", f"{speed:g}", "--seed", str(seed), "--mru", mru,
            "--follow-stdin-lead-s", f"{ground_lead_s(speed):g}",
            *(_faults_argv(scenario) if scenario is not None else [])]


STATION_TIME_EVERY_WALL_S = 0.02
"""How often the platforms' sensor boxes are told the station's time (``--follow-stdin-lead-s``)."""


async def tell_station_time(clock: FollowerClock, children: list[Child]) -> None:
    """Keep the platforms' boxes to the station's clock (which follows the vehicle): a station
    slower than the asked speed must get their sentences at its own pace, not the asked one."""
    while True:
        line = f"{clock.monotonic_s():.3f}\n".encode()
        for child in children:
            stdin = child.process.stdin
            if stdin is not None and child.running and not stdin.is_closing():
                stdin.write(line)
        await asyncio.sleep(STATION_TIME_EVERY_WALL_S)


class MissionFlight:
    """The run's own loop: plan upload, the launch team, observations, and the end of the run."""

    def __init__(self, scenario: Scenario, hub: Hub, clock: FollowerClock, stop: asyncio.Event,
                 out: TextIO, hold: ConsoleHold | None = None, console_url: str = "") -> None:
        self.scenario = scenario
        self.hold = hold
        self.console_url = console_url
        self.ended_at: tuple[float, float] | None = None
        """(loop time, simulated s) when judged: a lingering run's pace is its flight's."""
        self.verdict: Verdict | None = None
        """Taken when the run ends (the vehicle at rest, the time limit), before any lingering."""
        self.hub = hub
        self.clock = clock
        self.stop = stop
        self.out = out
        self.seen = Observations()
        self.phase_marks: list[PhaseMark] = []
        """Where each phase the vehicle reported began, in simulated and wall time."""
        self.timed_out = False
        self.failure: str | None = None
        self.parts: StationParts | None = None
        """The running station's parts (a restarted station brings new ones)."""
        self._parts_ready = asyncio.Event()
        self.kill = asyncio.Event()
        """Set when the scenario's station restart is due: the station is killed and started anew."""
        self._lifted_off = asyncio.Event()
        self._team = ScriptedTeam(script=scenario.team)
        self._translator = VehicleTelemetryTranslator()
        self._ends = scenario.expect.end_phase_values
        self._rest_since_s: float | None = None
        self.liftoff_proxies: list[PtyFaultProxy | UdpFaultProxy] = []
        """Fault proxies whose blackouts count from liftoff: told of it when the count shows it."""

    def station_ready(self, parts: StationParts) -> None:
        self.parts = parts
        self._parts_ready.set()

    def station_killed(self) -> None:
        """The station is gone: what it retained is gone with it; the next one must find the flight."""
        self.parts = None
        self._parts_ready.clear()
        self.kill.clear()
        self.hub.forget_latest()
        self.seen.station_restarted()

    def finished(self) -> bool:
        phase = self.seen.phase
        moved = any(p not in (FlightPhase.SAFE, FlightPhase.STANDBY) for p in self.seen.phases)
        if not (moved and phase in self._ends):
            self._rest_since_s = None
            return False
        now_s = self.clock.monotonic_s()
        if self._rest_since_s is None:
            self._rest_since_s = now_s
        # At rest, the recovery crew still has its checklist to finish (secure, unload): a run that
        # ends before that would never show the delivery done. A checklist that cannot finish (no
        # deck to secure the vehicle on) does not hold the run for long.
        return not self.seen.recovery_open or now_s - self._rest_since_s >= RECOVERY_GRACE_S

    def judge_now(self) -> Verdict:
        verdict = judge(self.scenario.expect, self.seen, timed_out=self.timed_out)
        if self.failure is not None:
            verdict = Verdict((*verdict.checks, Check("run", False, self.failure)))
        return verdict

    async def _end(self) -> None:
        """Judge the run now; then, if asked, keep everything running for the console until told to leave."""
        if self.verdict is not None:
            return
        self.verdict = self.judge_now()
        self.ended_at = (asyncio.get_running_loop().time(), self.clock.monotonic_s())
        if self.hold is not None:
            outcome = "PASSED" if self.verdict.passed else "FAILED"
            self._say(f"{self.scenario.name} {outcome}; the console stays open at {self.console_url} "
                      "for a look (Ctrl-C ends the run)")
            self.hold.open.set()
            await self.hold.leave.wait()
        self.stop.set()

    def _say(self, text: str) -> None:
        print(f"sitl: {text}", file=self.out, flush=True)

    async def run(self) -> None:
        try:
            async with background(
                ("sitl observe vehicle", self._observe_vehicle()),
                ("sitl observe decks", self._observe_decks()),
                ("sitl observe texts", self._observe_texts()),
                ("sitl observe feeds", self._observe_feeds()),
                ("sitl time limit", self._time_limit()),
                ("sitl station restart", self._restart_timer()),
            ):
                await self._fly()
                await asyncio.Event().wait()
        except GcsError as exc:
            self.failure = str(exc)
            self._say(f"run failed: {exc}")
            self.stop.set()

    async def _restart_timer(self) -> None:
        after_s = self.scenario.station.restart_after_liftoff_s
        if after_s is None:
            return
        await self._lifted_off.wait()
        await self.clock.sleep(after_s)
        self._say(f"killing the ground station {after_s:g} s after liftoff (vehicle in "
                  f"{self.seen.phase.config_name if self.seen.phase is not None else '?'})")
        self.kill.set()

    async def _fly(self) -> None:
        await self._parts_ready.wait()
        parts = self.parts
        assert parts is not None
        fc = parts.flight_computer
        if parts.launch is None:
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
                runner = self.parts.launch if self.parts is not None else None
                if runner is None:
                    continue  # a status the killed station left in the queue
                if update.status.countdown.lifted_off:
                    self._lifted_off.set()
                if update.status.countdown.lifted_off and self.liftoff_proxies:
                    for proxy in self.liftoff_proxies:
                        proxy.count_windows_from()
                    self._say("liftoff: link fault windows counted from now")
                    self.liftoff_proxies = []
                self.seen.launch_status(update.status)
                for request in self._team.decide(update.status):
                    for action in runner.request(request):
                        if isinstance(action, Refused):
                            self.seen.refused(action.reason)
                if self.seen.scrubbed and self.verdict is None:
                    self._say("the count was scrubbed")
                    await self._end()

    async def _observe_vehicle(self) -> None:
        # Woken only for the clock's SYSTEM_TIME and what the judge looks at, not for every frame.
        topics = [(SIMULATED_VEHICLE_SYSID, name) for name in ("SYSTEM_TIME", *_JUDGED_MESSAGES)]
        subscription = self.hub.subscribe_keyed(MavlinkTelemetry, maxsize=4096, keys=topics)
        async with subscription as feed:
            async for keyed in feed:
                msg = keyed.value.msg
                kind = msg.get_type()
                if kind == "SYSTEM_TIME":
                    self.clock.observe(msg.time_boot_ms / 1000.0)
                if kind not in _JUDGED_MESSAGES:
                    continue  # the judge looks at states and phases only (half the frames are engines)
                out = self._translator.translate(msg, self.clock.unix_time_s())
                if out.state is not None:
                    self.seen.vehicle_state(out.state)
                elif kind == "HEARTBEAT":
                    with contextlib.suppress(ValueError):
                        self.seen.vehicle_phase(FlightPhase(msg.custom_mode))
                phase = self.seen.phase
                if phase is not None and (not self.phase_marks or self.phase_marks[-1].phase is not phase):
                    self.phase_marks.append(
                        PhaseMark(phase, self.clock.monotonic_s(), asyncio.get_running_loop().time()))
                if self.finished():
                    phase = self.seen.phase
                    self._say(f"recovery checklist {'open' if self.seen.recovery_open else 'done'}")
                    self._say(f"vehicle at rest in {phase.config_name if phase is not None else '?'}")
                    await self._end()
                    return

    async def _observe_texts(self) -> None:
        async with self.hub.subscribe_keyed(VehicleStatusText, maxsize=256) as feed:
            async for keyed in feed:
                self.seen.status_text(keyed.value.text)

    async def _observe_feeds(self) -> None:
        async with self.hub.subscribe_keyed(PlatformFeedHealth, maxsize=256) as feed:
            async for keyed in feed:
                self.seen.feed_health(keyed.value)

    async def _observe_decks(self) -> None:
        async with self.hub.subscribe_keyed(DeckState, maxsize=256, replay_latest=True) as feed:
            async for keyed in feed:
                self.seen.deck(keyed.value)

    async def _time_limit(self) -> None:
        await self.clock.sleep(self.scenario.time_limit_s)
        if self.verdict is not None:
            return  # judged already, and kept open for the console
        self.timed_out = True
        self._say(f"time limit of {self.scenario.time_limit_s:g} simulated seconds reached")
        await self._end()


async def run_scenario(scenario: Scenario, options: RunOptions, *, out: TextIO = sys.stdout,
                       on_started: Callable[[Path], None] | None = None,
                       hold: ConsoleHold | None = None) -> RunResult:
    """Run ``scenario`` once; the result's verdict says whether its expectations held.

    With ``options.linger`` and the console on, the judged run stays up until ``hold.leave`` is set.
    """
    if options.linger and options.console and hold is None:
        hold = ConsoleHold()
    if not (options.linger and options.console):
        hold = None
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
    liftoff_proxies: list[PtyFaultProxy | UdpFaultProxy] = []
    async with AsyncExitStack() as stack:
        links: dict[str, str] = {}
        for platform in scenario.platforms:
            to_ground, from_ground = link_fault_specs(scenario, platform.name)
            # The station opens the client end: "up" is from the ground, "down" to it.
            from_liftoff = scenario.windows_from_liftoff(platform.name)
            cable = await stack.enter_async_context(PtyFaultProxy(
                seed=platform.name, baud=sitl_baud(options.speed), up=from_ground, down=to_ground,
                clock=clock, windows_from_start=not from_liftoff))
            if from_liftoff:
                liftoff_proxies.append(cable)
            links[platform.name] = str(cable.client_endpoint)
            children.append(await stack.enter_async_context(child_process(
                f"platform-{platform.name}",
                platform_argv(platform.config, str(cable.target_endpoint), speed=options.speed,
                              seed=platform.seed, mru=platform.mru.value, scenario=scenario),
                log_dir=log_dir, stdin_pipe=True)))
        config = station_config(scenario, options, vehicle_port=vehicle_port, platform_links=links)
        if options.console:
            config = _with_console_login(config, log_dir, out)
        vehicle_sends_to = vehicle_port
        if any(f.link == "vehicle" for f in scenario.link_faults):
            # The vehicle talks to the proxy, which passes its datagrams on to the station: "up" is
            # the vehicle's telemetry to the ground, "down" the station's commands to it.
            to_ground, from_ground = link_fault_specs(scenario, "vehicle")
            from_liftoff = scenario.windows_from_liftoff("vehicle")
            proxy = await stack.enter_async_context(UdpFaultProxy(
                target=f"udpout:127.0.0.1:{vehicle_port}", up=to_ground, down=from_ground,
                seed="vehicle", clock=clock, windows_from_start=not from_liftoff))
            if from_liftoff:
                liftoff_proxies.append(proxy)
            vehicle_sends_to = proxy.listen_endpoint.port
        flight = MissionFlight(scenario, hub, clock, stop, out, hold,
                         f"http://{config.console.bind_host}:{config.console.port}/")
        flight.liftoff_proxies = liftoff_proxies
        params_file = log_dir / "vehicle.parm"
        params_file.write_text(f"# gcs sitl at {options.speed:g}x\n"
                               f"GL_TIMEOUT_S {ground_link_timeout_s(options.speed):g}\n")
        argv = vehicle_argv(scenario, options.speed, vehicle_sends_to, params_file)
        children.append(await stack.enter_async_context(child_process("vehicle", argv, log_dir=log_dir)))
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

        async def watch_shutdown() -> None:
            # A station that does not close within this long after the end is hung: say where (CI
            # would otherwise only see its own time limit); the run still waits for it.
            await stop.wait()
            await asyncio.sleep(SHUTDOWN_REPORT_WALL_S)
            print(f"sitl: the station has not closed {SHUTDOWN_REPORT_WALL_S:g} s after the end; its tasks:",
                  file=sys.stderr, flush=True)
            for line in describe_tasks():
                print(f"  {line}", file=sys.stderr, flush=True)

        segments: list[Path] = []

        def started(path: Path) -> None:
            segments.append(path)
            if on_started is not None:
                on_started(path)

        platform_children = [c for c in children if c.name.startswith("platform-")]
        async with background(("sitl flight", flight.run()), ("sitl children", watch_children()),
                              ("sitl shutdown watch", watch_shutdown()),
                              ("sitl station time", tell_station_time(clock, platform_children))):
            while True:
                session_dir = await _station_until_killed(
                    flight, run_station(config, clock=clock, stop=stop, hub=hub, out=out,
                                        status_every_s=options.status_every_s, on_started=started,
                                        on_parts=flight.station_ready))
                if session_dir is not None:
                    break
                down_s = scenario.station.restart_down_s
                print(f"sitl: ground station killed (session {segments[-1].name if segments else '?'}); "
                      f"a new one starts in {down_s:g} s", file=out, flush=True)
                flight.station_killed()
                if await _stopped_within(stop, clock, down_s):
                    session_dir = segments[-1]
                    break
    verdict = flight.verdict if flight.verdict is not None else flight.judge_now()
    end_wall_s, end_simulated_s = flight.ended_at or (loop.time(), clock.monotonic_s())
    wall_s = end_wall_s - wall_start_s
    result = RunResult(verdict, session_dir, wall_s, end_simulated_s, tuple(flight.phase_marks), wall_start_s)
    (session_dir / "verdict.json").write_text(json.dumps({
        "scenario": scenario.name, "passed": verdict.passed, "speed": options.speed,
        "wall_s": round(wall_s, 3), "simulated_s": round(result.simulated_s, 3),
        "checks": [dataclasses.asdict(c) for c in verdict.checks],
        "phases": [p.config_name for p in flight.seen.phases],
        "automatic_holds": flight.seen.automatic_holds,
        "segments": [p.name for p in segments],
    }, indent=2) + "\n")
    return result


async def _station_until_killed(flight: MissionFlight, station: Coroutine[Any, Any, Path]) -> Path | None:
    """Run ``station`` to its end (its session folder) or until the flight kills it (None).

    Killed means cancelled at once, mid-flight: the station says no goodbye to the vehicle, and its
    recorder closes what it has (a process killed outright would lose at most the last flush).
    """
    task = asyncio.create_task(station, name="ground station")
    kill = asyncio.create_task(flight.kill.wait(), name="sitl station kill")
    try:
        await asyncio.wait({task, kill}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        kill.cancel()
    if task.done():
        return task.result()
    task.cancel()
    await asyncio.wait({task})  # not ``await task``: our own cancellation must still reach us
    failure = None if task.cancelled() else task.exception()
    if failure is not None:
        raise failure
    return None


async def _stopped_within(stop: asyncio.Event, clock: FollowerClock, duration_s: float) -> bool:
    """Whether ``stop`` is set within ``duration_s`` of the clock's time."""
    waits = {asyncio.create_task(stop.wait(), name="sitl stop while the station is down"),
             asyncio.create_task(clock.sleep(duration_s), name="sitl station down")}
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
    return stop.is_set()
