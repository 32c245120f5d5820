"""The composition root of ``gcs run``: reads the config, builds everything, runs it in one TaskGroup.

Parts: the recorder (journal also on the hub), the MQTT bridge if enabled, the operator console if
enabled (``--console HOST:PORT`` / ``--no-console``), the flight-computer and platform links, and
launch control, whose requests the console sends.

Only this module sees the whole ``GcsConfig``; each part receives its own slice and the narrow
callables it reports to (frames and raw sentences to the recorder, journal entries, the hub). On
Ctrl-C or SIGTERM the tasks are cancelled in order, the recorder flushes and closes its files, and
the vehicle is left exactly as it was: shutting the ground station down sends nothing to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import signal
import sys
from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from gcs.bridge.catalog import standard_routes
from gcs.bridge.mqtt import MqttBridge
from gcs.bridge.settings import bridge_settings
from gcs.bridge.values import BridgeStats, connection_change
from gcs.cargo.bay_limits import load_bay_limits
from gcs.cargo.check import CargoCheck, check_manifest_file
from gcs.cargo.station import CargoWatch, cargo_criteria, unloaded_item
from gcs.clock import Clock, WallClock
from gcs.config import GcsConfig, PlatformLinkConfig, load_gcs_config
from gcs.console.server import ConsoleServer, ConsoleSettings
from gcs.console.views import ExpectedPeriods
from gcs.domain.delivery import DeliveryEvent
from gcs.domain.fields import Sample
from gcs.domain.phases import FlightPhase as Phase
from gcs.errors import ConfigError
from gcs.fleet.limits import FleetLimits, load_fleet_limits
from gcs.fleet.station import FleetWatch, FlightRecorded
from gcs.hub import Hub
from gcs.launch.actions import Action, CommandVehicle
from gcs.launch.control import FleetStatusReport, LaunchControl, LaunchSetup, TelemetrySamples, load_setup
from gcs.launch.redlines import red_lines_for_cargo
from gcs.launch.runner import CommandOutcome, LaunchRunner, LaunchStatusUpdate
from gcs.launch.vehicle_commands import MavlinkCommander
from gcs.links.flight_computer import FlightComputerLink, open_flight_computer
from gcs.links.sea_platform import open_sea_platform_from_config
from gcs.links.sea_platform_values import PlatformFeedHealth
from gcs.links.sinks import JournalEntry
from gcs.links.values import VehicleHeartbeat, VehicleLinkHealth
from gcs.protocol.dialect import FlightPhase
from gcs.recorder.journal import JournalKind
from gcs.recorder.writer import RecorderSettings, SessionRecorder


@dataclass(frozen=True, slots=True)
class RunOverrides:
    """What ``gcs run`` flags change in the config, so a user never edits a file to point elsewhere."""

    vehicle: str | None = None
    platforms: tuple[tuple[str, str], ...] = ()
    out_dir: str | None = None
    mqtt_url: str | None = None
    """``--mqtt URL``: switches the MQTT fan-out on (and overrides the configured broker)."""
    console: tuple[str, int] | None = None
    """``--console HOST:PORT``: switches the console on, listening there."""
    no_console: bool = False
    """``--no-console``: no web console for this run."""


@dataclass(frozen=True, slots=True)
class StationParts:
    """The running station's parts, for a caller that drives it (``gcs sitl`` uploads the plan and
    plays the launch team through them)."""

    flight_computer: FlightComputerLink
    launch: LaunchRunner | None
    vehicle_sysid: int
    session_dir: Path


def parse_platform_override(text: str) -> tuple[str, str]:
    """``NAME=CONNECTION`` from ``--platform``.

    Raises:
        ConfigError: not of that form.
    """
    name, sep, connection = text.partition("=")
    if not sep or not name.strip() or not connection.strip():
        raise ConfigError("--platform", "", "NAME=CONNECTION, e.g. landing-barge=/dev/ttyUSB1,38400", text)
    return name.strip(), connection.strip()


def parse_console_override(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (or ``[IPv6]:PORT``) from ``--console``.

    Raises:
        ConfigError: not of that form.
    """
    expected = "HOST:PORT, e.g. 127.0.0.1:8080 (port 0 picks a free one)"
    host, sep, port = text.rpartition(":")
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not host or not port.strip().isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError("--console", "", expected, text)
    return host, int(port)


