"""``firmware-sim vehicle``: builds a simulated vehicle from config files and serves it on one link.

With a vehicle config this is SITL: the physics of the vehicle and its platforms, the sensor
models and the flight computer stepped in lockstep by ``SitlRunner`` (paced at ``speed`` × wall
time), beside the MAVLink endpoint on the same event loop. Without one it is a bare flight
computer on the pad with no simulation behind it: nothing ticks it, so it stays in SAFE (its self
test needs sensors), yet it serves every MAVLink service; link tests and the demo use that.

A fault schedule (``--faults``) is applied here too: its vehicle faults by the runner, its platform
faults by the models of the platforms the vehicle lands on (the same sea and station as the
platform processes given the same file); each fault is told on ``report`` (stderr) as it begins.
In SITL the physics' inert mass follows the cargo the ground sets (CARGO_MASS_KG) until liftoff,
and CARGO_BAY reads the runner's bay; a flight computer alone steps a bay model of its own from its
telemetry (``io.cargo_bay_sensors``).

The composition root of the simulator: the only place that reads config files and builds the
parts. Knows nothing of the services' rules.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from firmware_sim.faults.schedule import CargoBayHeating, CargoBaySmoke, FaultSchedule, load_fault_schedule
from firmware_sim.faults.timeline import platform_conditions, summary
from firmware_sim.firmware.computer import FlightComputer
from firmware_sim.firmware.config import FlightSoftwareConfig, load_flight_software_config
from firmware_sim.firmware.flight_plan import KnownPlatform, PlatformDirectory
from firmware_sim.firmware.flight_plan_types import PlatformSite
from firmware_sim.firmware.param_defs import parameters_for
from firmware_sim.firmware.params import ParamStore
from firmware_sim.io.cargo_bay_sensors import SnapshotBay, runner_bay
from firmware_sim.io.ground_pace import GroundPace
from firmware_sim.io.hil_flight_computer import HilFlightComputerBridge
from firmware_sim.io.hil_messages import SensorFrameAssembler
from firmware_sim.io.hil_physics import HilPhysics
from firmware_sim.io.mavlink_endpoint import EndpointSettings, VehicleEndpoint
from firmware_sim.io.mavlink_port import MavlinkPort
from firmware_sim.io.platform_entry import CONFIGS, DEFAULT_PLATFORMS, PlatformEntry
from firmware_sim.io.signing import SigningSettings, new_codec
from firmware_sim.io.vehicle_telemetry import TelemetryContext
from firmware_sim.io.wire import open_stream, parse_address
from firmware_sim.physics.config import (
    PlatformConfig,
    PlatformKind,
    VehicleConfig,
    load_platform_config,
    load_vehicle_config,
)
from firmware_sim.physics.platform import Platform
from firmware_sim.runner import SitlRunner
from firmware_sim.sensors import load_sensor_config

DEFAULT_FLIGHT_SOFTWARE = "cargo-p2p"


@dataclass(frozen=True, slots=True)
class VehicleOptions:
    link: str
    vehicle_config: Path | None = None
    flight_software_config: Path | None = None
    platforms: Sequence[PlatformEntry] = DEFAULT_PLATFORMS
    speed: float = 1.0
    seed: int = 1
    signing: SigningSettings | None = None
    params_file: Path | None = None
    hil: str | None = None
    """The HIL link: physics to flight computer (``firmware-sim physics`` / ``flight-computer``)."""
    endpoint: EndpointSettings = field(default_factory=EndpointSettings)
    coast_tick_s: float | None = 1.0
    """SITL: the runner's tick in the engines-off coast above the air (None: every tick is the
    flight software's control tick). The flight computer only holds an attitude there."""
    faults: Path | None = None
    """A fault schedule (SITL and HIL physics only): vehicle faults and the platforms' conditions."""
    ground_lead_s: float | None = None
    """SITL only: run at most this far (simulated s) ahead of what the ground has read
    (``io.ground_pace``); None runs at ``speed`` whatever the ground does."""


def report_on_stderr(line: str) -> None:
    """Where fault lines go by default: stderr, so stdout keeps only the "serving" announcement."""
    print(line, file=sys.stderr, flush=True)


class WallClock:
    """The wall clock the runner paces against."""

    def monotonic_s(self) -> float:
        return time.monotonic()

    async def sleep(self, duration_s: float) -> None:
        await asyncio.sleep(duration_s)


def directory_of(platforms: Sequence[tuple[int, PlatformConfig]]) -> PlatformDirectory:
    return PlatformDirectory(
        KnownPlatform(sysid, PlatformSite(c.name, c.position.latitude_deg, c.position.longitude_deg))
        for sysid, c in platforms
    )


