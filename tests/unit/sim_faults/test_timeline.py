"""What a fault schedule puts in force when, as tables: vehicle faults against the moments they count
from, the physics' view of platform faults, and the lines that tell each fault once."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from firmware_sim.faults import (
    EngineOut,
    Epoch,
    Epochs,
    FaultLog,
    LowChamberPressure,
    OffStation,
    SeaStateChange,
    SurfaceWind,
    VehicleCondition,
    platform_conditions,
    vehicle_condition,
)
from firmware_sim.faults.timeline import end_s, start_s
from firmware_sim.physics.config import load_platform_config

BARGE = Path(__file__).resolve().parents[3] / "configs" / "platforms" / "landing-barge.toml"

ENGINE_OUT_T20 = EngineOut(20.0)
LOW_PC_AT_IGNITION = LowChamberPressure(0.0, 0.8, after=Epoch.IGNITION)
LOW_PC_FOR_5S = LowChamberPressure(10.0, 0.5, for_s=5.0)
SECOND_ENGINE = EngineOut(100.0, after=Epoch.START, engines=2)
NOT_YET = Epochs()
IGNITED = Epochs(ignition_s=2.5)
FLYING = Epochs(ignition_s=2.5, liftoff_s=5.0)


@pytest.mark.parametrize(
    ("fault", "epochs", "starts", "ends"),
    [
        (ENGINE_OUT_T20, NOT_YET, None, None),
        (ENGINE_OUT_T20, IGNITED, None, None),
        (ENGINE_OUT_T20, FLYING, 25.0, None),
        (LOW_PC_AT_IGNITION, NOT_YET, None, None),
        (LOW_PC_AT_IGNITION, IGNITED, 2.5, None),
        (LOW_PC_FOR_5S, FLYING, 15.0, 20.0),
        (SECOND_ENGINE, NOT_YET, 100.0, None),
        (SeaStateChange(120.0, 4.0, 9.0), NOT_YET, 120.0, None),
        (OffStation(300.0, 40.0, 90.0, for_s=120.0), NOT_YET, 300.0, 420.0),
    ],
)  # fmt: skip
def test_when_a_fault_begins_and_ends(fault: object, epochs: Epochs, starts: float, ends: float) -> None:
    assert start_s(fault, epochs) == starts  # type: ignore[arg-type]
    assert end_s(fault, epochs) == ends  # type: ignore[arg-type]


SCHEDULE = (ENGINE_OUT_T20, LOW_PC_FOR_5S, SECOND_ENGINE)


@pytest.mark.parametrize(
    ("now_s", "epochs", "condition"),
    [
        (0.0, NOT_YET, VehicleCondition(0, 1.0)),
        (14.9, FLYING, VehicleCondition(0, 1.0)),
        (15.0, FLYING, VehicleCondition(0, 0.5)),  # liftoff 5 s + 10 s
        (19.99, FLYING, VehicleCondition(0, 0.5)),
        (20.0, FLYING, VehicleCondition(0, 1.0)),  # its 5 s are over
        (25.0, FLYING, VehicleCondition(1, 1.0)),
        (99.0, FLYING, VehicleCondition(1, 1.0)),
        (100.0, FLYING, VehicleCondition(3, 1.0)),  # engines out add up
        (100.0, NOT_YET, VehicleCondition(2, 1.0)),  # never lifted off: only the timed one
    ],
)  # fmt: skip
def test_vehicle_condition_in_force(now_s: float, epochs: Epochs, condition: VehicleCondition) -> None:
    assert vehicle_condition(SCHEDULE, now_s, epochs) == condition


def test_chamber_pressure_factors_multiply() -> None:
    faults = (LowChamberPressure(0.0, 0.8, Epoch.START), LowChamberPressure(1.0, 0.5, Epoch.START))
    assert vehicle_condition(faults, 0.5, NOT_YET).thrust_factor == 0.8
    assert vehicle_condition(faults, 1.5, NOT_YET).thrust_factor == pytest.approx(0.4)


def test_platform_faults_in_the_physics_terms() -> None:
    barge = load_platform_config(BARGE)
    faults = (
        OffStation(300.0, 40.0, 90.0, over_s=20.0, for_s=100.0),
        SeaStateChange(120.0, 4.0, 9.0, ramp_s=10.0, wind_speed_mps=18.0),
        SurfaceWind(60.0, 25.0, direction_from_deg=300.0),
        SeaStateChange(600.0, 1.0, 6.0, wave_direction_from_deg=90.0),
    )
    conditions = platform_conditions(faults, barge)
    first, second = conditions.sea
    assert (first.at_s, first.ramp_s, second.at_s) == (120.0, 10.0, 600.0)
    assert first.sea.significant_wave_height_m == 4.0
    assert first.sea.peak_period_s == 9.0
    assert first.sea.spectrum is barge.sea_state.spectrum
    assert first.sea.wave_direction_from_deg == barge.sea_state.wave_direction_from_deg  # as configured
    assert second.sea.wave_direction_from_deg == 90.0
    # The sea state's wind comes from the configured surface direction; the wind fault's from its own.
    winds = [(w.at_s, w.speed_mps, w.direction_from_deg) for w in conditions.wind]
    assert winds == [(60.0, 25.0, 300.0), (120.0, 18.0, barge.wind.direction_from_deg[0])]
    (move,) = conditions.moves
    assert (move.at_s, move.over_s, move.back_at_s) == (300.0, 20.0, 400.0)
    assert move.north_m == pytest.approx(0.0, abs=1e-9)
    assert move.east_m == pytest.approx(40.0)
    assert platform_conditions((), barge).empty


def test_the_log_tells_each_start_and_end_once_in_time_order() -> None:
    log = FaultLog((ENGINE_OUT_T20, LOW_PC_FOR_5S, SECOND_ENGINE, LOW_PC_AT_IGNITION))
    assert log.pending
    assert log.due(2.0, NOT_YET) == []
    assert log.due(3.0, IGNITED) == ["fault: low_chamber_pressure (x0.80) at ignition+0.0 s (sim 2.5 s)"]
    assert log.due(30.0, FLYING) == [
        "fault: low_chamber_pressure (x0.50 for 5 s) at liftoff+10.0 s (sim 15.0 s)",
        "fault: low_chamber_pressure over at liftoff+15.0 s (sim 20.0 s)",
        "fault: engine_out (1 engine) at liftoff+20.0 s (sim 25.0 s)",
    ]
    assert log.due(30.0, FLYING) == []
    assert log.pending
    assert log.due(100.0, FLYING) == ["fault: engine_out (2 engines) at 100.0 s"]
    assert not log.pending


def test_platform_lines_name_the_platform() -> None:
    log = FaultLog(
        (
            SeaStateChange(120.0, 4.0, 9.0, platform="hop-barge", ramp_s=15.0, wind_speed_mps=18.0),
            OffStation(120.0, 200.0, 90.0, platform="hop-barge", over_s=30.0, for_s=60.0),
            SurfaceWind(0.0, 12.0),
        )
    )
    assert log.due(math.inf) == [
        "fault: wind (12 m/s, over 30 s) at 0.0 s",
        "fault: sea_state on hop-barge (Hs 4 m, Tp 9 s, wind 18 m/s, over 15 s) at 120.0 s",
        "fault: off_station on hop-barge (200 m towards 90 deg over 30 s, back after 60 s) at 120.0 s",
        "fault: off_station on hop-barge back on station at 180.0 s",
    ]
