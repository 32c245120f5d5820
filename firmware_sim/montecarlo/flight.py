"""Fly every dispersed run of a batch at once: the physics' own vectorised integrator, each run's
navigation, flight computer and guidance in arrays, each run's deck in its own sea.

The lockstep is ``firmware_sim.runner``'s: sensors from the truth, one flight-computer tick, the
actuators held over one physics advance of the control tick. The count is skipped: time 0 is the
ignition command. The integrator is built without decks (its ``Deck`` protocol has one deck for all
vehicles); touchdown on each run's own deck is found here after every advance, placed inside the
tick by linear interpolation of the base's height over the deck plane, and the vehicle is frozen
there with the speeds relative to the deck measured as ``Platform.touchdown_report`` does. A run
that misses the deck falls to the sea, where the integrator's splashdown stops it. Knows nothing
of files or the ground station.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firmware_sim.firmware.param_defs import parameter_defaults
from firmware_sim.montecarlo.computer import FleetComputer, Phase
from firmware_sim.montecarlo.dispersions import DispersedRuns, DispersionSigmas
from firmware_sim.montecarlo.fleet_deck import FleetDeck
from firmware_sim.montecarlo.guidance import DeckView, dot, unit
from firmware_sim.montecarlo.navigation import FleetNavigator, NavGains
from firmware_sim.montecarlo.scenario import MonteCarloScenario, UnsupportedScenario, vector_refusal
from firmware_sim.montecarlo.wind import DispersedWind
from firmware_sim.physics import attitude as att
from firmware_sim.physics.earth import approximate_height_m, ned_basis
from firmware_sim.physics.events import EventKind
from firmware_sim.physics.integrator import Integrator
from firmware_sim.physics.vehicle import (
    Commands,
    Dispersions,
    VehicleModel,
    VehicleState,
    VehicleStatus,
    state_on_pad,
)

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

_FLYING = int(VehicleStatus.FLYING)
_LANDED = int(VehicleStatus.LANDED)
_SPLASHED = int(VehicleStatus.SPLASHED)
#: How often (s) the platform broadcasts its deck (``sensors.SensorModel``'s default).
DECK_PERIOD_S = 0.1
#: Above this height over the deck (m) a run's flight computer takes the deck broadcast once a second
#: instead of every ``DECK_PERIOD_S`` (the deck's motion cannot matter there; its position, speed
#: and the extrapolation over the age stay as they are). It saves most of the deck's cost.
NEAR_DECK_M = 150.0
FAR_DECK_PERIOD_S = 1.0
#: How often (s of simulated time) progress is told.
PROGRESS_PERIOD_S = 2.0


@dataclass(frozen=True, slots=True)
class FleetOutcome:
    """How each run ended (arrays shaped (runs,); NaN where it does not apply)."""

    status: IntArray  # VehicleStatus at the end (LANDED on the deck, SPLASHED in the sea, FLYING: time out)
    pad_abort: BoolArray
    liftoff_s: FloatArray
    touchdown_s: FloatArray  # contact with the deck or the sea (s since the ignition command)
    apogee_m: FloatArray
    vertical_speed_mps: FloatArray  # towards the deck, along its normal
    horizontal_speed_mps: FloatArray  # in the deck plane, relative to the deck under the base
    tilt_deg: FloatArray
    along_m: FloatArray  # touchdown point from the deck centre, towards the bow
    across_m: FloatArray  # ... towards starboard
    deck_heave_m: FloatArray
    deck_pitch_deg: FloatArray
    deck_roll_deg: FloatArray
    simulated_s: float
    wall_s: float

    @property
    def miss_distance_m(self) -> FloatArray:
        return np.asarray(np.hypot(self.along_m, self.across_m), dtype=np.float64)

    @property
    def flight_time_s(self) -> FloatArray:
        return self.touchdown_s - self.liftoff_s


def _deck_normal_ned(
    heading_deg: FloatArray,
    pitch_deg: FloatArray,
    roll_deg: FloatArray,
    pitch_rate_dps: FloatArray,
    roll_rate_dps: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """``firmware.navigation._deck_normal_ned`` for arrays: the deck's down axis (NED) and its rate."""
    psi, theta, phi = np.radians(heading_deg), np.radians(pitch_deg), np.radians(roll_deg)
    cps, sps, cth, sth, cph, sph = (
        np.cos(psi),
        np.sin(psi),
        np.cos(theta),
        np.sin(theta),
        np.cos(phi),
        np.sin(phi),
    )
    down = np.stack([cps * sth * cph + sps * sph, sps * sth * cph - cps * sph, cth * cph], axis=1)
    d_theta = np.stack([cps * cth * cph, sps * cth * cph, -sth * cph], axis=1)
    d_phi = np.stack([-cps * sth * sph + sps * cph, -sps * sth * sph - cps * cph, -cth * sph], axis=1)
    rate = d_theta * np.radians(pitch_rate_dps)[:, None] + d_phi * np.radians(roll_rate_dps)[:, None]
    return down, rate


