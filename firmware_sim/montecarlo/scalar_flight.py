"""Fly one dispersed run with the real scalar flight software and physics: ``fly_run``.

The vehicle is the SITL vehicle process's: ``runner.SitlRunner`` (sensors from the truth, the
flight computer, the physics with its touchdown on the platforms' decks), with its coast tick, fed
the run's configs (``scalar_inputs.ScalarRun``). It is flown as ``tests/sim/flights.py`` flies a
mission in-process, without I/O: the flight plan to the landing platform (the mission kind from the
distance, as the mission protocol decides it), arm, terminal count, launch at T-5 s, then ticks until
the vehicle is down (on the deck or in the sea), the pad abort is over, or the time runs out. Times
are told from the ignition command (the tick at which the flight computer entered IGNITION), like
the vectorised model's. Knows nothing of files, processes or the ground station.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from firmware_sim.firmware.commands import CommandResult, VehicleCommand
from firmware_sim.firmware.computer import FlightComputer
from firmware_sim.firmware.config import FlightSoftwareConfig
from firmware_sim.firmware.flight_plan import CARGO_DISTANCE_M, distance_m
from firmware_sim.firmware.flight_plan_types import FlightPlan, GeoPoint, MissionKind, PlatformSite
from firmware_sim.firmware.param_defs import parameter_defaults
from firmware_sim.montecarlo.scalar_inputs import ScalarRun
from firmware_sim.physics import attitude as att
from firmware_sim.physics.earth import approximate_height_m
from firmware_sim.physics.platform import Platform
from firmware_sim.physics.vehicle import Dispersions, VehicleStatus
from firmware_sim.runner import SitlRunner
from gcs.protocol.dialect import FlightPhase

#: The SITL vehicle process's default coast tick (``firmware-sim vehicle --coast-tick-s``).
COAST_TICK_S = 1.0
#: Simulated time on the pad before the plan is loaded (the navigation settles), and the count's lead.
SETTLE_S = 0.5
T_ZERO_LEAD_S = 5.0
#: How long a flight may last (s after the launch command), and roughly lasts (for progress).
MAX_FLIGHT_S = {MissionKind.HOP_TEST: 300.0, MissionKind.CARGO_P2P: 3_600.0}
EXPECTED_FLIGHT_S = {MissionKind.HOP_TEST: 130.0, MissionKind.CARGO_P2P: 2_100.0}
#: Simulated seconds between progress reports.
PROGRESS_PERIOD_S = {MissionKind.HOP_TEST: 5.0, MissionKind.CARGO_P2P: 50.0}
_AFTER_PAD_ABORT = frozenset({FlightPhase.ABORT, FlightPhase.SAFING, FlightPhase.SAFE})


class FlightSetupError(ValueError):
    """The flight computer refused the flight plan or a launch command (a broken scenario)."""


class DefaultParams:
    """The flight software's parameter defaults with overrides (a ``ParamSource``)."""

    def __init__(self, overrides: dict[str, float] | None = None) -> None:
        self._values = parameter_defaults()
        self._values.update(overrides or {})

    def get(self, name: str) -> float:
        return self._values[name]


@dataclass(frozen=True, slots=True)
class ScalarOutcome:
    """How one run ended (NaN where it does not apply); the fields of ``flight.FleetOutcome``."""

    status: int  # VehicleStatus at the end
    pad_abort: bool
    liftoff_s: float  # s since the ignition command
    touchdown_s: float
    apogee_m: float
    vertical_speed_mps: float
    horizontal_speed_mps: float
    tilt_deg: float
    along_m: float
    across_m: float
    deck_heave_m: float
    deck_pitch_deg: float
    deck_roll_deg: float
    simulated_s: float  # since the ignition command
    wall_s: float


def mission_kind(launch: GeoPoint, target: PlatformSite) -> MissionKind:
    """As the mission protocol picks it when the ground leaves it open: a cargo hop beyond 100 km."""
    far = distance_m(launch, target.point) > CARGO_DISTANCE_M
    return MissionKind.CARGO_P2P if far else MissionKind.HOP_TEST


def _accepted(outcome: object, what: str) -> None:
    result = getattr(outcome, "result", None)
    if result is not CommandResult.ACCEPTED:
        raise FlightSetupError(f"{what}: {outcome}")


