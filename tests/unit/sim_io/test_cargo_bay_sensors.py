"""CARGO_BAY from the bay model: in SITL from the runner (faults included), on a flight computer alone
from its snapshots; the physics' inert mass follows the cargo the ground sets before liftoff; a cargo
set while armed is refused over the parameter protocol with the reason."""

from __future__ import annotations

import dataclasses

import pytest

from firmware_sim.faults import CargoBayHeating, CargoBaySmoke, Epoch, VehicleFault
from firmware_sim.firmware.commands import CommandResult, VehicleCommand
from firmware_sim.firmware.computer import FlightComputer
from firmware_sim.firmware.param_defs import CARGO_MASS_PARAM, parameters_for
from firmware_sim.firmware.params import ParamStore
from firmware_sim.firmware.telemetry import CountdownTelemetry, EngineTelemetry, TouchdownTelemetry
from firmware_sim.io import vehicle_telemetry
from firmware_sim.io.cargo_bay_sensors import SnapshotBay, runner_bay
from firmware_sim.io.param_protocol import ParamProtocol
from firmware_sim.io.statustext import StatusTexts
from firmware_sim.io.vehicle_telemetry import TelemetryContext
from firmware_sim.physics.config import load_platform_config, load_vehicle_config
from firmware_sim.physics.platform import Platform
from firmware_sim.runner import SitlRunner
from gcs.protocol.dialect import EngineState, seaport
from tests.unit.firmware.support import CONFIGS, DictParams, hop_config, hop_plan, pad_frame
from tests.unit.sim_io.mav_roundtrip import received, text_of

S = seaport
HOP_DRY_KG = 36_000.0


def _runner(faults: tuple[VehicleFault, ...] = (), params: DictParams | None = None) -> SitlRunner:
    fc = FlightComputer(hop_config(), params or DictParams(), seed=1)
    launch = Platform(load_platform_config(CONFIGS / "platforms" / "launch-platform.toml"), seed=1)
    barge = Platform(load_platform_config(CONFIGS / "platforms" / "hop-barge.toml"), seed=2)
    return SitlRunner(
        load_vehicle_config(CONFIGS / "vehicles" / "yxz-1-hop.toml"), [launch, barge], fc, seed=1,
        faults=faults, cargo_mass_kg=lambda: fc.cargo_mass_kg,
    )  # fmt: skip


def _cargo_bay_message(runner: SitlRunner) -> object:
    ctx = TelemetryContext(1_800_000_000.0, 1, cargo_bay=runner_bay(runner))
    (msg,) = vehicle_telemetry.build(S.MAVLINK_MSG_ID_CARGO_BAY, runner.fc.telemetry(), ctx)
    return received(msg, (1, 1))


def test_on_the_pad_the_bay_is_conditioned_and_quiet() -> None:
    runner = _runner()
    runner.step(1.0)
    bay = _cargo_bay_message(runner)
    assert bay.temperature_degc == pytest.approx(20.0, abs=0.01)  # type: ignore[attr-defined]
    assert bay.humidity_pct == pytest.approx(40.0, abs=0.1)  # type: ignore[attr-defined]
    assert 100_000.0 < bay.pressure_pa < 101_325.0  # type: ignore[attr-defined]  # the pad's deck height
    assert 0.95 < bay.peak_shock_g < 1.1  # type: ignore[attr-defined]  # 1 g standing
    assert bay.vibration_g_rms == pytest.approx(0.01, rel=1e-3)  # type: ignore[attr-defined]
    assert bay.smoke_detected == 0  # type: ignore[attr-defined]


def test_the_bay_faults_of_a_schedule_reach_cargo_bay() -> None:
    heating = CargoBayHeating(1.0, 40.0, after=Epoch.START, ramp_s=2.0)
    runner = _runner((heating, CargoBaySmoke(2.0, after=Epoch.START)))
    runner.step(1.0)
    cool = _cargo_bay_message(runner)
    assert cool.temperature_degc == pytest.approx(20.0, abs=0.01)  # type: ignore[attr-defined]
    runner.step(2.0)  # half way up its ramp, still rising: the runner keeps asking
    half = _cargo_bay_message(runner)
    assert half.temperature_degc == pytest.approx(40.0, abs=1.5)  # type: ignore[attr-defined]
    assert half.smoke_detected == 0  # type: ignore[attr-defined]
    runner.step(5.0)
    hot = _cargo_bay_message(runner)
    assert hot.temperature_degc == pytest.approx(60.0, abs=0.01)  # type: ignore[attr-defined]
    assert hot.smoke_detected == 1  # type: ignore[attr-defined]
    # On the pad the conditioning duct vents the bay: outside pressure, drier air.
    assert hot.pressure_pa == pytest.approx(cool.pressure_pa, rel=1e-6)  # type: ignore[attr-defined]
    assert hot.humidity_pct < 10.0  # type: ignore[attr-defined]