class FleetFlight:
    """One batch: the fleet built from the scenario and the draws, then ``fly``."""

    def __init__(
        self,
        scenario: MonteCarloScenario,
        draws: DispersedRuns,
        sigmas: DispersionSigmas,
        params: dict[str, float] | None = None,
    ) -> None:
        """Raises: UnsupportedScenario for a scenario the vectorised model cannot fly."""
        refusal = vector_refusal(scenario)
        if refusal is not None:
            raise UnsupportedScenario(refusal)
        self.scenario = scenario
        self.runs = draws.count
        # The dynamics read a one-vehicle fleet's wind table directly: fly a lone run twice.
        index = np.arange(max(self.runs, 2)) % self.runs
        values = parameter_defaults()
        values.update(params or {})
        self.param: Callable[[str], float] = values.__getitem__
        vehicle = scenario.vehicle
        fs = scenario.flight_software
        count = index.shape[0]
        wind = DispersedWind.build(
            scenario.landing.wind,
            draws.wind_speed_scale[index],
            draws.wind_turn_deg[index],
            draws.gust_seed,
            same_gusts=not sigmas.vary_realisations,
        )
        disp = Dispersions(draws.thrust_scale[index], draws.isp_scale[index], draws.drag_scale[index])
        self.model = VehicleModel.build(vehicle, count, wind=wind, dispersions=disp)
        self.integrator = Integrator(self.model)
        pad = scenario.launch.position
        state = state_on_pad(
            self.model, pad.latitude_deg, pad.longitude_deg, pad.deck_height_m, pad.heading_deg
        )
        structure = vehicle.structure
        self.state = dataclasses.replace(
            state,
            inert_mass_kg=structure.dry_mass_kg * draws.dry_mass_scale[index] + structure.cargo_mass_kg,
            lox_mass_kg=state.lox_mass_kg * draws.lox_scale[index],
            ch4_mass_kg=state.ch4_mass_kg * draws.ch4_scale[index],
        )
        self.deck = FleetDeck(scenario.landing, draws.wave_height_scale[index], draws.sea_seed[index])
        self.tick_s = fs.control.control_tick_s
        self.navigator = FleetNavigator(
            scenario.sensors,
            sigmas.sensor_scale,
            count,
            draws.noise_seed,
            pad.latitude_deg,
            pad.longitude_deg,
            NavGains(self.param("NAV_POS_GAIN"), self.param("NAV_VEL_GAIN"), self.param("NAV_BARO_GAIN")),
            self.tick_s,
        )
        self.computer = FleetComputer(fs, self.param, count)
        self._deck_screen_m = self.deck.highest_point_m + 1.0
        site = scenario.landing.position
        self._deck_ned = ned_basis(site.latitude_deg, site.longitude_deg)  # rows north, east, down

    def fly(
        self,
        max_sim_s: float,
        on_progress: Callable[[float, int], None] | None = None,
        on_tick: Callable[[VehicleState, FleetComputer], None] | None = None,
    ) -> FleetOutcome:
        """Fly until every run is down or ``max_sim_s`` of simulated time has passed.

        ``on_progress(simulated_s, runs_down)`` is told every ``PROGRESS_PERIOD_S``; ``on_tick`` sees
        the state and the flight computers after every tick (for tests and traces).
        """
        start_wall = time.perf_counter()
        n = self.model.count
        everyone = np.arange(n)
        nan = np.full(n, np.nan)
        liftoff, touchdown, apogee = nan.copy(), nan.copy(), np.zeros(n)
        report = {
            k: nan.copy()
            for k in ("vertical", "horizontal", "tilt", "along", "across", "heave", "pitch", "roll")
        }
        cg = self.scenario.vehicle.structure.cg_height_above_base_m
        engines_total = self.scenario.vehicle.engine.count
        inert_known = self.scenario.flight_software.vehicle.inert_mass_kg
        navigator, computer, deck = self.navigator, self.computer, self.deck
        period_ticks = max(1, round(DECK_PERIOD_S / self.tick_s))
        far_period_ticks = max(period_ticks, round(FAR_DECK_PERIOD_S / self.tick_s))
        sample_time = np.zeros(n)
        center, velocity, normal, normal_rate = (np.zeros((n, 3)) for _ in range(4))
        near_m = self.scenario.landing.position.deck_height_m + NEAR_DECK_M
        previous_height = np.full(n, np.inf)
        previous_velocity: FloatArray | None = None
        state = self.state
        tick = 0
        next_progress = 0.0
        while state.time_s < max_sim_s - 1e-9:
            status = state.status
            done = (status > _FLYING) | (computer.phase == int(Phase.PAD_ABORT))
            if done.all():
                break
            now = state.time_s
            if on_progress is not None and now >= next_progress:
                on_progress(now, int(done[: self.runs].sum()))
                next_progress += PROGRESS_PERIOD_S
            at_rest = status != _FLYING
            nav = navigator.update(
                state.position_ecef_m,
                state.velocity_ecef_mps,
                previous_velocity,
                state.attitude_ecef_from_body,
                state.body_rate_ecef_radps,
                at_rest,
                self.tick_s if previous_velocity is not None else 0.0,
            )
            lit = np.maximum(state.engines_lit, 1)
            chamber = (
                state.thrust_fraction
                * engines_total
                / lit
                * (1.0 + navigator.normal(navigator.chamber_sigma, (n,)))
            )
            tanks = (state.lox_mass_kg + state.ch4_mass_kg) * (
                1.0 + navigator.normal(navigator.tank_sigma, (n,))
            )
            if tick % period_ticks == 0:
                heard = everyone if tick % far_period_ticks == 0 else np.flatnonzero(nav.altitude_m < near_m)
                if heard.size:
                    sample_time[heard] = now
                    center[heard], velocity[heard], normal[heard], normal_rate[heard] = self._broadcast(
                        now, heard
                    )
            age = now - sample_time
            view = DeckView(center + velocity * age[:, None], velocity, normal, normal_rate, age)
            actuators = computer.tick(now, self.tick_s, nav, chamber, inert_known + tanks, view)
            commands = Commands(
                throttle=actuators.throttle,
                engines_lit=np.where(done, 0, actuators.engines_lit),
                attitude_ecef_from_body=actuators.attitude_ecef_from_body,
                gimbal_deg=actuators.gimbal_deg,
                release_clamps=actuators.release_clamps,
                cutoff_in_s=np.full(n, math.inf),
            )
            result = self.integrator.advance(state, commands, self.tick_s)
            new = result.state
            for event in result.events:
                if event.kind is EventKind.LIFTOFF:
                    liftoff[event.vehicle] = event.time_s
                elif event.kind is EventKind.SPLASHDOWN:
                    touchdown[event.vehicle] = event.time_s
            new, previous_height = self._touchdowns(state, new, previous_height, cg, touchdown, report)
            apogee = np.maximum(apogee, approximate_height_m(new.position_ecef_m))
            previous_velocity = state.velocity_ecef_mps
            state = new
            tick += 1
            if on_tick is not None:
                on_tick(state, computer)
        if on_progress is not None:
            status = state.status
            on_progress(
                state.time_s,
                int(((status > _FLYING) | (computer.phase == int(Phase.PAD_ABORT)))[: self.runs].sum()),
            )
        # Runs in the sea: where they came down, in the deck's frame.
        splashed = np.flatnonzero(state.status == _SPLASHED)
        if splashed.size:
            pose = deck.pose(state.time_s, splashed)
            axis = att.body_x_axis(state.attitude_ecef_from_body[splashed])
            rel = state.position_ecef_m[splashed] - cg * axis - pose.center_ecef_m
            report["along"][splashed] = dot(rel, pose.forward_ecef)
            report["across"][splashed] = dot(rel, pose.starboard_ecef)
        k = slice(0, self.runs)
        return FleetOutcome(
            status=state.status[k].copy(),
            pad_abort=(computer.phase == int(Phase.PAD_ABORT))[k].copy(),
            liftoff_s=liftoff[k],
            touchdown_s=touchdown[k],
            apogee_m=apogee[k],
            vertical_speed_mps=report["vertical"][k],
            horizontal_speed_mps=report["horizontal"][k],
            tilt_deg=report["tilt"][k],
            along_m=report["along"][k],
            across_m=report["across"][k],
            deck_heave_m=report["heave"][k],
            deck_pitch_deg=report["pitch"][k],
            deck_roll_deg=report["roll"][k],
            simulated_s=state.time_s,
            wall_s=time.perf_counter() - start_wall,
        )

    def _broadcast(
        self, now: float, index: IntArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Every run's platform broadcast: GNSS of the deck centre and the MRU, with their errors."""
        nav = self.navigator
        n = index.shape[0]
        pose = self.deck.pose(now, index)
        to_ecef = self._deck_ned.T
        offset_ned = nav.deck_position_bias[index] + nav.normal(nav.deck_position_sigma, (n, 3)) * np.array(
            [1.0, 1.0, 0.0]
        )
        offset_ned[:, 2] = -nav.normal(nav.deck_height_sigma, (n,))
        center = pose.center_ecef_m + offset_ned @ to_ecef.T
        velocity = pose.velocity_ecef_mps + nav.normal(nav.deck_velocity_sigma, (n, 3)) @ to_ecef.T
        noise = nav.deck_attitude_sigma_deg
        down, rate = _deck_normal_ned(
            pose.heading_deg,
            pose.pitch_deg + nav.normal(noise, (n,)),
            pose.roll_deg + nav.normal(noise, (n,)),
            pose.pitch_rate_dps,
            pose.roll_rate_dps,
        )
        return center, velocity, -down @ to_ecef.T, -rate @ to_ecef.T

    def _touchdowns(
        self,
        before: VehicleState,
        after: VehicleState,
        previous_height: FloatArray,
        cg: float,
        touchdown: FloatArray,
        report: dict[str, FloatArray],
    ) -> tuple[VehicleState, FloatArray]:
        """Find runs whose base met their deck during the tick; freeze them at contact."""
        n = after.count
        axis = att.body_x_axis(after.attitude_ecef_from_body)
        base = after.position_ecef_m - cg * axis
        low = (after.status == _FLYING) & (approximate_height_m(base) < self._deck_screen_m)
        heights = np.full(n, np.inf)
        index = np.flatnonzero(low)
        if index.size == 0:
            return after, heights
        pose = self.deck.pose(after.time_s, index)
        rel = base[index] - pose.center_ecef_m
        h1 = dot(rel, pose.normal_ecef)
        inside = (np.abs(dot(rel, pose.forward_ecef)) <= self.deck.half_length_m) & (
            np.abs(dot(rel, pose.starboard_ecef)) <= self.deck.half_width_m
        )
        heights[index] = h1
        h0 = previous_height[index]
        hit = (h1 <= 0.0) & inside & (h0 > 0.0)
        if not hit.any():
            return after, heights
        runs = index[hit]
        h0, h1 = h0[hit], h1[hit]
        fraction = np.where(np.isfinite(h0), h0 / (h0 - h1), 1.0)[:, None]
        position = before.position_ecef_m[runs] + fraction * (
            after.position_ecef_m[runs] - before.position_ecef_m[runs]
        )
        velocity = before.velocity_ecef_mps[runs] + fraction * (
            after.velocity_ecef_mps[runs] - before.velocity_ecef_mps[runs]
        )
        times = before.time_s + fraction[:, 0] * (after.time_s - before.time_s)
        axis_c = axis[runs]
        spin = after.body_rate_ecef_radps[runs]
        base_c = position - cg * axis_c
        base_velocity = velocity - cg * np.cross(spin, axis_c)
        # Each run's deck at its own contact time (Platform.touchdown_report).
        contact = [self.deck.pose(float(t), np.array([i])) for t, i in zip(times, runs, strict=True)]
        center = np.concatenate([c.center_ecef_m for c in contact])
        normal = np.concatenate([c.normal_ecef for c in contact])
        forward = np.concatenate([c.forward_ecef for c in contact])
        starboard = np.concatenate([c.starboard_ecef for c in contact])
        deck_velocity = np.concatenate([c.velocity_ecef_mps for c in contact])
        omega = np.concatenate([c.angular_velocity_ecef_radps for c in contact])
        rel = base_c - center
        relative = base_velocity - (deck_velocity + np.cross(omega, rel))
        vertical = -dot(relative, normal)
        horizontal = np.linalg.norm(relative + vertical[:, None] * normal, axis=1)
        touchdown[runs] = times
        report["vertical"][runs] = vertical
        report["horizontal"][runs] = horizontal
        report["tilt"][runs] = np.degrees(np.arccos(np.clip(dot(unit(axis_c), normal), -1.0, 1.0)))
        report["along"][runs] = dot(rel, forward)
        report["across"][runs] = dot(rel, starboard)
        report["heave"][runs] = np.concatenate([c.heave_m for c in contact])
        report["pitch"][runs] = np.concatenate([c.pitch_deg for c in contact])
        report["roll"][runs] = np.concatenate([c.roll_deg for c in contact])
        status = after.status.copy()
        status[runs] = _LANDED
        positions = after.position_ecef_m.copy()
        velocities = after.velocity_ecef_mps.copy()
        positions[runs] = position
        velocities[runs] = velocity
        frozen = dataclasses.replace(
            after, status=status, position_ecef_m=positions, velocity_ecef_mps=velocities
        )
        return frozen, heights