def _flight_software_path(options: VehicleOptions, vehicle_name: str | None) -> Path:
    if options.flight_software_config is not None:
        return options.flight_software_config
    return CONFIGS / "flight_software" / f"{vehicle_name or DEFAULT_FLIGHT_SOFTWARE}.toml"


def _scaled_wall_clock(speed: float) -> Callable[[], float]:
    start = time.monotonic()
    return lambda: (time.monotonic() - start) * speed


def _runner_clock(runner: SitlRunner) -> Callable[[], float]:
    return lambda: runner.time_s


@dataclass(frozen=True, slots=True)
class _Built:
    fs_path: Path
    fs_config: FlightSoftwareConfig
    platform_configs: list[tuple[int, PlatformConfig]]
    directory: PlatformDirectory
    faults: FaultSchedule


def _load(options: VehicleOptions, vehicle_config: VehicleConfig | None) -> _Built:
    if not options.speed > 0:
        raise ValueError(f"--speed must be > 0, got {options.speed}")
    fs_path = _flight_software_path(options, vehicle_config.name if vehicle_config else None)
    platform_configs = [(entry.system_id, load_platform_config(entry.path)) for entry in options.platforms]
    fs_config = load_flight_software_config(fs_path)
    faults = FaultSchedule("")
    if options.faults is not None:
        if vehicle_config is None:
            raise ValueError("--faults needs --config: faults act on the simulated vehicle and platforms")
        faults = load_fault_schedule(options.faults)
        faults.check_engines(vehicle_config.engine.count)
        faults.check_platforms([c.name for _, c in platform_configs])
    return _Built(fs_path, fs_config, platform_configs, directory_of(platform_configs), faults)


def _make_runner(
    options: VehicleOptions,
    vehicle_config: VehicleConfig,
    built: _Built,
    coast_tick_s: float | None = None,
    report: Callable[[str], None] = report_on_stderr,
    follow_cargo: bool = False,
) -> Callable[[FlightComputer], SitlRunner]:
    """``follow_cargo``: the physics' inert mass follows the computer's cargo (SITL: one process)."""
    faults = built.faults

    def make(computer: FlightComputer) -> SitlRunner:
        platforms = [
            Platform(c, seed=options.seed + i, conditions=platform_conditions(faults.for_platform(c.name), c))
            for i, (_, c) in enumerate(built.platform_configs)
        ]
        if options.faults is not None:
            report(f"firmware-sim: faults from {options.faults}: vehicle: {summary(faults.vehicle)}")
            for platform in platforms:
                if faults.for_platform(platform.name):
                    on_it = summary(faults.for_platform(platform.name))
                    report(f"firmware-sim: faults on {platform.name}: {on_it}")
        return SitlRunner(
            vehicle_config, platforms, computer, seed=options.seed,
            sensor_config=load_sensor_config(built.fs_path), keep_trace=False, coast_tick_s=coast_tick_s,
            faults=faults.vehicle, deck_faults=faults.platform, on_fault=report,
            cargo_mass_kg=(lambda: computer.cargo_mass_kg) if follow_cargo else None,
        )  # fmt: skip

    return make