def test_the_physics_inert_mass_follows_the_cargo_until_liftoff() -> None:
    params = DictParams()
    runner = _runner(params=params)
    runner.step(0.5)
    assert float(runner.state.inert_mass_kg[0]) == HOP_DRY_KG + 20.0  # the configured cargo
    params.values[CARGO_MASS_PARAM] = 80.0
    runner.step(1.0)
    assert float(runner.state.inert_mass_kg[0]) == HOP_DRY_KG + 80.0
    assert float(runner.state.mass_kg[0]) == HOP_DRY_KG + 80.0 + 16_318.0 + 4_662.0
    runner.liftoff_time_s = runner.time_s  # from liftoff on the load is what it is
    params.values[CARGO_MASS_PARAM] = 0.0
    runner.step(1.5)
    assert float(runner.state.inert_mass_kg[0]) == HOP_DRY_KG + 80.0


def test_a_cargo_set_while_armed_is_refused_with_the_reason() -> None:
    store = ParamStore.from_specs(parameters_for(hop_config().vehicle))
    fc = FlightComputer(hop_config(), store, seed=1)
    protocol = ParamProtocol(store, StatusTexts(), veto=fc.param_veto)
    fc.tick(pad_frame(0.0), 0.0, 0.0)

    def set_cargo(kg: float) -> list[object]:
        msg = received(
            S.MAVLink_param_set_message(1, 1, CARGO_MASS_PARAM.encode(), kg, S.MAV_PARAM_TYPE_REAL32)
        )
        return protocol.on_set(msg)

    (echo,) = set_cargo(60.0)
    assert (echo.param_id, echo.param_value) == (CARGO_MASS_PARAM, 60.0)  # type: ignore[attr-defined]
    fc.set_flight_plan(hop_plan())
    assert fc.command(VehicleCommand.ARM, 0.1).result is CommandResult.ACCEPTED
    answer = set_cargo(5.0)
    assert "Param refused: CARGO_MASS_KG is locked while armed" in text_of(answer)
    assert answer[-1].param_value == 60.0  # type: ignore[attr-defined]
    assert store.get(CARGO_MASS_PARAM) == 60.0


def test_a_flight_computer_alone_steps_its_own_bay_from_its_snapshots() -> None:
    config = hop_config()
    fc = FlightComputer(config, DictParams(), seed=1)
    fc.tick(pad_frame(0.0), 0.0, 0.0)
    sensors = SnapshotBay(config.vehicle.engine_count, config.vehicle.diameter_m / 2.0)
    pad = fc.telemetry()
    first = sensors(pad)
    assert (first.temperature_degc, first.smoke_detected) == (20.0, False)
    assert first.humidity_pct == pytest.approx(40.0)
    burning = EngineTelemetry(EngineState.RUNNING, 1, 10e6, 1e6, 1.0, 1)
    lit = sensors(dataclasses.replace(pad, time_s=1.0, engine=burning))
    assert lit.peak_shock_g >= 1.5  # the engine's start
    assert lit.vibration_g_rms == pytest.approx((0.01**2 + 0.6**2) ** 0.5)
    flying = dataclasses.replace(pad, time_s=2.0, engine=burning, countdown=CountdownTelemetry(1.0, 1.0, 1.5))
    assert sensors(flying).peak_shock_g >= 2.5  # the liftoff
    landed = dataclasses.replace(
        flying, time_s=3.0, engine=EngineTelemetry(EngineState.OFF, 0, 0.0, 0.0, 0.0, 1),
        touchdown=TouchdownTelemetry(2.9, "hop-barge", 2.0, 0.1, 0.5, 1.0),
    )  # fmt: skip
    assert sensors(landed).peak_shock_g == pytest.approx(4.0)  # 1 g + 1.5 g per m/s down
