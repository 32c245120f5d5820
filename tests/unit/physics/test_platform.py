"""Deck motion (RAO model of domain.md §4), station keeping, deck wind and touchdown geometry."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from firmware_sim.physics.atmosphere import AtmosphereTable
from firmware_sim.physics.attitude import body_x_axis
from firmware_sim.physics.config import PlatformConfig, VehicleConfig
from firmware_sim.physics.earth import WGS84, EarthModel, geodetic_to_ecef, ned_vector_to_ecef
from firmware_sim.physics.events import Event, EventKind
from firmware_sim.physics.integrator import Integrator
from firmware_sim.physics.platform import (
    Platform,
    TouchdownOutcome,
    resonance_gain,
    response_amplitude_operators,
)
from firmware_sim.physics.vehicle import Commands, VehicleModel, attitude_from_ned, initial_state


def _sea(config: PlatformConfig, hs_m: float, tp_s: float, sigma_m: float | None = None) -> PlatformConfig:
    keeping = config.station_keeping
    if sigma_m is not None:
        keeping = dataclasses.replace(keeping, position_sigma_m=sigma_m, heading_sigma_deg=sigma_m)
    sea = dataclasses.replace(config.sea_state, significant_wave_height_m=hs_m, peak_period_s=tp_s)
    return dataclasses.replace(config, sea_state=sea, station_keeping=keeping)


def test_rao_limits(barge: PlatformConfig) -> None:
    """Long waves: heave follows the surface (gain 1) and pitch the slope; short waves cancel."""
    omega = np.array([0.05, 5.0])
    heave, pitch, roll = response_amplitude_operators(omega, 0.0, 91.4, 30.5, barge.motion)
    assert heave[0] == pytest.approx(1.0, abs=3e-3)  # 1/(1-r²) with r = 0.05 rad/s x 6 s / 2 pi
    assert pitch[0] == pytest.approx(math.degrees(omega[0] ** 2 / 9.80665), rel=3e-3)
    assert roll[0] == 0.0  # head seas do not roll the hull
    assert heave[1] < 0.01
    assert abs(pitch[1]) < 0.5
    assert float(resonance_gain(np.array([2 * math.pi / 6.0]), 6.0, 0.3)[0]) == pytest.approx(1 / 0.6)


@pytest.mark.parametrize(
    ("hs_m", "tp_s", "heave_sig_m", "pitch_max_deg", "roll_max_deg"),
    [
        (1.0, 6.0, 0.2, 1.0, 1.4),
        (2.0, 7.0, 0.5, 1.6, 3.3),
        (3.0, 8.0, 1.2, 2.8, 5.0),
        (4.0, 9.0, 2.3, 4.3, 7.5),
    ],
)
def test_barge_motion_matches_the_domain_table(
    barge: PlatformConfig,
    hs_m: float,
    tp_s: float,
    heave_sig_m: float,
    pitch_max_deg: float,
    roll_max_deg: float,
) -> None:
    """domain.md §4 table (beta = 30°): significant heave within 15% (a stable statistic); pitch and
    roll maxima within 40% (maxima of one random record over a window the table does not state)."""
    platform = Platform(_sea(barge, hs_m, tp_s), seed=5)
    motion = platform.motion(np.arange(0.0, 3600.0, 0.25))
    assert 4.0 * float(np.std(motion.heave_m)) == pytest.approx(heave_sig_m, rel=0.15)
    assert float(np.max(np.abs(motion.pitch_deg))) == pytest.approx(pitch_max_deg, rel=0.4)
    assert float(np.max(np.abs(motion.roll_deg))) == pytest.approx(roll_max_deg, rel=0.4)


def test_rates_are_derivatives_and_station_keeping_wanders(barge: PlatformConfig) -> None:
    platform = Platform(barge, seed=2)
    t = np.arange(0.0, 1800.0, 0.05)
    m = platform.motion(t)
    for value, rate in [
        (m.heave_m, m.heave_rate_mps),
        (m.pitch_deg, m.pitch_rate_dps),
        (m.offset_north_m, m.drift_north_mps),
    ]:
        np.testing.assert_allclose(
            np.gradient(value, t)[1:-1], rate[1:-1], atol=2e-3 * float(np.max(np.abs(rate)))
        )
    assert float(np.std(m.offset_north_m)) == pytest.approx(barge.station_keeping.position_sigma_m, rel=0.6)
    pose = platform.pose(t[:3])
    np.testing.assert_allclose(np.linalg.norm(pose.normal_ecef, axis=1), 1.0)
    assert np.all(np.abs(np.sum(pose.normal_ecef * pose.forward_ecef, axis=1)) < 1e-12)


def test_semi_submersible_barely_moves(launch_platform: PlatformConfig) -> None:
    motion = Platform(launch_platform, seed=1).motion(np.arange(0.0, 1800.0, 0.5))
    assert 4.0 * float(np.std(motion.heave_m)) < 0.1
    assert float(np.max(np.abs(motion.roll_deg))) < 0.2


def test_wind_over_deck_without_drift_is_the_true_wind_off_the_bow(barge: PlatformConfig) -> None:
    calm = dataclasses.replace(
        _sea(barge, 0.0, 7.0, sigma_m=0.0), wind=dataclasses.replace(barge.wind, gust_sigma_mps=0.0)
    )
    speed, angle = Platform(calm, seed=1).wind_over_deck(np.array([0.0, 100.0]))
    # 8 m/s from 320° at the surface and 12 m/s from 310° at 1 km, read at 12.5 m; bow at 300°.
    share = 12.5 / 1000.0
    towards = [math.radians(320.0 + 180.0), math.radians(310.0 + 180.0)]
    north = (1 - share) * 8.0 * math.cos(towards[0]) + share * 12.0 * math.cos(towards[1])
    east = (1 - share) * 8.0 * math.sin(towards[0]) + share * 12.0 * math.sin(towards[1])
    assert float(speed[0]) == pytest.approx(math.hypot(north, east), abs=1e-9)
    assert float(angle[0]) == pytest.approx(math.degrees(math.atan2(-east, -north)) % 360.0 - 300.0, abs=1e-9)


def _falling_onto(
    config: VehicleConfig,
    platform: Platform,
    offset_ned_m: tuple[float, float],
    velocity_ned_mps: tuple[float, ...],
    start_height_above_deck_m: float = 20.0,
    tilt_deg: float = 0.0,
) -> tuple[Integrator, list[Event]]:
    """A vehicle in gravity-free vacuum moving at constant velocity at a deck (exact kinematics)."""
    drift_free = EarthModel(WGS84.equatorial_radius_m, WGS84.flattening, 0.0, 0.0, 0.0)
    model = VehicleModel.build(config, 1, earth=drift_free, atmosphere=AtmosphereTable.vacuum())
    pos = platform.config.position
    centre = geodetic_to_ecef(pos.latitude_deg, pos.longitude_deg, pos.deck_height_m, drift_free)
    up = ned_vector_to_ecef([0.0, 0.0, -1.0], pos.latitude_deg, pos.longitude_deg)
    offset = ned_vector_to_ecef([*offset_ned_m, 0.0], pos.latitude_deg, pos.longitude_deg)
    cg = config.structure.cg_height_above_base_m
    position = centre + offset + (start_height_above_deck_m + cg) * up
    velocity = ned_vector_to_ecef(velocity_ned_mps, pos.latitude_deg, pos.longitude_deg)
    attitude = attitude_from_ned(pos.latitude_deg, pos.longitude_deg, 90.0 - tilt_deg, 0.0)
    state = initial_state(model, position, velocity, attitude)
    integrator = Integrator(model, decks=[platform])
    events: list[Event] = []
    for _ in range(100):
        result = integrator.advance(state, Commands.hold(state), 1.0)
        events += list(result.events)
        state = result.state
        if not state.active.any():
            break
    return integrator, events


def test_touchdown_on_a_calm_deck(hop: VehicleConfig, barge: PlatformConfig) -> None:
    """Straight down at 1.5 m/s onto the centre: 1.5 m/s vertical, nothing else, at t = 20/1.5 s."""
    platform = Platform(_sea(barge, 0.0, 7.0, sigma_m=0.0), seed=1)
    _, events = _falling_onto(hop, platform, (0.0, 0.0), (0.0, 0.0, 1.5))
    (touchdown,) = [e for e in events if e.kind is EventKind.TOUCHDOWN]
    report = touchdown.touchdown
    assert report is not None
    assert touchdown.time_s == pytest.approx(20.0 / 1.5, abs=1e-6)
    assert report.vertical_speed_mps == pytest.approx(1.5, abs=1e-6)
    assert report.horizontal_speed_mps == pytest.approx(0.0, abs=1e-6)
    assert report.tilt_deg == pytest.approx(0.0, abs=1e-4)
    assert report.miss_distance_m == pytest.approx(0.0, abs=1e-3)
    assert report.outcome is TouchdownOutcome.SOFT


def test_touchdown_relative_to_a_moving_deck(hop: VehicleConfig, barge: PlatformConfig) -> None:
    """Speeds are relative to the deck point under the legs, rotation included (to 1 mm/s)."""
    platform = Platform(_sea(barge, 3.0, 8.0), seed=4)
    _, events = _falling_onto(hop, platform, (12.0, -5.0), (0.3, 0.0, 2.0), tilt_deg=2.0)
    (touchdown,) = [e for e in events if e.kind is EventKind.TOUCHDOWN]
    report = touchdown.touchdown
    assert report is not None
    assert touchdown.position_ecef_m is not None
    pos = barge.position
    axis = body_x_axis(attitude_from_ned(pos.latitude_deg, pos.longitude_deg, 88.0, 0.0))
    base = np.array(touchdown.position_ecef_m) - hop.structure.cg_height_above_base_m * axis
    pose = platform.pose(np.array([touchdown.time_s]))
    deck_point = pose.velocity_ecef_mps[0] + np.cross(
        pose.angular_velocity_ecef_radps[0], base - pose.center_ecef_m[0]
    )
    relative = ned_vector_to_ecef([0.3, 0.0, 2.0], pos.latitude_deg, pos.longitude_deg) - deck_point
    normal = pose.normal_ecef[0]
    assert float((base - pose.center_ecef_m[0]) @ normal) == pytest.approx(0.0, abs=1e-6)  # on the deck
    assert report.vertical_speed_mps == pytest.approx(-float(relative @ normal), abs=1e-3)
    horizontal = relative - float(relative @ normal) * normal
    assert report.horizontal_speed_mps == pytest.approx(float(np.linalg.norm(horizontal)), abs=1e-3)
    assert report.tilt_deg == pytest.approx(math.degrees(math.acos(float(axis @ normal))), abs=1e-6)
    assert report.miss_distance_m == pytest.approx(math.hypot(12.0, 5.0), abs=3.0)  # plus the drift


@pytest.mark.parametrize(
    ("velocity", "tilt", "outcome"),
    [
        ((0.0, 0.0, 5.0), 0.0, TouchdownOutcome.HARD),
        ((1.5, 0.0, 1.0), 0.0, TouchdownOutcome.TIPPED_OVER),
        ((0.0, 0.0, 1.0), 8.0, TouchdownOutcome.TIPPED_OVER),
    ],
)
def test_touchdown_outcomes(
    hop: VehicleConfig,
    barge: PlatformConfig,
    velocity: tuple[float, ...],
    tilt: float,
    outcome: TouchdownOutcome,
) -> None:
    platform = Platform(_sea(barge, 0.0, 7.0, sigma_m=0.0), seed=1)
    _, events = _falling_onto(
        hop, platform, (0.0, 0.0), velocity, start_height_above_deck_m=5.0, tilt_deg=tilt
    )
    (touchdown,) = [e for e in events if e.kind is EventKind.TOUCHDOWN]
    assert touchdown.touchdown is not None
    assert touchdown.touchdown.outcome is outcome


def test_missing_the_deck_is_a_splashdown(hop: VehicleConfig, barge: PlatformConfig) -> None:
    platform = Platform(_sea(barge, 0.0, 7.0, sigma_m=0.0), seed=1)
    _, events = _falling_onto(hop, platform, (0.0, 40.0), (0.0, 0.0, 2.0))
    kinds = [e.kind for e in events]
    assert EventKind.TOUCHDOWN not in kinds
    assert EventKind.SPLASHDOWN in kinds
    (splash,) = [e for e in events if e.kind is EventKind.SPLASHDOWN]
    # The upright vehicle's base starts 20 m above the deck and falls to sea level at 2 m/s.
    drop = barge.position.deck_height_m + 20.0
    # 1 ms: the geocentric "up" of the hot loop is 0.2° off the geodetic one here (a 0.2 mm height).
    assert splash.time_s == pytest.approx(drop / 2.0, abs=1e-3)
