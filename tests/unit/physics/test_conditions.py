"""Changes of a platform's conditions over time (a new sea state, surface wind, a move off station) and
the engine's low-chamber-pressure knob: ramps as tables, the platform model with its changes folded
in (untouched before them, grown after, rates still the derivatives), and the delivered thrust."""

from __future__ import annotations

import math

import numpy as np
import pytest

from firmware_sim.physics.conditions import (
    PlatformConditions,
    SeaChange,
    StationMove,
    WindChange,
    crossfade,
    linear_ramp,
    mean_wind_ned_mps,
    station_offset_m,
    wind_towards_ned_mps,
)
from firmware_sim.physics.config import PlatformConfig, VehicleConfig
from firmware_sim.physics.engine import EngineMode, EngineModel, apply_commands, plan_tick
from firmware_sim.physics.platform import Platform
from firmware_sim.physics.waves import SeaState, SpectrumKind


@pytest.mark.parametrize(
    ("t", "length", "value", "rate"),
    [
        (9.0, 10.0, 0.0, 0.0),
        (10.0, 10.0, 0.0, 0.0),
        (15.0, 10.0, 0.5, 0.1),
        (20.0, 10.0, 1.0, 0.0),
        (99.0, 10.0, 1.0, 0.0),
        (9.99, 0.0, 0.0, 0.0),  # no length: a step at at_s
        (10.0, 0.0, 1.0, 0.0),
    ],
)
def test_linear_ramp(t: float, length: float, value: float, rate: float) -> None:
    got, got_rate = linear_ramp(np.array([t]), 10.0, length)
    assert (float(got[0]), float(got_rate[0])) == pytest.approx((value, rate))


def test_crossfade_keeps_the_power_and_its_rates_are_derivatives() -> None:
    t = np.linspace(0.0, 40.0, 4001)
    keep, take, keep_rate, take_rate = crossfade(t, 10.0, 20.0)
    assert np.allclose(keep**2 + take**2, 1.0)
    assert (keep[t <= 10.0] == 1.0).all()
    assert np.allclose(take[t >= 30.0], 1.0)
    inside = (t > 10.1) & (t < 29.9)
    assert np.allclose(np.gradient(take, t)[inside], take_rate[inside], atol=1e-4)
    assert np.allclose(np.gradient(keep, t)[inside], keep_rate[inside], atol=1e-4)


@pytest.mark.parametrize(
    ("t", "north", "east", "east_rate"),
    [
        (0.0, 0.0, 0.0, 0.0),
        (110.0, 0.0, 20.0, 2.0),  # half way out at 40 m / 20 s
        (130.0, 0.0, 40.0, 0.0),  # off station, holding
        (210.0, 0.0, 20.0, -2.0),  # half way back (back_at 200 s)
        (300.0, 0.0, 0.0, 0.0),
    ],
)
def test_station_offset(t: float, north: float, east: float, east_rate: float) -> None:
    move = StationMove(100.0, 20.0, 0.0, 40.0, back_at_s=200.0)
    n, e, n_rate, e_rate = station_offset_m((move,), np.array([t]))
    assert (float(n[0]), float(e[0]), float(n_rate[0]), float(e_rate[0])) == pytest.approx(
        (north, east, 0.0, east_rate)
    )


def test_mean_wind_moves_to_each_new_wind_in_turn() -> None:
    changes = (WindChange(10.0, 10.0, 20.0, 270.0), WindChange(100.0, 0.0, 5.0, 0.0))
    t = np.array([0.0, 15.0, 50.0, 100.0])
    north, east = mean_wind_ned_mps(changes, np.full(4, 4.0), np.zeros(4), t)
    assert wind_towards_ned_mps(20.0, 270.0) == pytest.approx((0.0, 20.0))  # from the west: towards east
    assert north == pytest.approx([4.0, 2.0, 0.0, -5.0])
    assert east == pytest.approx([0.0, 10.0, 20.0, 0.0])


def test_conditions_come_in_order() -> None:
    sea = SeaState(SpectrumKind.JONSWAP, 4.0, 9.0)
    with pytest.raises(ValueError, match="in the order the changes begin"):
        PlatformConditions(sea=(SeaChange(200.0, 10.0, sea), SeaChange(100.0, 10.0, sea)))


def _rough(config: PlatformConfig, at_s: float = 600.0) -> PlatformConditions:
    sea = SeaState(config.sea_state.spectrum, 4.0, 9.0, config.sea_state.wave_direction_from_deg)
    return PlatformConditions(
        sea=(SeaChange(at_s, 30.0, sea),),
        wind=(WindChange(at_s, 30.0, 20.0, 300.0),),
        moves=(StationMove(at_s, 60.0, 30.0, 40.0),),
    )