def apply_overrides(config: GcsConfig, overrides: RunOverrides) -> GcsConfig:
    """The config with the command-line flags applied (a platform not in the file is added)."""
    vehicle = config.vehicle
    if overrides.vehicle is not None:
        vehicle = dataclasses.replace(vehicle, connection=overrides.vehicle)
    platforms = list(config.platforms)
    for name, connection in overrides.platforms:
        for i, platform in enumerate(platforms):
            if platform.name == name:
                platforms[i] = dataclasses.replace(platform, connection=connection)
                break
        else:
            platforms.append(PlatformLinkConfig(name=name, connection=connection))
    recorder = config.recorder
    if overrides.out_dir is not None:
        recorder = dataclasses.replace(recorder, out_dir=overrides.out_dir)
    mqtt = config.mqtt
    if overrides.mqtt_url is not None:
        mqtt = dataclasses.replace(mqtt, enabled=True, url=overrides.mqtt_url)
    console = config.console
    if overrides.console is not None:
        host, port = overrides.console
        console = dataclasses.replace(console, enabled=True, bind_host=host, port=port)
    if overrides.no_console:
        console = dataclasses.replace(console, enabled=False)
    return dataclasses.replace(config, vehicle=vehicle, platforms=tuple(platforms), recorder=recorder,
                               mqtt=mqtt, console=console)


def recorder_settings(config: GcsConfig) -> RecorderSettings:
    slice_ = config.recorder
    return RecorderSettings(
        out_dir=Path(slice_.out_dir),
        flush_interval_s=slice_.flush_interval_s,
        tlog_segment_bytes=slice_.tlog_segment_bytes,
        max_backlog_bytes=slice_.max_backlog_bytes,
    )


def expected_periods(config: GcsConfig) -> ExpectedPeriods:
    """How often each console key should change, from what this station asks for (docs/console-api.md)."""
    rates = {rate.message: rate.rate_hz for rate in config.vehicle.message_rates}
    defaults = ExpectedPeriods()

    def period(message: str, message_id: int, default_s: float) -> float:
        rate_hz = rates.get(message, rates.get(str(message_id)))
        return default_s if rate_hz is None or rate_hz <= 0 else 1.0 / rate_hz

    platform_state = {
        p.name: max(1.0 / p.publish_rate_hz, 1.0 / p.expected_rates.motion_hz) for p in config.platforms
    }
    return ExpectedPeriods(
        launch_s=config.launch.tick_s,
        heartbeat_s=config.vehicle.heartbeat_interval_s,
        link_s=defaults.link_s,
        state_s=period("GLOBAL_POSITION_INT", 33, defaults.state_s),
        iip_s=period("IMPACT_POINT", 52503, defaults.iip_s),
        platform_state_s=platform_state,
    )


def console_settings(config: GcsConfig) -> ConsoleSettings:
    c = config.console
    return ConsoleSettings(
        bind_host=c.bind_host,
        port=c.port,
        users_file=Path(c.users_file),
        session_ttl_s=c.session_ttl_s,
        max_update_hz=c.max_update_hz,
        client_stall_s=c.client_stall_s,
        max_clients=c.max_clients,
        tls_cert_file=Path(c.tls_cert_file) if c.tls_cert_file else None,
        tls_key_file=Path(c.tls_key_file) if c.tls_key_file else None,
        login_max_failures=c.login_max_failures,
        login_window_s=c.login_window_s,
        login_lockout_s=c.login_lockout_s,
        vehicle_sysid=config.vehicle.system_id,
        platforms=tuple(p.name for p in config.platforms),
        periods=expected_periods(config),
    )


