"""One dispersed run's inputs for the scalar engine: the batch's draws applied to the scalar configs.

The draws are the vectorised model's (``dispersions.draw``), applied to the same things
(``flight.FleetFlight``): thrust, Isp and drag through the physics' own ``Dispersions``
multipliers; the dry mass and each tank's load through the vehicle config (the flight software
keeps planning with its own nominal knowledge); the wind as the landing platform's profile and gusts
scaled and turned (``wind.DispersedWind``: a wind from a direction turned clockwise blows towards one
turned the same way); the sea state as the landing platform's significant wave height; the sensors
as the ``[sensors]`` table times the scale. Each run's realisations (its wave record, deck wander
and gusts; its sensor biases and noise) come from seeds derived from the draws and the run's index
only, so a run flies the same whichever worker flies it. Pure: knows nothing of processes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from firmware_sim.montecarlo.dispersions import DispersedRuns, DispersionSigmas
from firmware_sim.montecarlo.scenario import MonteCarloScenario
from firmware_sim.physics.config import PlatformConfig, VehicleConfig
from firmware_sim.sensors import SensorConfig

#: SensorConfig fields that are not error levels (not scaled).
_NOT_ERRORS = frozenset({"baro_top_m"})


@dataclass(frozen=True, slots=True)
class ScalarRun:
    """Everything one scalar run needs beyond the scenario's flight software (picklable)."""

    index: int
    vehicle: VehicleConfig  # dry mass and tank loads dispersed
    launch: PlatformConfig
    landing: PlatformConfig  # wind and sea state dispersed
    sensors: SensorConfig  # error levels scaled
    thrust_scale: float
    isp_scale: float
    drag_scale: float
    landing_seed: int  # the landing platform's waves, wander and gusts
    launch_seed: int
    noise_seed: int  # the sensor model's biases and noise, and the flight computer's


def scaled_sensors(config: SensorConfig, scale: float) -> SensorConfig:
    """Every error level times ``scale`` (0: perfect sensors)."""
    changes = {
        f.name: getattr(config, f.name) * scale
        for f in dataclasses.fields(config)
        if f.name not in _NOT_ERRORS
    }
    return dataclasses.replace(config, **changes)


def dispersed_vehicle(
    config: VehicleConfig, dry_mass_scale: float, lox_scale: float, ch4_scale: float
) -> VehicleConfig:
    structure = dataclasses.replace(
        config.structure, dry_mass_kg=config.structure.dry_mass_kg * dry_mass_scale
    )
    propellant = dataclasses.replace(
        config.propellant,
        lox_mass_kg=config.propellant.lox_mass_kg * lox_scale,
        ch4_mass_kg=config.propellant.ch4_mass_kg * ch4_scale,
    )
    return dataclasses.replace(config, structure=structure, propellant=propellant)


def dispersed_landing(
    config: PlatformConfig, wind_speed_scale: float, wind_turn_deg: float, wave_height_scale: float
) -> PlatformConfig:
    wind = config.wind
    wind = dataclasses.replace(
        wind,
        speed_mps=tuple(v * wind_speed_scale for v in wind.speed_mps),
        direction_from_deg=tuple((d + wind_turn_deg) % 360.0 for d in wind.direction_from_deg),
        gust_sigma_mps=wind.gust_sigma_mps * wind_speed_scale,
    )
    sea = dataclasses.replace(
        config.sea_state,
        significant_wave_height_m=config.sea_state.significant_wave_height_m * wave_height_scale,
    )
    return dataclasses.replace(config, wind=wind, sea_state=sea)


def _seeds(draws: DispersedRuns, sigmas: DispersionSigmas, index: int) -> tuple[int, int, int]:
    """The run's seeds: its own from the batch's (all alike without varied realisations)."""
    sea = int(draws.sea_seed[index])
    # Without varied realisations every run shares run 0's noise, as its sea (sea_seed repeats).
    key = [draws.noise_seed, index if sigmas.vary_realisations else 0]
    noise = int(np.random.default_rng(key).integers(2**31))
    return sea, int(np.random.default_rng([sea, 1]).integers(2**31)), noise


def scalar_run(
    scenario: MonteCarloScenario, draws: DispersedRuns, sigmas: DispersionSigmas, index: int
) -> ScalarRun:
    """Run ``index``'s configs and seeds."""
    i = index
    landing_seed, launch_seed, noise_seed = _seeds(draws, sigmas, i)
    return ScalarRun(
        index=i,
        vehicle=dispersed_vehicle(
            scenario.vehicle,
            float(draws.dry_mass_scale[i]),
            float(draws.lox_scale[i]),
            float(draws.ch4_scale[i]),
        ),
        launch=scenario.launch,
        landing=dispersed_landing(
            scenario.landing,
            float(draws.wind_speed_scale[i]),
            float(draws.wind_turn_deg[i]),
            float(draws.wave_height_scale[i]),
        ),
        sensors=scaled_sensors(scenario.sensors, sigmas.sensor_scale),
        thrust_scale=float(draws.thrust_scale[i]),
        isp_scale=float(draws.isp_scale[i]),
        drag_scale=float(draws.drag_scale[i]),
        landing_seed=landing_seed,
        launch_seed=launch_seed,
        noise_seed=noise_seed,
    )