async def serve_vehicle(
    options: VehicleOptions,
    stop: asyncio.Event,
    announce: Callable[[str], None],
    report: Callable[[str], None] = report_on_stderr,
) -> None:
    """Build the vehicle, open its links, say so through ``announce``, and serve until ``stop`` is set.

    Three shapes: SITL (a vehicle config: runner and flight computer in lockstep), HIL flight
    computer (``options.hil``: ticked by sensor frames from ``firmware-sim physics``), or a bare
    flight computer (neither). Fault lines go to ``report``.

    Raises:
        ValueError, OSError: bad config files (named in the message), a link that cannot open.
    """
    vehicle_config = load_vehicle_config(options.vehicle_config) if options.vehicle_config else None
    if options.hil is not None and options.faults is not None:
        raise ValueError("--faults belongs to the physics (firmware-sim physics), not the flight computer")
    built = _load(options, vehicle_config)
    params = ParamStore.from_specs(parameters_for(built.fs_config.vehicle), path=options.params_file)
    computer = FlightComputer(built.fs_config, params, seed=options.seed)
    launch = next((c for _, c in built.platform_configs if c.kind is PlatformKind.LAUNCH_PLATFORM), None)
    fs_vehicle = built.fs_config.vehicle
    context = TelemetryContext(
        sim_epoch_unix_s=time.time(),
        engine_count=fs_vehicle.engine_count,
        home_altitude_m=launch.position.deck_height_m if launch else 0.0,
        # ASSUMPTION: a blunt nose of the body's radius, as the physics configs have it.
        cargo_bay=SnapshotBay(fs_vehicle.engine_count, fs_vehicle.diameter_m / 2.0),
    )
    settings = options.endpoint
    async with AsyncExitStack() as stack:
        runner: SitlRunner | None = None
        bridge: HilFlightComputerBridge | None = None
        sim_time_s = _scaled_wall_clock(options.speed)
        if options.hil is not None:
            hil_stream = await stack.enter_async_context(open_stream(parse_address(options.hil)))
            names = {sysid: c.name for sysid, c in built.platform_configs}
            assembler = SensorFrameAssembler(built.fs_config.vehicle.engine_count, names, settings.system_id)
            hil_port = MavlinkPort(hil_stream, new_codec(settings.system_id, settings.component_id))
            bridge = HilFlightComputerBridge(hil_port, computer, assembler)
            sim_time_s = _bridge_clock(bridge)
            mode = f"flight computer on HIL link {options.hil}"
        elif vehicle_config is not None:
            make = _make_runner(options, vehicle_config, built, options.coast_tick_s, report, True)
            runner = make(computer)
            context = dataclasses.replace(context, cargo_bay=runner_bay(runner))
            sim_time_s = _runner_clock(runner)
            mode = "SITL" + ("" if options.speed == 1 else f" at {options.speed:g}x")
        else:
            mode = "bare flight computer, no physics"
        stream = await stack.enter_async_context(open_stream(parse_address(options.link)))
        mav = new_codec(settings.system_id, settings.component_id, options.signing)
        pace = GroundPace(options.ground_lead_s) if runner is not None and options.ground_lead_s else None
        endpoint = VehicleEndpoint(
            MavlinkPort(stream, mav), computer, params, sim_time_s=sim_time_s, context=context,
            directory=built.directory, settings=settings, ground_pace=pace,
        )  # fmt: skip
        if pace is not None:
            mode += f", paced by the ground (at most {pace.lead_s:g} s ahead of what it has read)"
        for problem in params.load_problems:
            announce(f"firmware-sim: parameter file: {problem}")
        announce(
            f"firmware-sim: vehicle sysid {settings.system_id} serving on {options.link}"
            f"{' (signed)' if options.signing else ''}; {mode}"
        )
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(endpoint.run(), name="firmware-sim.endpoint")]
            if runner is not None:
                running = runner.run(options.speed, WallClock(), limit=pace.limit_s if pace else None,
                                     after_step=endpoint.stepped)
                tasks.append(group.create_task(running, name="firmware-sim.runner"))
            if bridge is not None:
                tasks.append(group.create_task(bridge.run(), name="firmware-sim.hil"))
            await stop.wait()
            for task in tasks:
                task.cancel()


def _bridge_clock(bridge: HilFlightComputerBridge) -> Callable[[], float]:
    return lambda: bridge.time_s


async def serve_physics(
    options: VehicleOptions,
    stop: asyncio.Event,
    announce: Callable[[str], None],
    report: Callable[[str], None] = report_on_stderr,
) -> None:
    """``firmware-sim physics``: the runner without a flight computer, on the HIL link ``options.hil``."""
    if options.vehicle_config is None or options.hil is None:
        raise ValueError("physics needs --config (the vehicle) and --hil (the link to the flight computer)")
    vehicle_config = load_vehicle_config(options.vehicle_config)
    built = _load(options, vehicle_config)
    if any(isinstance(f, CargoBayHeating | CargoBaySmoke) for f in built.faults.vehicle):
        report("firmware-sim: cargo-bay faults act in SITL only: the HIL link carries no cargo-bay data")
    platform_ids = {c.name: sysid for sysid, c in built.platform_configs}
    async with open_stream(parse_address(options.hil)) as stream:
        port = MavlinkPort(stream, new_codec(options.endpoint.system_id, options.endpoint.component_id))
        physics = HilPhysics(
            port, _make_runner(options, vehicle_config, built, report=report), built.fs_config, platform_ids,
            speed=options.speed, report=report,
        )  # fmt: skip
        announce(
            f"firmware-sim: physics of {vehicle_config.name} serving HIL on {options.hil}"
            + ("" if options.speed == 1 else f" at {options.speed:g}x")
        )
        async with asyncio.TaskGroup() as group:
            task = group.create_task(physics.run(), name="firmware-sim.physics")
            await stop.wait()
            task.cancel()
