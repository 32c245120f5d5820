"""The scalar engine's inputs: each draw of the batch reaches the scalar config it disperses, as the
vectorised model applies it, and each run's seeds are its own and depend on nothing else."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from firmware_sim.montecarlo.dispersions import DispersedRuns, DispersionSigmas, draw
from firmware_sim.montecarlo.scalar_inputs import ScalarRun, scalar_run
from firmware_sim.montecarlo.scenario import (
    Engine,
    MonteCarloScenario,
    UnsupportedScenario,
    choose_engine,
    load_scenario,
)
from firmware_sim.montecarlo.wind import DispersedWind
from firmware_sim.physics.atmosphere import WindField

SCENARIOS = Path(__file__).resolve().parents[3] / "configs" / "scenarios"


@pytest.fixture(scope="module")
def cargo() -> MonteCarloScenario:
    return load_scenario(SCENARIOS / "cargo.toml")


def _one_run(**changes: float) -> DispersedRuns:
    """Two nominal runs, the second with ``changes`` (scales and angles)."""
    nominal = draw(DispersionSigmas.none(), 2, 1)
    values = {name: np.array([getattr(nominal, name)[0], value]) for name, value in changes.items()}
    return dataclasses.replace(nominal, **values)


def _nominal_and_dispersed(scenario: MonteCarloScenario, **changes: float) -> tuple[ScalarRun, ScalarRun]:
    draws = _one_run(**changes)
    sigmas = DispersionSigmas()
    return scalar_run(scenario, draws, sigmas, 0), scalar_run(scenario, draws, sigmas, 1)


@pytest.mark.parametrize(
    ("draw_name", "scale", "field"),
    [
        ("thrust_scale", 1.03, lambda r: r.thrust_scale),
        ("isp_scale", 0.99, lambda r: r.isp_scale),
        ("drag_scale", 1.1, lambda r: r.drag_scale),
        ("dry_mass_scale", 1.02, lambda r: r.vehicle.structure.dry_mass_kg),
        ("lox_scale", 0.995, lambda r: r.vehicle.propellant.lox_mass_kg),
        ("ch4_scale", 1.005, lambda r: r.vehicle.propellant.ch4_mass_kg),
        ("wind_speed_scale", 1.3, lambda r: r.landing.wind.speed_mps[3]),
        ("wind_speed_scale", 0.5, lambda r: r.landing.wind.gust_sigma_mps),
        ("wave_height_scale", 1.4, lambda r: r.landing.sea_state.significant_wave_height_m),
    ],
)
def test_a_draw_of_plus_x_percent_gives_the_config_plus_x_percent(
    cargo: MonteCarloScenario, draw_name: str, scale: float, field: Callable[[ScalarRun], float]
) -> None:
    nominal, dispersed = _nominal_and_dispersed(cargo, **{draw_name: scale})
    assert field(dispersed) == pytest.approx(field(nominal) * scale, rel=1e-12)
    # Only that one input moved: the rest of the run is the nominal's.
    others = [f.name for f in dataclasses.fields(ScalarRun) if f.name not in ("index", "noise_seed")]
    moved = [name for name in others if getattr(dispersed, name) != getattr(nominal, name)]
    assert len(moved) == 1, moved


def test_the_flight_software_still_plans_with_the_nominal_mass(cargo: MonteCarloScenario) -> None:
    _, heavy = _nominal_and_dispersed(cargo, dry_mass_scale=1.05)
    assert heavy.vehicle.structure.dry_mass_kg == pytest.approx(cargo.vehicle.structure.dry_mass_kg * 1.05)
    assert heavy.vehicle.structure.cargo_mass_kg == cargo.vehicle.structure.cargo_mass_kg
    assert (
        cargo.flight_software.vehicle.inert_mass_kg
        == load_scenario(SCENARIOS / "cargo.toml").flight_software.vehicle.inert_mass_kg
    )


@pytest.mark.parametrize(("speed_scale", "turn_deg"), [(1.0, 20.0), (1.3, -35.0), (0.7, 200.0)])
def test_the_turned_and_scaled_wind_blows_as_the_vectorised_model_s(
    cargo: MonteCarloScenario, speed_scale: float, turn_deg: float
) -> None:
    """The scalar platform's wind profile, built from the dispersed config, is the vectorised model's
    ``DispersedWind`` (gusts aside: their phases are each engine's own)."""
    calm = dataclasses.replace(cargo, landing=dataclasses.replace(
        cargo.landing, wind=dataclasses.replace(cargo.landing.wind, gust_sigma_mps=0.0)
    ))  # fmt: skip
    _, run = _nominal_and_dispersed(calm, wind_speed_scale=speed_scale, wind_turn_deg=turn_deg)
    wind = run.landing.wind
    altitude = np.array([0.0, 500.0, 3_000.0, 11_000.0, 25_000.0])
    time_s = np.zeros_like(altitude)
    scalar = WindField.from_profile(
        wind.altitude_m, wind.speed_mps, wind.direction_from_deg, 0.0, wind.gust_top_altitude_m, 5, seed=1
    ).wind_ned_mps(time_s, altitude)
    vector = DispersedWind.build(
        calm.landing.wind, np.full(5, speed_scale), np.full(5, turn_deg), gust_seed=1, same_gusts=True
    ).wind_ned_mps(time_s, altitude)
    np.testing.assert_allclose(scalar, vector, atol=1e-9)


def test_sensor_errors_scale_with_the_sigma(cargo: MonteCarloScenario) -> None:
    draws = draw(DispersionSigmas(), 1, 1)
    doubled = scalar_run(cargo, draws, DispersionSigmas(sensor_scale=2.0), 0).sensors
    perfect = scalar_run(cargo, draws, DispersionSigmas.none(), 0).sensors
    assert doubled.gnss_position_bias_m == pytest.approx(2.0 * cargo.sensors.gnss_position_bias_m)
    assert doubled.deck_attitude_noise_deg == pytest.approx(2.0 * cargo.sensors.deck_attitude_noise_deg)
    assert perfect.accel_noise_mps2 == 0.0
    assert perfect.baro_bias_m == 0.0
    assert perfect.baro_top_m == cargo.sensors.baro_top_m  # not an error level


def test_each_run_has_its_own_seeds_which_depend_only_on_the_draws_and_its_index(
    cargo: MonteCarloScenario,
) -> None:
    sigmas = DispersionSigmas()
    draws = draw(sigmas, 6, 4)
    runs = [scalar_run(cargo, draws, sigmas, i) for i in range(6)]
    again = scalar_run(cargo, draw(sigmas, 6, 4), sigmas, 3)
    assert again == runs[3]
    for name in ("landing_seed", "launch_seed", "noise_seed"):
        assert len({getattr(r, name) for r in runs}) == 6, name
    alike = [
        scalar_run(cargo, draw(DispersionSigmas.none(), 3, 4), DispersionSigmas.none(), i) for i in range(3)
    ]
    assert all(dataclasses.replace(r, index=0) == dataclasses.replace(alike[0], index=0) for r in alike)


def test_auto_picks_the_vectorised_model_where_it_can_fly_and_the_scalar_engine_elsewhere(
    cargo: MonteCarloScenario,
) -> None:
    hop = load_scenario(SCENARIOS / "hop.toml")
    assert choose_engine(hop, Engine.AUTO) is Engine.VECTOR
    assert choose_engine(hop, Engine.SCALAR) is Engine.SCALAR
    assert choose_engine(cargo, Engine.AUTO) is Engine.SCALAR
    with pytest.raises(UnsupportedScenario, match=r"scenario 'cargo'.*hoverslam.*--engine scalar"):
        choose_engine(cargo, Engine.VECTOR)


def test_a_fault_schedule_is_refused_by_name_by_both_engines() -> None:
    with pytest.raises(UnsupportedScenario, match=r"scenario 'engine-out' has a fault schedule.*supported: "):
        load_scenario(SCENARIOS / "engine-out.toml")
