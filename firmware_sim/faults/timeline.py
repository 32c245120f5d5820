"""What a fault schedule puts in force at a simulated time, and the lines that say so. Pure.

``vehicle_condition(faults, now_s, epochs)`` is what the runner applies at each control tick: how
many engines have failed, what fraction of its chamber pressure a lit engine delivers, and how much
warmer a heat source has made the cargo bay and whether there is smoke in it.
``platform_conditions(faults, config)`` turns a platform's faults into the physics' own values
(``physics.conditions``), which the platform model folds in by time. ``FaultLog`` tells, once
each, the faults that have begun or ended ("fault: engine_out (1 engine) at liftoff+20.0 s (sim 24.8 s)").
Knows nothing of files, processes or how the physics uses the conditions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from firmware_sim.faults.schedule import (
    CargoBayHeating,
    CargoBaySmoke,
    EngineOut,
    Epoch,
    LowChamberPressure,
    OffStation,
    PlatformFault,
    SeaStateChange,
    SurfaceWind,
    VehicleFault,
)
from firmware_sim.physics.conditions import PlatformConditions, SeaChange, StationMove, WindChange
from firmware_sim.physics.config import PlatformConfig
from firmware_sim.physics.waves import SeaState

Fault = VehicleFault | PlatformFault
#: The vehicle faults: their ``at_s`` counts from their ``after``.
_VEHICLE_KINDS = (EngineOut, LowChamberPressure, CargoBayHeating, CargoBaySmoke)


@dataclass(frozen=True, slots=True)
class Epochs:
    """When the moments vehicle faults count from happened (simulated s; None: not yet)."""

    ignition_s: float | None = None
    liftoff_s: float | None = None

    def of(self, epoch: Epoch) -> float | None:
        if epoch is Epoch.START:
            return 0.0
        return self.ignition_s if epoch is Epoch.IGNITION else self.liftoff_s


@dataclass(frozen=True, slots=True)
class VehicleCondition:
    """The vehicle's faults in force: engines failed, what a lit engine delivers of its thrust, the
    cargo bay's extra warmth and smoke; ``changing``: a fault is still ramping (ask again next tick)."""

    engines_failed: int = 0
    thrust_factor: float = 1.0
    bay_heating_degc: float = 0.0
    bay_smoke: bool = False
    changing: bool = False


def start_s(fault: Fault, epochs: Epochs) -> float | None:
    """When ``fault`` begins (simulated s since the process started), or None while not known."""
    if isinstance(fault, _VEHICLE_KINDS):
        epoch = epochs.of(fault.after)
        return None if epoch is None else epoch + fault.at_s
    return fault.at_s


def end_s(fault: Fault, epochs: Epochs) -> float | None:
    """When ``fault`` stops (returns to station, for ``off_station``); None if never or not known."""
    if isinstance(fault, LowChamberPressure | OffStation) and fault.for_s is not None:
        begins = start_s(fault, epochs)
        return None if begins is None else begins + fault.for_s
    return None


def _in_force(fault: Fault, now_s: float, epochs: Epochs) -> bool:
    begins = start_s(fault, epochs)
    if begins is None or now_s < begins:
        return False
    ends = end_s(fault, epochs)
    return ends is None or now_s < ends


def vehicle_condition(faults: Sequence[VehicleFault], now_s: float, epochs: Epochs) -> VehicleCondition:
    """The vehicle faults in force at ``now_s``: failed engines add up, chamber-pressure factors
    multiply, bay heat sources add up (each along its ramp)."""
    failed, factor, heating, smoke, changing = 0, 1.0, 0.0, False, False
    for fault in faults:
        if not _in_force(fault, now_s, epochs):
            continue
        if isinstance(fault, EngineOut):
            failed += fault.engines
        elif isinstance(fault, LowChamberPressure):
            factor *= fault.factor
        elif isinstance(fault, CargoBayHeating):
            begins = start_s(fault, epochs)
            assert begins is not None  # in force
            done = 1.0 if fault.ramp_s == 0.0 else min((now_s - begins) / fault.ramp_s, 1.0)
            heating += fault.rise_degc * done
            changing = changing or done < 1.0
        else:
            smoke = True
    return VehicleCondition(failed, factor, heating, smoke, changing)


def platform_conditions(faults: Sequence[PlatformFault], config: PlatformConfig) -> PlatformConditions:
    """The physics' view of one platform's faults (``config`` gives what a fault leaves unchanged)."""
    base_sea = config.sea_state
    surface_from_deg = config.wind.direction_from_deg[0]
    sea: list[SeaChange] = []
    wind: list[WindChange] = []
    moves: list[StationMove] = []
    for fault in faults:
        if isinstance(fault, SeaStateChange):
            direction = fault.wave_direction_from_deg
            state = SeaState(
                base_sea.spectrum,
                fault.significant_wave_height_m,
                fault.peak_period_s,
                base_sea.wave_direction_from_deg if direction is None else direction,
            )
            sea.append(SeaChange(fault.at_s, fault.ramp_s, state))
            if fault.wind_speed_mps is not None:
                wind_from = fault.wind_direction_from_deg
                wind_from = surface_from_deg if wind_from is None else wind_from
                wind.append(WindChange(fault.at_s, fault.ramp_s, fault.wind_speed_mps, wind_from))
        elif isinstance(fault, SurfaceWind):
            wind_from = surface_from_deg if fault.direction_from_deg is None else fault.direction_from_deg
            wind.append(WindChange(fault.at_s, fault.ramp_s, fault.speed_mps, wind_from))
        else:
            bearing = math.radians(fault.bearing_deg)
            back = None if fault.for_s is None else fault.at_s + fault.for_s
            north, east = fault.distance_m * math.cos(bearing), fault.distance_m * math.sin(bearing)
            moves.append(StationMove(fault.at_s, fault.over_s, north, east, back))
    return PlatformConditions(
        tuple(sorted(sea, key=lambda c: c.at_s)),
        tuple(sorted(wind, key=lambda c: c.at_s)),
        tuple(sorted(moves, key=lambda c: c.at_s)),
    )


