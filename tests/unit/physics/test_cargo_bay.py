"""The cargo bay's environment model: held on the pad, warming late and little on a nominal flight,
a slow leak, humidity from the vapour it holds, vibration from the engines, shocks at the events, and
a sensor read that reports the peak and RMS since the previous read."""

from __future__ import annotations

import dataclasses
import math

import pytest

from firmware_sim.physics import cargo_bay as bay
from firmware_sim.physics.cargo_bay import BayInputs, CargoBayState, Shock, ShockKind

SEA_LEVEL_PA = 101_325.0
PAD = BayInputs(SEA_LEVEL_PA, 0.0, 0.0, 1.0, 0, 9, 0.0, conditioned=True)
VACUUM = BayInputs(0.0, 0.0, 0.0, 0.0, 0, 9, 0.0, conditioned=False)


def run(state: CargoBayState, inputs: BayInputs, duration_s: float, tick_s: float = 1.0) -> CargoBayState:
    for _ in range(round(duration_s / tick_s)):
        state = bay.advance(state, inputs, tick_s)
    return state


def test_on_the_pad_the_conditioning_holds_the_set_point() -> None:
    start = bay.on_pad(0.0, SEA_LEVEL_PA)
    reading, _ = bay.read(start)
    assert (reading.temperature_degc, reading.pressure_pa) == (20.0, SEA_LEVEL_PA)
    assert reading.humidity_pct == pytest.approx(40.0)
    assert reading.smoke_detected is False
    warm = dataclasses.replace(start, air_degc=30.0, wall_degc=30.0)
    held = run(warm, PAD, 3600.0)  # the wall gives its heat up slowly, then the duct takes it
    assert held.temperature_degc == pytest.approx(20.0, abs=0.1)
    assert held.humidity_pct == pytest.approx(40.0, abs=0.5)
    assert held.pressure_pa == pytest.approx(SEA_LEVEL_PA, rel=1e-3)


def test_a_nominal_cargo_hop_warms_the_bay_a_few_degrees_and_late() -> None:
    """Ascent heating, a 30 min coast out of the air, the entry's ~80 MJ/m² (a ballistic entry at
    7.1 km/s and 17°, Sutton-Graves at the 3.5 m nose: worked out for this model), five minutes to
    touchdown, then an hour sealed on the deck."""
    state = run(bay.on_pad(0.0, SEA_LEVEL_PA), PAD, 60.0)
    state = run(
        state, dataclasses.replace(VACUUM, ambient_pressure_pa=20_000.0, heat_flux_w_per_m2=2e4), 150.0
    )
    state = run(state, VACUUM, 1800.0, tick_s=5.0)
    state = run(state, dataclasses.replace(VACUUM, heat_flux_w_per_m2=1e6), 80.0, tick_s=0.1)
    assert state.temperature_degc - 20.0 < 1.0  # the wall has the heat, the air does not yet
    state = run(state, dataclasses.replace(VACUUM, ambient_pressure_pa=SEA_LEVEL_PA), 300.0)
    at_touchdown = state.temperature_degc - 20.0
    assert 0.5 < at_touchdown < 5.0
    later = run(state, dataclasses.replace(VACUUM, ambient_pressure_pa=SEA_LEVEL_PA), 3600.0, tick_s=5.0)
    assert at_touchdown < later.temperature_degc - 20.0 < 8.0
    # The sealed bay leaked a little over the 40 min out of the air; warmer air is drier.
    assert 88_000.0 < state.pressure_pa < 98_000.0
    assert state.humidity_pct < 40.0


def test_the_leak_is_slow_and_takes_the_bay_towards_the_outside() -> None:
    hop = run(bay.on_pad(0.0, SEA_LEVEL_PA), dataclasses.replace(VACUUM, ambient_pressure_pa=75_000.0), 125.0)
    expected_loss = (SEA_LEVEL_PA - 75_000.0) * -math.expm1(-125.0 / 30_000.0)
    assert SEA_LEVEL_PA - hop.pressure_pa == pytest.approx(expected_loss, rel=1e-6)
    assert SEA_LEVEL_PA - hop.pressure_pa < 150.0
    long = run(bay.on_pad(0.0, SEA_LEVEL_PA), VACUUM, 300_000.0, tick_s=50.0)
    assert long.pressure_pa < 100.0


def test_a_heat_source_raises_temperature_pressure_and_lowers_humidity() -> None:
    sealed = run(
        bay.on_pad(0.0, SEA_LEVEL_PA), dataclasses.replace(VACUUM, ambient_pressure_pa=SEA_LEVEL_PA), 1.0
    )
    hot = bay.advance(
        sealed, dataclasses.replace(VACUUM, ambient_pressure_pa=SEA_LEVEL_PA, heating_rise_degc=40.0), 0.0
    )
    reading, _ = bay.read(hot)
    assert reading.temperature_degc == pytest.approx(60.0)
    assert reading.pressure_pa == pytest.approx(SEA_LEVEL_PA * 333.15 / 293.15, rel=1e-4)  # fixed volume
    vapour_pa = 0.40 * bay.saturation_vapour_pressure_pa(20.0) * 333.15 / 293.15
    assert reading.humidity_pct == pytest.approx(100.0 * vapour_pa / bay.saturation_vapour_pressure_pa(60.0))
    assert reading.humidity_pct < 10.0


