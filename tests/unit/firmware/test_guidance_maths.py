"""Pure pieces of guidance and navigation against closed forms and each other."""

from __future__ import annotations

import math

import numpy as np
import pytest

from firmware_sim.firmware import geometry as geo
from firmware_sim.firmware.failsafes import LinkMonitor, RedLineInputs, RedLineMonitor
from firmware_sim.firmware.frames import DeckSample
from firmware_sim.firmware.guidance_common import thrust_demand
from firmware_sim.firmware.guidance_hop import predicted_apogee_m
from firmware_sim.firmware.guidance_powered_descent import (
    BrakingVehicle,
    StopHeight,
    predict_gravity_turn,
    thrust_for_stop_height,
)
from firmware_sim.firmware.iip import Bend, fall_to_height, kepler_crossing, kepler_impact, predict_impact
from firmware_sim.firmware.navigation import deck_estimate
from firmware_sim.physics import earth
from gcs.protocol.dialect import FlightPhase
from tests.unit.firmware.support import DictParams, hop_config


def test_apogee_without_drag_is_the_vacuum_closed_form() -> None:
    assert predicted_apogee_m(100.0, 100.0, 50_000.0, 0.0) == pytest.approx(100.0 + 100.0**2 / (2 * 9.80665))


def test_drag_lowers_the_predicted_apogee() -> None:
    vacuum = predicted_apogee_m(1000.0, 150.0, 45_000.0, 0.0)
    assert 1000.0 < predicted_apogee_m(1000.0, 150.0, 45_000.0, 7.6) < vacuum


@pytest.mark.parametrize(
    ("lat", "lon", "h"), [(36.5, 121.6, 40.0), (-33.0, -70.0, 120_000.0), (89.9, 10.0, 0.0)]
)
def test_geometry_matches_the_physics_geodesy(lat: float, lon: float, h: float) -> None:
    ours = geo.geodetic_to_ecef(lat, lon, h)
    np.testing.assert_allclose(ours, earth.geodetic_to_ecef(lat, lon, h), atol=1e-6)
    back = geo.ecef_to_geodetic(ours)
    assert back == pytest.approx((lat, lon, h), abs=1e-6)
    np.testing.assert_allclose(geo.ned_basis(lat, lon), earth.ned_basis(lat, lon), atol=1e-12)


def test_quaternion_helpers_agree() -> None:
    q = geo.quat_normalize(np.array([0.9, 0.1, -0.3, 0.2]))
    v = np.array([1.0, 2.0, 3.0])
    m = np.column_stack([geo.quat_rotate(q, e) for e in np.eye(3)])
    np.testing.assert_allclose(m @ v, geo.quat_rotate(q, v), atol=1e-12)
    np.testing.assert_allclose(geo.quat_from_axes(m[:, 0], m[:, 1], m[:, 2]), q, atol=1e-12)
    arc = geo.quat_shortest_arc(np.array([1.0, 0, 0]), np.array([0, 0, 1.0]))
    np.testing.assert_allclose(geo.quat_rotate(arc, np.array([1.0, 0, 0])), [0, 0, 1.0], atol=1e-12)


def test_kepler_impact_agrees_with_a_vacuum_propagation_without_j2_rotation_effects() -> None:
    p = geo.geodetic_to_ecef(40.0, 130.0, 300_000.0)
    v = geo.ned_basis(40.0, 130.0).T @ np.array([3000.0, 5000.0, -2000.0])
    radius = geo.norm(geo.geodetic_to_ecef(35.0, -150.0, 0.0))
    k = kepler_impact(tuple(p), tuple(v), radius)
    n = predict_impact(tuple(p), tuple(v), 0.0, 0.0)
    assert k is not None
    assert n is not None
    # J2 and the ellipsoid's height are all that differ over a ~6,000 km arc: tens of km at most.
    assert (
        geo.great_circle_distance_m(k.latitude_deg, k.longitude_deg, n.latitude_deg, n.longitude_deg) < 30_000
    )
    assert k.time_to_impact_s == pytest.approx(n.time_to_impact_s, rel=0.01)