def fly_run(
    run: ScalarRun,
    flight_software: FlightSoftwareConfig,
    params: dict[str, float] | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> ScalarOutcome:
    """Fly the run to the end; ``on_progress(simulated_s since the launch command)`` now and then.

    Raises:
        FlightSetupError: the flight computer refused the plan or the count.
    """
    start_wall = time.perf_counter()
    fc = FlightComputer(flight_software, DefaultParams(params), seed=run.noise_seed)
    launch = Platform(run.launch, seed=run.launch_seed)
    landing = Platform(run.landing, seed=run.landing_seed)
    runner = SitlRunner(
        run.vehicle,
        [launch, landing],
        fc,
        seed=run.noise_seed,
        sensor_config=run.sensors,
        dispersions=Dispersions(
            np.array([run.thrust_scale]), np.array([run.isp_scale]), np.array([run.drag_scale])
        ),
        keep_trace=False,
        coast_tick_s=COAST_TICK_S,
    )
    pad, site = launch.config.position, landing.config.position
    target = PlatformSite(landing.name, site.latitude_deg, site.longitude_deg)
    kind = mission_kind(GeoPoint(pad.latitude_deg, pad.longitude_deg), target)
    runner.step(SETTLE_S)
    _accepted(
        fc.set_flight_plan(FlightPlan(kind, pad.latitude_deg, pad.longitude_deg, target)), "flight plan"
    )
    for command in (VehicleCommand.ARM, VehicleCommand.START_TERMINAL_COUNT):
        _accepted(fc.command(command, runner.time_s), command.value)
    launched_s = runner.time_s
    _accepted(
        fc.command(VehicleCommand.LAUNCH, launched_s, {"t_zero_s": launched_s + T_ZERO_LEAD_S}), "launch"
    )

    watch = _Watch()
    end_s = launched_s + MAX_FLIGHT_S[kind]
    period_s = PROGRESS_PERIOD_S[kind]
    while runner.time_s < end_s and not watch(runner):
        runner.run_until(watch, min(runner.time_s + period_s, end_s))
        if on_progress is not None:
            on_progress(runner.time_s - launched_s)
    return _outcome(runner, landing, watch, time.perf_counter() - start_wall)


class _Watch:
    """The ``run_until`` predicate: notes the ignition command and the apogee; true once it is over.

    It is asked before every tick, when the flight computer's phase is that of the tick just flown.
    """

    def __init__(self) -> None:
        self.ignition_s: float | None = None
        self.apogee_m = 0.0
        self._last_tick_s: float | None = None

    def __call__(self, runner: SitlRunner) -> bool:
        phase = runner.fc.phase
        if self.ignition_s is None and phase is FlightPhase.IGNITION:
            self.ignition_s = self._last_tick_s if self._last_tick_s is not None else runner.time_s
        self._last_tick_s = runner.time_s
        if runner.liftoff_time_s is not None:
            self.apogee_m = max(self.apogee_m, float(approximate_height_m(runner.state.position_ecef_m[0])))
        return runner.vehicle_at_rest or self.pad_abort(runner)

    def pad_abort(self, runner: SitlRunner) -> bool:
        return (
            self.ignition_s is not None
            and runner.liftoff_time_s is None
            and runner.fc.phase in _AFTER_PAD_ABORT
        )


def _since(time_s: float | None, zero_s: float) -> float:
    return math.nan if time_s is None else time_s - zero_s


def _outcome(runner: SitlRunner, landing: Platform, watch: _Watch, wall_s: float) -> ScalarOutcome:
    state = runner.state
    status = int(state.status[0])
    zero = watch.ignition_s if watch.ignition_s is not None else runner.time_s
    nan = math.nan
    vertical = horizontal = tilt = along = across = heave = pitch = roll = nan
    touchdown_s: float | None = None
    cg = runner.model.config.structure.cg_height_above_base_m
    base = state.position_ecef_m[0] - cg * att.body_x_axis(state.attitude_ecef_from_body)[0]
    report = runner.touchdown
    if status == int(VehicleStatus.LANDED) and report is not None:
        touchdown_s = report.time_s
        vertical, horizontal, tilt = report.vertical_speed_mps, report.horizontal_speed_mps, report.tilt_deg
    elif status == int(VehicleStatus.SPLASHED):
        touchdown_s = runner.splashdown_time_s
    if touchdown_s is not None:
        # Where the base came down, in the deck's frame at that moment (the vehicle is frozen there).
        pose = landing.pose(np.array([touchdown_s]))
        rel = base - pose.center_ecef_m[0]
        along, across = float(rel @ pose.forward_ecef[0]), float(rel @ pose.starboard_ecef[0])
        if status == int(VehicleStatus.LANDED):
            heave = float(pose.motion.heave_m[0])
            pitch, roll = float(pose.motion.pitch_deg[0]), float(pose.motion.roll_deg[0])
    return ScalarOutcome(
        status=status,
        pad_abort=watch.pad_abort(runner),
        liftoff_s=_since(runner.liftoff_time_s, zero),
        touchdown_s=_since(touchdown_s, zero),
        apogee_m=watch.apogee_m,
        vertical_speed_mps=vertical,
        horizontal_speed_mps=horizontal,
        tilt_deg=tilt,
        along_m=along,
        across_m=across,
        deck_heave_m=heave,
        deck_pitch_deg=pitch,
        deck_roll_deg=roll,
        simulated_s=runner.time_s - zero,
        wall_s=wall_s,
    )