# --- saying so -------------------------------------------------------------------------------------


def describe(fault: Fault) -> str:
    """The fault in a few words, without its time: ``engine_out (1 engine)``."""
    if isinstance(fault, EngineOut):
        return f"engine_out ({fault.engines} engine{'s' if fault.engines > 1 else ''})"
    if isinstance(fault, LowChamberPressure):
        lasting = "" if fault.for_s is None else f" for {fault.for_s:g} s"
        return f"low_chamber_pressure (x{fault.factor:.2f}{lasting})"
    if isinstance(fault, CargoBayHeating):
        return f"cargo_bay_heating (+{fault.rise_degc:g} degC over {fault.ramp_s:g} s)"
    if isinstance(fault, CargoBaySmoke):
        return "cargo_bay_smoke"
    where = f" on {fault.platform}" if fault.platform else ""
    if isinstance(fault, SeaStateChange):
        text = f"sea_state{where} (Hs {fault.significant_wave_height_m:g} m, Tp {fault.peak_period_s:g} s"
        if fault.wind_speed_mps is not None:
            text += f", wind {fault.wind_speed_mps:g} m/s"
        return text + f", over {fault.ramp_s:g} s)"
    if isinstance(fault, SurfaceWind):
        return f"wind{where} ({fault.speed_mps:g} m/s, over {fault.ramp_s:g} s)"
    lasting = "" if fault.for_s is None else f", back after {fault.for_s:g} s"
    move = f"{fault.distance_m:g} m towards {fault.bearing_deg:g} deg over {fault.over_s:g} s"
    return f"off_station{where} ({move}{lasting})"


def when(fault: Fault, offset_s: float = 0.0) -> str:
    """The fault's moment as a test engineer writes it: ``liftoff+20.0 s``, ``ignition+0.5 s``, ``120 s``."""
    at = fault.at_s + offset_s
    if isinstance(fault, _VEHICLE_KINDS):
        if fault.after is Epoch.LIFTOFF:
            return f"liftoff+{at:.1f} s"
        if fault.after is Epoch.IGNITION:
            return f"ignition+{at:.1f} s"
    return f"{at:.1f} s"


def summary(faults: Sequence[Fault]) -> str:
    """Every fault and its moment on one line (what a process will do), or "none"."""
    return "; ".join(f"{describe(f)} at {when(f)}" for f in faults) or "none"


class FaultLog:
    """The faults that began or ended by a time, each told once (``due``)."""

    def __init__(self, faults: Sequence[Fault]) -> None:
        self._faults = tuple(faults)
        self._told: set[tuple[int, bool]] = set()  # (index, True for the start / False for the end)
        self._marks = sum(1 + (getattr(f, "for_s", None) is not None) for f in self._faults)

    @property
    def pending(self) -> bool:
        """Some start or end is still to be told (False for an empty log)."""
        return len(self._told) < self._marks

    def due(self, now_s: float, epochs: Epochs | None = None) -> list[str]:
        """Lines for the starts and ends at or before ``now_s`` not told yet, in time order (file
        order for the same time). A time counted from an event also gives the simulated time."""
        epochs = epochs or Epochs()
        lines: list[tuple[float, int, str]] = []
        for index, fault in enumerate(self._faults):
            begins = start_s(fault, epochs)
            if begins is None:
                continue  # its moment has not come (nor, then, its end)
            if begins <= now_s and (index, True) not in self._told:
                self._told.add((index, True))
                lines.append(
                    (begins, index, f"fault: {describe(fault)} at {when(fault)}{_sim(fault, begins)}")
                )
            ends = end_s(fault, epochs)
            if ends is not None and ends <= now_s and (index, False) not in self._told:
                self._told.add((index, False))
                over = "back on station" if isinstance(fault, OffStation) else "over"
                moment = when(fault, ends - begins)
                lines.append(
                    (ends, index, f"fault: {fault.KIND}{_on(fault)} {over} at {moment}{_sim(fault, ends)}")
                )
        return [text for _, _, text in sorted(lines)]


def _sim(fault: Fault, time_s: float) -> str:
    relative = isinstance(fault, _VEHICLE_KINDS) and fault.after is not Epoch.START
    return f" (sim {time_s:.1f} s)" if relative else ""


def _on(fault: Fault) -> str:
    platform = getattr(fault, "platform", None)
    return f" on {platform}" if platform else ""