def status_lines(hub: Hub) -> list[str]:
    """One line per vehicle and platform from the latest values on the hub (for the terminal)."""
    lines: list[str] = []
    launch = hub.latest(LaunchStatusUpdate)
    if launch is not None:
        count = launch.status.countdown
        hold = f" hold: {count.hold.reason}" if count.hold is not None else ""
        unacked = sum(1 for alert in launch.status.alerts if alert.acknowledged_by is None)
        lines.append(f"count {count.state.value} T{count.t_count_s:+.0f}s go-for-launch "
                     f"{'yes' if launch.status.go_for_launch.go else 'no'} alerts {unacked}{hold}")
        if not launch.status.criteria_gate.go:
            lines.append(f"commit criteria no-go: {launch.status.criteria_gate.reason}")
    bridge = hub.latest(BridgeStats)
    if bridge is not None:
        down = "" if bridge.connected else f"DOWN ({bridge.last_error or 'not connected yet'})"
        lines.append(f"mqtt {bridge.broker}: {down or 'UP'} events sent {bridge.published_events} "
                     f"queued {bridge.queued_events} dropped {bridge.dropped_events}")
    beats = hub.latest_all(VehicleHeartbeat)
    for sysid, health in sorted(hub.latest_all(VehicleLinkHealth).items(), key=lambda kv: str(kv[0])):
        beat = beats.get(sysid)
        phase = _phase_name(beat)
        age = "-" if health.heartbeat_age_s is None else f"{health.heartbeat_age_s:.1f}s"
        rtt = "-" if health.rtt_s is None else f"{health.rtt_s * 1000:.0f}ms"
        lines.append(
            f"vehicle {sysid}: {'UP' if health.up else 'LOST'} phase {phase} heartbeat age {age} "
            f"loss {health.loss_pct:.1f}% crc {health.crc_errors} sig {health.signature_errors} rtt {rtt}"
        )
    for name, feed in sorted(hub.latest_all(PlatformFeedHealth).items(), key=lambda kv: str(kv[0])):
        stale = ",".join(sorted(kind.value for kind in feed.stale)) or "none"
        rates = " ".join(f"{k}:{v:.0f}Hz" for k, v in sorted(feed.sentence_rates_hz.items()))
        lines.append(f"platform {name}: {'UP' if feed.link_up else 'DOWN'} stale {stale} {rates}")
    return lines


def _phase_name(beat: VehicleHeartbeat | None) -> str:
    if beat is None:
        return "-"
    try:
        return FlightPhase(beat.custom_mode).name
    except ValueError:
        return f"mode {beat.custom_mode}"


