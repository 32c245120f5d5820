"""US Standard Atmosphere 1976 against the standard's own tables, and the wind field."""

from __future__ import annotations

import numpy as np
import pytest

from firmware_sim.physics.atmosphere import (
    AtmosphereTable,
    WindField,
    geometric_altitude_m,
    geopotential_altitude_m,
    us76,
)

# U.S. Standard Atmosphere 1976 (NOAA-S/T 76-1562), Table I at the layer bases (geopotential km):
# temperature K, pressure Pa, density kg/m³, speed of sound m/s.
US76_LAYER_BASES = [
    (0.0, 288.15, 101_325.0, 1.2250, 340.294),
    (11.0, 216.65, 22_632.06, 0.36392, 295.070),
    (20.0, 216.65, 5_474.889, 0.088035, 295.070),
    (32.0, 228.65, 868.0187, 0.013225, 303.131),
    (47.0, 270.65, 110.9063, 0.0014275, 329.799),
    (71.0, 214.65, 3.956420, 6.4211e-5, 293.704),
]


@pytest.mark.parametrize(("geopotential_km", "temperature", "pressure", "density", "sound"), US76_LAYER_BASES)
def test_us76_layer_bases(
    geopotential_km: float, temperature: float, pressure: float, density: float, sound: float
) -> None:
    """At 0, 11, 20, 32, 47 and 71 km: T and a to 0.001, p to 2e-6, rho to its 5 printed digits (5e-5)."""
    z = geometric_altitude_m(geopotential_km * 1000.0)
    air = us76(z)
    assert float(air.temperature_k) == pytest.approx(temperature, abs=1e-3)
    assert float(air.pressure_pa) == pytest.approx(pressure, rel=2e-6)
    assert float(air.density_kg_per_m3) == pytest.approx(density, rel=5e-5)
    assert float(air.speed_of_sound_mps) == pytest.approx(sound, abs=1e-3)


def test_us76_geometric_table_and_86_km() -> None:
    """Geometric-altitude rows of the standard: 11 km and 86 km (to the table's 5 digits)."""
    eleven = us76(11_000.0)
    assert float(eleven.temperature_k) == pytest.approx(216.774, abs=1e-3)
    assert float(eleven.pressure_pa) == pytest.approx(22_700.0, rel=1e-4)
    assert float(eleven.density_kg_per_m3) == pytest.approx(0.36480, rel=1e-4)
    top = us76(86_000.0)
    assert float(top.pressure_pa) == pytest.approx(0.37338, rel=1e-4)
    assert float(top.density_kg_per_m3) == pytest.approx(6.958e-6, rel=1e-3)


def test_exponential_extension_is_smooth_and_thinner_above() -> None:
    """Density and its slope are continuous at 86 km (1e-6), and density keeps falling."""
    z = np.array([85_990.0, 86_000.0, 86_010.0])
    rho = us76(z).density_kg_per_m3
    left, right = (rho[1] - rho[0]) / 10.0, (rho[2] - rho[1]) / 10.0
    assert right == pytest.approx(left, rel=2e-3)  # one-sided differences of a C1 curve
    high = us76(np.array([100e3, 150e3, 200e3])).density_kg_per_m3
    assert np.all(np.diff(high) < 0)
    assert high[-1] > 0


def test_geopotential_conversion_round_trip() -> None:
    z = np.linspace(-5e3, 200e3, 101)
    np.testing.assert_allclose(geometric_altitude_m(geopotential_altitude_m(z)), z, atol=1e-8)


def test_table_matches_the_formula() -> None:
    """The hot-loop table stays within 2e-5 of US76 for density and pressure, 1e-6 for sound speed."""
    table = AtmosphereTable.us76()
    z = np.linspace(-900.0, 149_000.0, 50_001)
    exact = us76(z)
    np.testing.assert_allclose(table.density(z), exact.density_kg_per_m3, rtol=2e-5)
    np.testing.assert_allclose(table.pressure(z), exact.pressure_pa, rtol=2e-5)
    np.testing.assert_allclose(table.speed_of_sound(z), exact.speed_of_sound_mps, rtol=1e-6)
    assert float(table.density(np.array([151e3]))[0]) == 0.0  # vacuum above the 150 km top
    assert AtmosphereTable.vacuum().is_vacuum
    assert not table.is_vacuum


def test_wind_profile_direction_and_interpolation() -> None:
    """A wind *from* the west blows towards the east; layers interpolate linearly."""
    wind = WindField.from_profile([0.0, 10_000.0], [10.0, 30.0], [270.0, 270.0], 0.0, 1.0, 1, seed=1)
    north, east = wind.wind_ned_mps(np.array([0.0]), np.array([5_000.0]))
    assert float(east[0]) == pytest.approx(20.0)
    assert float(north[0]) == pytest.approx(0.0, abs=1e-12)
    north, east = wind.wind_ned_mps(np.array([0.0]), np.array([50_000.0]))
    assert float(east[0]) == pytest.approx(30.0)  # held above the last layer
    assert wind.calm_above_m == float("inf")


def test_gusts_are_seeded_and_have_the_requested_spread() -> None:
    """Same seed, same gusts; per-axis std over many vehicles and times within 15% of sigma."""
    args = ([0.0, 20_000.0], [5.0, 0.0], [0.0, 0.0], 3.0, 10_000.0, 400)
    a, b = WindField.from_profile(*args, seed=7), WindField.from_profile(*args, seed=7)
    other = WindField.from_profile(*args, seed=8)
    t = np.full(400, 12.5)
    z = np.full(400, 0.0)
    np.testing.assert_array_equal(a.wind_ned_mps(t, z)[0], b.wind_ned_mps(t, z)[0])
    assert not np.allclose(a.wind_ned_mps(t, z)[0], other.wind_ned_mps(t, z)[0])
    samples = np.concatenate([a.wind_ned_mps(np.full(400, float(k)), z)[1] for k in range(0, 600, 20)])
    assert float(np.std(samples)) == pytest.approx(3.0, rel=0.15)
    _, east = a.wind_ned_mps(t, np.full(400, 15_000.0))
    np.testing.assert_allclose(east, 0.0, atol=1e-12)  # above the gust top only the calm profile
    assert a.calm_above_m == 20_000.0