def test_a_dropped_point_lands_below_in_the_fall_time() -> None:
    p = geo.geodetic_to_ecef(10.0, 20.0, 1000.0)
    n = predict_impact(tuple(p), (0.0, 0.0, 0.0), 0.0, 0.0)
    assert n is not None
    assert n.time_to_impact_s == pytest.approx(math.sqrt(2 * 1000.0 / 9.78), rel=0.01)
    assert geo.great_circle_distance_m(10.0, 20.0, n.latitude_deg, n.longitude_deg) < 5.0


UP = np.array([0.0, 0.0, 1.0])
#: A rocket whose mass hardly changes (huge exhaust velocity) and that feels no air.
STEADY = BrakingVehicle(thrust_n=300_000.0, mass_kg=10_000.0, exhaust_velocity_mps=1e12, drag_area_m2=0.0)


def test_a_vertical_gravity_turn_without_air_stops_where_the_closed_form_says() -> None:
    # 100 m/s down from 2,000 m at 30 m/s² of thrust: decelerates at 30 - g.
    position, velocity = np.array([0.0, 0.0, 2000.0]), np.array([0.0, 0.0, -100.0])
    stop = predict_gravity_turn(position, velocity, UP, 2000.0, STEADY, 0.1)
    assert stop is not None
    decel = 30.0 - 9.80665
    assert stop.stop_height_m == pytest.approx(2000.0 - 100.0**2 / (2 * decel), abs=1.0)
    assert stop.time_s == pytest.approx(100.0 / decel, abs=0.05)
    assert geo.norm(stop.stop_offset_ecef_m) < 1e-6


def test_air_and_a_late_light_move_the_stop() -> None:
    start = (np.array([0.0, 0.0, 2000.0]), np.array([0.0, 0.0, -200.0]), UP, 2000.0)
    dry = predict_gravity_turn(*start, STEADY, 0.1)
    draggy = BrakingVehicle(STEADY.thrust_n, STEADY.mass_kg, STEADY.exhaust_velocity_mps, drag_area_m2=20.0)
    wet = predict_gravity_turn(*start, draggy, 0.1)
    late = predict_gravity_turn(*start, STEADY, 0.1, coast_s=2.0)
    assert dry is not None
    assert wet is not None
    assert late is not None
    assert wet.stop_height_m > dry.stop_height_m + 50.0  # the air brakes too
    assert late.stop_height_m < dry.stop_height_m - 400.0  # two more seconds of falling


def test_a_slant_arrival_stops_down_range_and_the_thrust_search_hits_its_height() -> None:
    position, velocity = np.array([0.0, 0.0, 3000.0]), np.array([150.0, 0.0, -150.0])
    stop = predict_gravity_turn(position, velocity, UP, 3000.0, STEADY, 0.1)
    assert stop is not None
    assert stop.stop_offset_ecef_m[0] > 100.0
    assert abs(stop.stop_offset_ecef_m[1]) < 1e-6
    stops = StopHeight(position, velocity, UP, 3000.0, STEADY, 0.1)
    thrust = STEADY.thrust_n
    for _ in range(6):  # called every tick, each answer the next guess
        thrust = thrust_for_stop_height(stops, 1500.0, thrust, 150_000.0, 600_000.0)
    assert stops(thrust) == pytest.approx(1500.0, abs=5.0)


def test_kepler_crossing_is_kepler_impact_without_the_geodesy() -> None:
    p = tuple(geo.geodetic_to_ecef(36.5, 121.6, 200_000.0))
    v = (-3000.0, -5000.0, 2500.0)
    radius = geo.norm(geo.geodetic_to_ecef(31.0, -122.0, 0.0))
    impact, crossing = kepler_impact(p, v, radius), kepler_crossing(p, v, radius)
    assert impact is not None
    assert crossing is not None
    assert crossing == (impact.time_to_impact_s, impact.position_ecef_m)


def test_a_steepening_bend_brings_the_fall_down_sooner_and_shorter() -> None:
    p = tuple(geo.geodetic_to_ecef(30.0, -120.0, 12_000.0))
    basis = geo.ned_basis(30.0, -120.0)
    v = tuple(basis.T @ np.array([800.0, 0.0, 300.0]))  # north and down
    free = fall_to_height(p, v, 1_000.0, 0.0003, step_fraction=0.1)
    bent = fall_to_height(p, v, 1_000.0, 0.0003, step_fraction=0.1, bend=Bend(20.0, 15_000.0, 1.0))
    assert free is not None
    assert bent is not None
    assert bent.time_s < free.time_s
    start = np.array(p)
    assert geo.norm(np.array(bent.position_ecef_m) - start) < geo.norm(np.array(free.position_ecef_m) - start)