async def run_station(
    config: GcsConfig,
    *,
    clock: Clock,
    stop: asyncio.Event,
    hub: Hub | None = None,
    status_every_s: float = 5.0,
    out: TextIO = sys.stdout,
    on_started: Callable[[Path], None] | None = None,
    on_parts: Callable[[StationParts], None] | None = None,
) -> Path:
    """Run the ground station until ``stop`` is set; returns the session folder."""
    hub = hub or Hub()
    # Settle every setting that can be wrong before anything starts (one clear error, no partial run).
    mqtt_settings = bridge_settings(config.mqtt) if config.mqtt.enabled else None
    cargo_check = _cargo_check(config)
    launch_setup = _launch_setup(config, cargo_check)
    fleet_limits = load_fleet_limits(config.fleet.limits) if config.fleet.enabled else None
    platform_names = tuple(p.name for p in config.platforms)
    async with SessionRecorder(recorder_settings(config), clock, platforms=platform_names,
                               hub=hub) as recorder:

        def journal(entry: JournalEntry, payload: Mapping[str, Any]) -> None:
            recorder.journal(JournalKind(entry.value), "vehicle-link", dict(payload))

        recorder.journal(JournalKind.SESSION_START, "gcs", {
            "vehicle": config.vehicle.connection,
            "platforms": {p.name: p.connection for p in config.platforms},
        })
        async with AsyncExitStack() as stack, asyncio.TaskGroup() as group:
            recorder_task = group.create_task(recorder.run(), name="recorder")
            if mqtt_settings is not None:
                # Started before the links so their first events reach the broker too; the bridge's
                # failures stay inside its task (a broker down never touches links or recorder).
                bridge = MqttBridge(hub, standard_routes(), mqtt_settings, clock=clock)
                # Started (and so subscribed) before the bridge, so that its first report is journalled.
                broker_journal = _BrokerJournal(hub, recorder)
                broker_task = group.create_task(broker_journal.run(), name="mqtt broker journal")
                bridge_task = group.create_task(bridge.run(), name="mqtt bridge")
                stack.callback(bridge_task.cancel)
                stack.callback(broker_task.cancel)
            console: ConsoleServer | None = None
            if config.console.enabled:
                # Before the links too, so the page's journal starts with the session.
                console = await stack.enter_async_context(ConsoleServer(
                    console_settings(config), hub=hub, clock=clock, setup=launch_setup,
                    journal=recorder.journal))
                console_task = group.create_task(console.run(), name="console")
                stack.callback(console_task.cancel)
                print(f"gcs: console on {console.url}/", file=out, flush=True)
                if console.users.problem is not None:
                    print(f"gcs: console: nobody can log in: {console.users.problem}", file=out, flush=True)
            fc = await stack.enter_async_context(open_flight_computer(
                config.vehicle, config.station, clock=clock, hub=hub,
                record_frame=recorder.record_frame, journal=journal))
            for platform in config.platforms:
                await stack.enter_async_context(open_sea_platform_from_config(
                    platform, clock=clock, hub=hub, record_nmea=recorder.record_nmea))
            runner: LaunchRunner | None = None
            if launch_setup is not None:
                runner = _launch_runner(config, launch_setup, fc, recorder, hub=hub, clock=clock)
                launch_task = group.create_task(runner.run(), name="launch control")
                stack.callback(launch_task.cancel)
                if console is not None:
                    console.launch = runner
            if cargo_check is not None:
                for line in _cargo_lines(cargo_check):
                    print(f"gcs: cargo: {line}", file=out, flush=True)
                if runner is not None and launch_setup is not None:
                    cargo = _cargo_watch(config, cargo_check, launch_setup, fc, runner, recorder, hub=hub,
                                         clock=clock)
                    cargo_task = group.create_task(cargo.run(), name="cargo")
                    stack.callback(cargo_task.cancel)
            if fleet_limits is not None:
                fleet = _fleet_watch(config, fleet_limits, runner, recorder, hub=hub, clock=clock)
                fleet_task = group.create_task(fleet.run(), name="fleet")
                stack.push_async_callback(_cancel_and_wait, fleet_task)
            # Sessions a killed station left in the folder: repaired, marked and reported while the
            # station runs (after the console subscribed to the journal, so that it shows them; not
            # cancelled at a stop, so that the report reaches this session's journal).
            group.create_task(_recover_interrupted(recorder, out), name="recorder recovery")
            if on_parts is not None:
                on_parts(StationParts(fc, runner, config.vehicle.system_id, recorder.session_dir))
            print(f"gcs: running; session {recorder.session_dir}", file=out, flush=True)
            if on_started is not None:
                on_started(recorder.session_dir)
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), status_every_s)
                except TimeoutError:
                    for line in status_lines(hub) or ["waiting for the vehicle and platforms ..."]:
                        print(f"  {line}", file=out, flush=True)
            # Links close first (their last frames still reach the recorder), then the recorder's
            # timer stops; SessionRecorder.__aexit__ flushes and closes the files.
            await stack.aclose()
            recorder.journal(JournalKind.SESSION_END, "gcs", {"reason": "stopped"})
            recorder_task.cancel()
        return recorder.session_dir


class _BrokerJournal:
    """The broker going away and coming back, into the journal (``link_event``, source ``mqtt``),
    from the ``BridgeStats`` the bridge publishes on the hub at each change."""

    def __init__(self, hub: Hub, recorder: SessionRecorder) -> None:
        self._hub = hub
        self._recorder = recorder

    async def run(self) -> None:
        before: BridgeStats | None = None
        async with self._hub.subscribe(BridgeStats, maxsize=64) as stats:
            async for now in stats:
                change = connection_change(before, now)
                if change is not None:
                    self._recorder.journal(JournalKind.LINK_EVENT, "mqtt", change)
                before = now


async def _recover_interrupted(recorder: SessionRecorder, out: TextIO) -> None:
    try:
        found = await recorder.recover_interrupted()
    except Exception as exc:  # looking back must never take the station down
        print(f"gcs: could not look for sessions left by a killed station: {exc!r}", file=out, flush=True)
        return
    for session in found:
        print(f"gcs: {session.summary()}", file=out, flush=True)


