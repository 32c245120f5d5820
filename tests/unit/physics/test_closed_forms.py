"""The integrated dynamics against closed forms: Kepler two-body, Tsiolkovsky, energy conservation."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from firmware_sim.physics.atmosphere import AtmosphereTable
from firmware_sim.physics.config import VehicleConfig
from firmware_sim.physics.earth import (
    STANDARD_GRAVITY_MPS2,
    WGS84,
    EarthModel,
    centrifugal_potential,
    geodetic_to_ecef,
    gravity_potential,
    ned_vector_to_ecef,
)
from firmware_sim.physics.events import Event, EventKind
from firmware_sim.physics.integrator import Integrator
from firmware_sim.physics.vehicle import (
    Commands,
    VehicleModel,
    VehicleState,
    attitude_from_ned,
    initial_state,
)

MU = 3.986004418e14
RADIUS = 6_371_000.0  # the domain.md §1.2 sphere
BURNOUT_ALTITUDE = 80_000.0


def minimum_energy_burnout(ground_range_m: float) -> tuple[float, float]:
    """domain.md §1.2: speed (m/s) and flight-path angle (rad) of the minimum-energy hop at 80 km."""
    psi = ground_range_m / RADIUS
    q = 2 * math.sin(psi / 2) / (1 + math.sin(psi / 2))
    return math.sqrt(q * MU / (RADIUS + BURNOUT_ALTITUDE)), (math.pi - psi) / 4


def kepler_arc(r0: float, speed: float, gamma: float) -> tuple[float, float, float]:
    """Range angle (rad), time of flight (s) and apogee radius (m) from r0 back down to r0."""
    h = r0 * speed * math.cos(gamma)
    p = h * h / MU
    a = 1.0 / (2.0 / r0 - speed * speed / MU)
    e = math.sqrt(1.0 - p / a)
    nu0 = math.acos((p / r0 - 1.0) / e)  # ascending: 0 < nu0 < pi
    e0 = 2.0 * math.atan(math.sqrt((1 - e) / (1 + e)) * math.tan(nu0 / 2))
    m0 = e0 - e * math.sin(e0)
    return 2 * math.pi - 2 * nu0, (2 * math.pi - 2 * m0) * math.sqrt(a**3 / MU), a * (1 + e)


def _settings(config: VehicleConfig, **changes: float) -> VehicleConfig:
    return dataclasses.replace(config, integration=dataclasses.replace(config.integration, **changes))


def _coast(state: VehicleState, until: EventKind, chunk_s: float, integrator: Integrator) -> list[Event]:
    events: list[Event] = []
    for _ in range(10_000):
        result = integrator.advance(state, Commands.hold(state), chunk_s)
        events += list(result.events)
        state = result.state
        if any(e.kind is until for e in result.events):
            return events
    raise AssertionError(f"no {until} within the test horizon")


def test_domain_table_10000_km_row_is_the_kepler_solution() -> None:
    """The table's 10,000 km row (7.15 km/s, 22.5°, 1,416 km, 32.8 min) from the closed forms (0.5%)."""
    speed, gamma = minimum_energy_burnout(10_000e3)
    psi, time_s, apogee_r = kepler_arc(RADIUS + BURNOUT_ALTITUDE, speed, gamma)
    assert speed == pytest.approx(7_150.0, rel=0.005)
    assert math.degrees(gamma) == pytest.approx(22.5, rel=0.005)
    assert psi * RADIUS == pytest.approx(10_000e3, rel=1e-9)
    assert time_s / 60 == pytest.approx(32.8, rel=0.005)
    assert (apogee_r - RADIUS) / 1e3 == pytest.approx(1_416.0, rel=0.005)