def test_smoke_once_detected_stays() -> None:
    state = bay.advance(bay.on_pad(0.0, SEA_LEVEL_PA), dataclasses.replace(VACUUM, smoke=True), 1.0)
    state = bay.advance(state, VACUUM, 1.0)
    first, state = bay.read(state)
    second, _ = bay.read(state)
    assert first.smoke_detected
    assert second.smoke_detected


@pytest.mark.parametrize(
    ("lit", "throttle", "dynamic_pressure_pa", "rms_g"),
    [
        (0, 0.0, 0.0, 0.01),
        (9, 1.0, 0.0, math.hypot(0.01, 0.6)),
        (1, 1.0, 0.0, math.hypot(0.01, 0.2)),  # one engine of nine: a third of the cluster's RMS
        (3, 0.5, 0.0, math.hypot(0.01, 0.3 / math.sqrt(3))),
        (0, 0.0, 30_000.0, math.hypot(0.01, 0.3)),  # buffet at max q
        (0, 0.0, 1e7, math.hypot(0.01, 1.0)),  # buffet capped
    ],
)
def test_vibration_from_the_engines_and_the_buffet(
    lit: int, throttle: float, dynamic_pressure_pa: float, rms_g: float
) -> None:
    inputs = dataclasses.replace(
        VACUUM, engines_lit=lit, throttle=throttle, dynamic_pressure_pa=dynamic_pressure_pa
    )
    assert bay.vibration_g_rms(inputs) == pytest.approx(rms_g)


@pytest.mark.parametrize(
    ("shock", "peak_g"),
    [
        (Shock(ShockKind.ENGINE_START), 1.5),
        (Shock(ShockKind.LIFTOFF), 2.5),
        (Shock(ShockKind.ENGINE_CUTOFF), 1.5),
        (Shock(ShockKind.TOUCHDOWN, 1.2), 2.8),
        (Shock(ShockKind.TOUCHDOWN, 4.0), 7.0),  # the touchdown red line's speed
        (Shock(ShockKind.SPLASHDOWN, 30.0), 91.0),
        (Shock(ShockKind.SPLASHDOWN, 500.0), 200.0),  # the sensor's range
    ],
)
def test_shocks_scale_with_the_event(shock: Shock, peak_g: float) -> None:
    assert shock.peak_g == pytest.approx(peak_g)


def test_a_read_reports_peak_and_rms_since_the_previous_read_and_clears_them() -> None:
    state = bay.on_pad(0.0, SEA_LEVEL_PA)
    burning = dataclasses.replace(VACUUM, sensed_acceleration_g=2.0, engines_lit=9, throttle=1.0)
    state = run(state, burning, 10.0)
    state = bay.advance(state, dataclasses.replace(VACUUM, shocks=(Shock(ShockKind.ENGINE_CUTOFF),)), 0.0)
    state = run(state, VACUUM, 10.0)
    reading, state = bay.read(state)
    loud = 0.01**2 + 0.6**2
    assert reading.vibration_g_rms == pytest.approx(math.sqrt((loud * 10 + 0.01**2 * 10) / 20))
    assert reading.peak_shock_g == pytest.approx(2.0 + 3.0 * math.sqrt(loud))  # load + 3-sigma vibration
    # Cleared: the next read sees only what came after.
    state = bay.advance(state, dataclasses.replace(VACUUM, shocks=(Shock(ShockKind.TOUCHDOWN, 1.2),)), 1.0)
    after, state = bay.read(state)
    assert after.peak_shock_g == pytest.approx(2.8)
    assert after.vibration_g_rms == pytest.approx(0.01)
    # Read again at once: the latest level, not nothing.
    again, _ = bay.read(state)
    assert again.peak_shock_g == pytest.approx(0.03)
    assert again.vibration_g_rms == pytest.approx(0.01)


def test_a_step_must_not_go_back_in_time() -> None:
    with pytest.raises(ValueError, match="dt_s"):
        bay.advance(bay.on_pad(0.0, SEA_LEVEL_PA), VACUUM, -1.0)


def test_air_data_on_the_pad_and_in_the_entry() -> None:
    pad = bay.air_data(30.0, 0.0, 3.5)
    assert pad.ambient_pressure_pa == pytest.approx(100_965.0, rel=1e-3)
    assert (pad.dynamic_pressure_pa, pad.heat_flux_w_per_m2) == (0.0, 0.0)
    entry = bay.air_data(60_000.0, 6_500.0, 3.5)
    assert 2e5 < entry.heat_flux_w_per_m2 < 1e6
    assert entry.ambient_pressure_pa < 30.0