async def _cancel_and_wait(task: asyncio.Task[None]) -> None:
    # The fleet writes an unfinished flight on its way out: let it, before the recorder closes.
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _fleet_watch(
    config: GcsConfig, limits: FleetLimits, runner: LaunchRunner | None, recorder: SessionRecorder, *,
    hub: Hub, clock: Clock,
) -> FleetWatch:
    fleet = config.fleet

    def on_status(go: bool, reason: str) -> None:
        recorder.journal(JournalKind.DECISION if go else JournalKind.ALERT, "fleet", {
            "vehicle_id": fleet.vehicle_id, "go": go, "reason": reason,
        })
        if runner is not None:
            runner.request(FleetStatusReport(fleet.vehicle_id, go, reason))

    def on_recorded(recorded: FlightRecorded) -> None:
        record = recorded.record
        recorder.journal(JournalKind.DECISION, "fleet", {
            "action": "flight_recorded", "vehicle_id": record.vehicle_id, "flight_id": record.flight_id,
            "outcome": record.outcome.value, "engine_starts": record.engine_starts,
            "burn_time_s": round(record.burn_time_s, 1), "result": recorded.result.value,
            "database": fleet.database,
        }, unix_time_s=recorded.unix_time_s)

    return FleetWatch(
        database=Path(fleet.database), limits=limits, vehicle_id=fleet.vehicle_id,
        vehicle_type=fleet.vehicle_type, vehicle_sysid=config.vehicle.system_id,
        session_name=recorder.session_dir.name, hub=hub, clock=clock, on_status=on_status,
        on_recorded=on_recorded, refresh_s=fleet.refresh_s,
    )


def _vehicle_phase(hub: Hub, sysid: int) -> Phase | None:
    beat = hub.latest(VehicleHeartbeat, key=sysid)
    if beat is None:
        return None
    try:
        return Phase(beat.custom_mode)
    except ValueError:
        return None


def _launch_setup(config: GcsConfig, cargo: CargoCheck | None) -> LaunchSetup | None:
    files = config.launch
    if not files.enabled:
        return None
    setup = load_setup(files.countdown, files.commit_criteria, files.red_lines, files.range, files.landing)
    if cargo is None:
        return dataclasses.replace(setup, red_lines=red_lines_for_cargo(setup.red_lines, frozenset()))
    classes = frozenset(c.handling_class for c in cargo.manifest.totals.by_class) if cargo.manifest else None
    return dataclasses.replace(
        setup,
        criteria=setup.criteria + cargo_criteria(config.cargo.mass_tolerance_kg),
        # A manifest that did not read: every class's red lines watch the bay (the safe side).
        red_lines=setup.red_lines if classes is None else red_lines_for_cargo(setup.red_lines, classes),
        recovery=(*setup.recovery, unloaded_item()),
    )


def _cargo_check(config: GcsConfig) -> CargoCheck | None:
    """The manifest checked against the bay; a manifest with bad rows still starts the station (the
    manifest criterion is no-go and says why), a bay config that cannot be read does not."""
    if not config.cargo.manifest:
        return None
    return check_manifest_file(config.cargo.manifest, load_bay_limits(config.cargo.vehicle))


def _cargo_lines(check: CargoCheck) -> list[str]:
    manifest = check.manifest
    if manifest is None:
        return [f"{check.source_name}: not usable, the count will hold on it"] + [
            p.located(check.source_name) for p in check.problems]
    totals = manifest.totals
    head = (f"{check.source_name}: {totals.parcel_count} parcels, {totals.mass_kg:,.1f} kg, "
            f"{totals.volume_m3:.2f} m3, {'within' if check.ok else 'OUTSIDE'} the bay's limits")
    return [head] + [v.message for v in check.violations]


def _cargo_watch(
    config: GcsConfig, check: CargoCheck, setup: LaunchSetup, fc: FlightComputerLink, runner: LaunchRunner,
    recorder: SessionRecorder, *, hub: Hub, clock: Clock,
) -> CargoWatch:
    def feed(samples: tuple[Sample, ...]) -> None:
        runner.request(TelemetrySamples(samples))

    def record(event: DeliveryEvent) -> None:
        recorder.journal(JournalKind.DECISION, "cargo", {
            "action": "delivery", "flight_id": event.flight_id, "stage": event.stage.value,
            "platform": event.platform, "parcels": len(event.parcel_ids), "detail": event.detail,
        }, unix_time_s=event.unix_time_s)

    return CargoWatch(
        check, flight_id=recorder.session_dir.name, landing_platform=setup.range.landing.name,
        planned_flight_s=config.cargo.planned_flight_s, mass_tolerance_kg=config.cargo.mass_tolerance_kg,
        fc=fc, vehicle_sysid=config.vehicle.system_id, hub=hub, clock=clock,
        feed=feed, record=record,
    )