def test_a_new_sea_state_grows_the_deck_motion_and_leaves_the_past_alone(barge: PlatformConfig) -> None:
    calm = Platform(barge, seed=3)
    rough = Platform(barge, seed=3, conditions=_rough(barge))
    before = np.arange(0.0, 600.0, 0.2)
    after = np.arange(630.0, 1230.0, 0.2)
    m_calm, m_before, m_after = calm.motion(before), rough.motion(before), rough.motion(after)
    for name in ("heave_m", "pitch_deg", "roll_deg", "offset_north_m", "offset_east_m", "heading_deg"):
        assert np.array_equal(getattr(m_calm, name), getattr(m_before, name)), name
    # Hs 2 m -> 4 m and a longer period: the 10-minute maxima at least double.
    for name in ("heave_m", "pitch_deg", "roll_deg"):
        grown = np.abs(getattr(m_after, name)).max() / np.abs(getattr(m_before, name)).max()
        assert grown > 2.0, (name, grown)
    assert rough.highest_point_m > calm.highest_point_m


def test_rates_stay_the_derivatives_through_the_change(barge: PlatformConfig) -> None:
    rough = Platform(barge, seed=3, conditions=_rough(barge))
    t = np.arange(590.0, 680.0, 0.005)
    m = rough.motion(t)
    # Central differences are O(dt²) except across the kinks where the ramps start and end.
    kinks = np.array([600.0, 630.0, 660.0])
    smooth = np.abs(t[:, None] - kinks).min(axis=1) > 0.01
    for value, rate in (("heave_m", "heave_rate_mps"), ("pitch_deg", "pitch_rate_dps"),
                        ("roll_deg", "roll_rate_dps"), ("offset_east_m", "drift_east_mps")):  # fmt: skip
        numeric = np.gradient(getattr(m, value), t)[smooth][1:-1]
        reported = getattr(m, rate)[smooth][1:-1]
        assert np.abs(numeric - reported).max() < 1e-3 * np.abs(reported).max(), value


def test_moving_off_station_moves_the_deck_and_the_wind_changes_at_the_anemometer(
    barge: PlatformConfig,
) -> None:
    calm = Platform(barge, seed=3)
    rough = Platform(barge, seed=3, conditions=_rough(barge))
    t = np.array([500.0, 700.0])
    offset = rough.pose(t).center_ecef_m - calm.pose(t).center_ecef_m
    assert np.linalg.norm(offset[0]) == pytest.approx(0.0, abs=1e-6)
    north = rough.motion(t).offset_north_m - calm.motion(t).offset_north_m
    east = rough.motion(t).offset_east_m - calm.motion(t).offset_east_m
    assert (north[1], east[1]) == pytest.approx((30.0, 40.0))
    calm_speed, _ = calm.wind_over_deck(t)
    rough_speed, _ = rough.wind_over_deck(t)
    assert rough_speed[0] == pytest.approx(calm_speed[0])
    assert rough_speed[1] == pytest.approx(20.0, abs=3 * barge.wind.gust_sigma_mps + 1.0)


def _delivered(config: VehicleConfig, factor: float | None, seconds: float) -> float:
    engine = EngineModel.build(config.engine, config.propellant, np.ones(1), np.ones(1))
    start = apply_commands(
        engine, np.array([int(EngineMode.RUNNING)]), np.array([config.engine.count]), np.array([1]),
        np.array([0]), np.array([1e9]), np.array([config.engine.count]),
    )  # fmt: skip
    plan = plan_tick(
        engine, start, np.array([1.0]), np.array([1e9]), np.array([1.0]), np.array([math.inf]),
        None if factor is None else np.array([factor]),
    )  # fmt: skip
    fraction, _, _, _ = plan.at(np.array([seconds]))
    return float(fraction[0])


def test_a_low_chamber_pressure_delivers_its_fraction_after_the_throttle_limits(hop: VehicleConfig) -> None:
    assert _delivered(hop, None, 5.0) == 1.0
    # Below the minimum throttle too: the fault acts on what the engine delivers, not on the command.
    assert _delivered(hop, 0.3, 10.0) == pytest.approx(0.3)
    # It falls at the throttle slew rate.
    assert _delivered(hop, 0.3, 1.0) == pytest.approx(1.0 - hop.engine.throttle_slew_per_s)