def test_thrust_demand_keeps_within_the_tilt_limit() -> None:
    config = hop_config()
    up = np.array([0.0, 0.0, 1.0])
    throttle, direction = thrust_demand(config, np.array([5.0, 0.0, 9.8]), 45_000.0, 0.0, 1, 10.0, up)
    assert math.degrees(math.acos(direction @ up)) == pytest.approx(10.0)
    assert 0.4 < throttle < 1.0


def test_deck_estimate_of_a_level_deck_points_up_and_extrapolates_its_drift() -> None:
    sample = DeckSample("barge", 10.0, 36.5, 121.6, 2.5, (1.0, 0.0, 0.0), 0.0)
    deck = deck_estimate(sample, 10.5)
    up = -geo.ned_basis(36.5, 121.6)[2]
    np.testing.assert_allclose(deck.normal_ecef, up, atol=1e-12)
    moved = deck.center_ecef_m - geo.geodetic_to_ecef(36.5, 121.6, 2.5)
    assert moved @ geo.ned_basis(36.5, 121.6)[0] == pytest.approx(0.5)


def test_a_port_up_roll_tilts_the_deck_normal_to_starboard() -> None:
    sample = DeckSample("barge", 0.0, 0.0, 0.0, 0.0, (0.0, 0.0, 0.0), 0.0, roll_deg=5.0)
    normal_ned = geo.ned_basis(0.0, 0.0) @ deck_estimate(sample, 0.0).normal_ecef
    # Bow north, port (west) up: the normal leans east, towards starboard.
    assert normal_ned[1] == pytest.approx(math.sin(math.radians(5.0)))


def red(phase: FlightPhase, **kw: float) -> RedLineInputs:
    values: dict[str, float] = {
        "dynamic_pressure_pa": 10_000.0,
        "axial_load_g": 2.0,
        "attitude_error_deg": 1.0,
        "engines_commanded": 1,
        "engines_burning": 1,
    }
    values.update(kw)
    return RedLineInputs(
        phase,
        values["dynamic_pressure_pa"],
        values["axial_load_g"],
        values["attitude_error_deg"],
        int(values["engines_commanded"]),
        int(values["engines_burning"]),
    )


@pytest.mark.parametrize(
    ("inputs", "times", "tripped"),
    [
        (red(FlightPhase.ASCENT), (0.0, 10.0), ""),
        (red(FlightPhase.ASCENT, dynamic_pressure_pa=40_000.0), (0.0,), "dynamic pressure 40.0 kPa"),
        (red(FlightPhase.ASCENT, axial_load_g=9.0), (0.0,), "axial load 9.0 g"),
        (red(FlightPhase.ASCENT, attitude_error_deg=30.0), (0.0, 1.0), ""),
        (red(FlightPhase.ASCENT, attitude_error_deg=30.0), (0.0, 2.5), "attitude error 30 deg"),
        (red(FlightPhase.LANDING_BURN, engines_burning=0), (0.0, 0.2), ""),
        (red(FlightPhase.LANDING_BURN, engines_burning=0), (0.0, 0.6), "engine out (chamber pressure low)"),
        (red(FlightPhase.COAST, engines_commanded=0, engines_burning=0), (0.0, 5.0), ""),
        (red(FlightPhase.TERMINAL_COUNT, axial_load_g=20.0), (0.0,), ""),
        (red(FlightPhase.ENTRY, dynamic_pressure_pa=2e6, axial_load_g=40.0), (0.0,), ""),
    ],
)
def test_red_lines(inputs: RedLineInputs, times: tuple[float, ...], tripped: str) -> None:
    monitor = RedLineMonitor()
    result = ""
    for t in times:
        result = monitor.update(inputs, t, DictParams().get) or result
    assert result == tripped


def test_link_monitor() -> None:
    link = LinkMonitor()
    assert not link.watched
    assert not link.lost(100.0, 5.0)
    link.report(True, 100.0)
    assert not link.lost(104.0, 5.0)
    assert link.lost(105.5, 5.0)
    link.report(True, 106.0)
    assert not link.lost(106.0, 5.0)
    link.report(False, 107.0)
    assert link.lost(107.0, 5.0)