def _launch_runner(
    config: GcsConfig, setup: LaunchSetup, fc: FlightComputerLink, recorder: SessionRecorder, *,
    hub: Hub, clock: Clock,
) -> LaunchRunner:
    files = config.launch
    sites = {site.name: site for site in (setup.range.launch, setup.range.landing, setup.range.alternate)
             if site is not None}
    sysid = config.vehicle.system_id

    async def command(action: CommandVehicle) -> str:
        # The count may decide before the vehicle is found; the command waits for it (and its
        # own timeout), rather than being dropped.
        vehicle = await fc.wait_for_vehicle(sysid, timeout_s=30.0)
        commander = MavlinkCommander(vehicle.commands, sites, lambda: _vehicle_phase(hub, sysid),
                                     now_s=clock.unix_time_s)
        return await commander(action)

    def record(action: Action) -> None:
        recorder.journal(JournalKind(action.record.value), "launch", action.payload(), who=action.who,
                         unix_time_s=action.at_s)

    def record_outcome(outcome: CommandOutcome) -> None:
        recorder.journal(JournalKind.COMMAND_ACK if outcome.ok else JournalKind.ALERT, "launch", {
            "command": outcome.action.command.value, "ok": outcome.ok, "detail": outcome.detail,
        }, unix_time_s=outcome.unix_time_s)

    return LaunchRunner(LaunchControl(setup), hub=hub, clock=clock, vehicle_sysid=sysid, record=record,
                        command=command, record_outcome=record_outcome, tick_s=files.tick_s)


def run(config_path: str, overrides: RunOverrides, *, status_every_s: float = 5.0) -> int:
    config = apply_overrides(load_gcs_config(config_path), overrides)

    async def main() -> Path:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await run_station(config, clock=WallClock(), stop=stop, status_every_s=status_every_s)

    session = asyncio.run(main())
    print(f"gcs: stopped; session recorded in {session}")
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("run", help="run the ground station: vehicle and platform links, recorder")
    parser.add_argument("--config", default="configs/gcs.toml", help="gcs.toml (default configs/gcs.toml)")
    parser.add_argument("--vehicle", metavar="CONNECTION",
                        help="vehicle link, e.g. udpin:0.0.0.0:14550 or tcp:127.0.0.1:5760")
    parser.add_argument("--platform", action="append", default=[], metavar="NAME=CONNECTION",
                        help="a platform's sensor feed, e.g. landing-barge=/dev/ttyUSB1,38400 (repeatable)")
    parser.add_argument("--out", metavar="DIR", help="folder for session recordings (default sessions/)")
    parser.add_argument("--mqtt", metavar="URL",
                        help="fan telemetry out to a broker: mqtt://[USER@]HOST:PORT[/PREFIX] (password from "
                             "the secrets file or SEAPORT_MQTT_PASSWORD, never the URL)")
    console = parser.add_mutually_exclusive_group()
    console.add_argument("--console", metavar="HOST:PORT",
                         help="serve the operator console there (default: [console] of the config, "
                              "127.0.0.1:8080); port 0 picks a free one")
    console.add_argument("--no-console", action="store_true", help="no operator console for this run")
    parser.add_argument("--status-every", type=float, default=5.0, metavar="S",
                        help="print link status every S seconds")
    parser.set_defaults(func=_cli)


def _cli(args: Any) -> int:
    overrides = RunOverrides(
        vehicle=args.vehicle,
        platforms=tuple(parse_platform_override(p) for p in args.platform),
        out_dir=args.out,
        mqtt_url=args.mqtt,
        console=parse_console_override(args.console) if args.console else None,
        no_console=args.no_console,
    )
    return run(args.config, overrides, status_every_s=args.status_every)