def test_vacuum_point_mass_hop_matches_kepler(cargo: VehicleConfig) -> None:
    """Integrated 10,000 km minimum-energy arc on a point-mass sphere: range and flight time against
    Kepler within 1e-6 (the issue asks 0.5%), apogee time within 1 ms (one step is 20 s here)."""
    config = _settings(
        cargo, coast_step_s=20.0, coast_floor_altitude_m=0.0, entry_interface_altitude_m=BURNOUT_ALTITUDE
    )
    sphere = EarthModel.spherical(RADIUS, MU)
    model = VehicleModel.build(config, 1, earth=sphere, atmosphere=AtmosphereTable.vacuum())
    speed, gamma = minimum_energy_burnout(10_000e3)
    position = geodetic_to_ecef(0.0, 0.0, BURNOUT_ALTITUDE, sphere)
    velocity = ned_vector_to_ecef([speed * math.cos(gamma), 0.0, -speed * math.sin(gamma)], 0.0, 0.0)
    state = initial_state(model, position, velocity, attitude_from_ned(0.0, 0.0, 0.0, 0.0))
    events = _coast(state, EventKind.ENTRY_INTERFACE, 100.0, Integrator(model))
    psi, time_s, _ = kepler_arc(RADIUS + BURNOUT_ALTITUDE, speed, gamma)
    (entry,) = [e for e in events if e.kind is EventKind.ENTRY_INTERFACE]
    (apogee,) = [e for e in events if e.kind is EventKind.APOGEE]
    assert entry.position_ecef_m is not None
    end = np.array(entry.position_ecef_m)
    flown = math.acos(float(end @ position) / (np.linalg.norm(end) * np.linalg.norm(position)))
    assert flown * RADIUS == pytest.approx(psi * RADIUS, rel=1e-6)
    assert entry.time_s == pytest.approx(time_s, rel=1e-6)
    assert apogee.time_s == pytest.approx(time_s / 2, abs=1e-3)


def test_vacuum_burn_gives_the_tsiolkovsky_delta_v(cargo: VehicleConfig) -> None:
    """A 60 s vacuum burn with ramps and throttling, no gravity: |dv| = Isp g0 ln(m0/m1) to 1e-9."""
    free = EarthModel(WGS84.equatorial_radius_m, WGS84.flattening, 0.0, 0.0, 0.0)
    model = VehicleModel.build(cargo, 1, earth=free, atmosphere=AtmosphereTable.vacuum())
    position = geodetic_to_ecef(0.0, 0.0, 500e3, free)
    attitude = attitude_from_ned(0.0, 0.0, 30.0, 45.0)
    state = initial_state(model, position, np.zeros(3), attitude)
    m0 = float(state.mass_kg[0])
    integrator = Integrator(model)
    throttles = [1.0] * 20 + [0.6] * 20 + [0.9] * 19
    for throttle in throttles:
        commands = dataclasses.replace(
            Commands.hold(state), throttle=np.array([throttle]), engines_lit=np.array([cargo.engine.count])
        )
        state = integrator.advance(state, commands, 1.0).state
    cut = dataclasses.replace(Commands.hold(state), cutoff_in_s=np.array([0.37]))
    state = integrator.advance(state, cut, 1.0).state
    state = integrator.advance(state, Commands.hold(state), 1.0).state
    assert state.thrust_fraction[0] == 0.0
    delta_v = float(np.linalg.norm(state.velocity_ecef_mps[0]))
    ideal = cargo.engine.isp_vacuum_s * STANDARD_GRAVITY_MPS2 * math.log(m0 / float(state.mass_kg[0]))
    assert delta_v == pytest.approx(ideal, rel=1e-9)
    assert m0 - float(state.mass_kg[0]) > 100_000  # a real burn, not a rounding error


def test_unpowered_vacuum_arc_conserves_energy_in_the_rotating_frame(cargo: VehicleConfig) -> None:
    """Jacobi integral v²/2 + U_gravity(J2) + U_centrifugal is constant to 1e-9 over 40 minutes of
    20 s coast steps on the rotating WGS-84 Earth (Coriolis does no work)."""
    config = _settings(cargo, coast_step_s=20.0, coast_floor_altitude_m=0.0)
    model = VehicleModel.build(config, 1, atmosphere=AtmosphereTable.vacuum())
    position = geodetic_to_ecef(30.0, 120.0, 300e3)
    velocity = ned_vector_to_ecef([0.0, 7_400.0, -100.0], 30.0, 120.0)  # a low eccentric orbit
    state = initial_state(model, position, velocity, attitude_from_ned(30.0, 120.0, 0.0, 0.0))

    def jacobi(p: np.ndarray, v: np.ndarray) -> float:
        return float(0.5 * v @ v + gravity_potential(p, WGS84) + centrifugal_potential(p, WGS84))

    start = jacobi(state.position_ecef_m[0], state.velocity_ecef_mps[0])
    integrator = Integrator(model)
    for _ in range(24):
        state = integrator.advance(state, Commands.hold(state), 100.0).state
    end = jacobi(state.position_ecef_m[0], state.velocity_ecef_mps[0])
    assert state.active[0]
    assert end == pytest.approx(start, rel=1e-9)
