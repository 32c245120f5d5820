"""Fault schedules for SITL runs: the file format (``schedule``) and what it puts in force when
(``timeline``). The runner and the platform process apply them; docs/sitl.md describes the file."""

from firmware_sim.faults.schedule import (
    CargoBayHeating,
    CargoBaySmoke,
    EngineOut,
    Epoch,
    FaultSchedule,
    LowChamberPressure,
    OffStation,
    PlatformFault,
    SeaStateChange,
    SurfaceWind,
    VehicleFault,
    load_fault_schedule,
    parse_fault_schedule,
)
from firmware_sim.faults.timeline import (
    Epochs,
    FaultLog,
    VehicleCondition,
    platform_conditions,
    summary,
    vehicle_condition,
)

__all__ = [
    "CargoBayHeating",
    "CargoBaySmoke",
    "EngineOut",
    "Epoch",
    "Epochs",
    "FaultLog",
    "FaultSchedule",
    "LowChamberPressure",
    "OffStation",
    "PlatformFault",
    "SeaStateChange",
    "SurfaceWind",
    "VehicleCondition",
    "VehicleFault",
    "load_fault_schedule",
    "parse_fault_schedule",
    "platform_conditions",
    "summary",
    "vehicle_condition",
]
