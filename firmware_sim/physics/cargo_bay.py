"""The cargo bay's environment: air temperature, humidity, pressure, shock and vibration, smoke. Pure.

A sealed, insulated bay inside the tank skin, as a lumped model stepped by its owner
(``advance(state, inputs, dt_s)``, the inputs held over the step):

* Heat. Two thermal nodes: the bay wall (the structure behind the heat shield and insulation) and
  the bay air with its cargo. The wall takes a fraction of the stagnation-point heating proxy
  (Sutton-Graves, ``physics.aero``) and gives it up to the air slowly, so the air lags the
  heating by many minutes and, on a nominal flight, rises a few degrees at most (most of it after
  the entry). On the pad the ground's air conditioning holds the air at its set point.
* Pressure and humidity. On the pad the bay breathes through the conditioning duct (ambient
  pressure, the set-point humidity); from liftoff it is sealed: the air in it leaks slowly towards
  the outside pressure, its pressure follows its temperature (fixed volume) and its water vapour
  stays, so the relative humidity falls as the air warms.
* Vibration and shock. Vibration (RMS) from the lit engines and the aerodynamic buffet; the peak
  is the sensed acceleration (the quasi-static load) plus a crest of the vibration, and the
  transients of engine start, liftoff, engine cut-off, touchdown and splashdown.
* Faults (``physics``'s own knobs, set by a fault schedule): a heat source in the bay (a heater
  stuck on, a thermal runaway) as a rise of the air temperature, and smoke.

Reading the sensors (``read``) gives what one CARGO_BAY message carries: the peak and the RMS
since the previous read, so a read resets them (as a peak-hold logger's register is cleared).
Knows nothing of vehicles, flight software, MAVLink or fault files: its owner turns those into
``BayInputs``. Every number without a public source is marked ASSUMPTION.
"""

from __future__ import annotations

import enum
import functools
import math
from dataclasses import dataclass

import numpy as np

from firmware_sim.physics.aero import SUTTON_GRAVES_CONSTANT
from firmware_sim.physics.atmosphere import AtmosphereTable

ZERO_CELSIUS_K = 273.15
STANDARD_GRAVITY_MPS2 = 9.80665

# --- ASSUMPTION: the conditioned bay on the pad ----------------------------------------------------
#: The ground's air conditioning holds the bay here until liftoff (domain.md §1.1: the demo's bay
#: "met fire, moisture and shock targets"; nothing more is public).
SET_POINT_DEGC = 20.0
SET_POINT_HUMIDITY_PCT = 40.0
#: How fast the conditioning pulls the air back to the set point (a duct at a few air changes an hour).
_CONDITIONING_TIME_CONSTANT_S = 300.0

# --- ASSUMPTION: heat through the wall -------------------------------------------------------------
#: Wall temperature rise per J/m² of stagnation-point heat load: a stainless wall behind the heat
#: shield and insulation sees ~0.25 K per MJ/m². The cargo hop's ballistic entry (~80 MJ/m² at the
#: proxy's stagnation point, worked out from the entry in docs/sitl.md) warms the wall ~20 K.
_WALL_HEATING_K_PER_J_PER_M2 = 0.25e-6
#: The wall gives its heat to the bay air with this time constant ...
_WALL_TO_AIR_TIME_CONSTANT_S = 600.0
#: ... and the air with its cargo (three times the wall's heat capacity) takes it up with this one.
#: Wall and air meet at a quarter of the wall's rise: ~5 K after the cargo hop, ~2-3 K by touchdown.
_AIR_FROM_WALL_TIME_CONSTANT_S = 1800.0

# --- ASSUMPTION: the sealed bay's leak --------------------------------------------------------------
#: The bay air leaks towards the outside pressure with this time constant (a tight seal: ~8 kPa
#: lost over a 40 min flight spent mostly out of the air; nothing over a 2 min hop).
_LEAK_TIME_CONSTANT_S = 30_000.0

# --- ASSUMPTION: vibration and shock ----------------------------------------------------------------
#: Pumps and fans with the engines off.
_QUIET_VIBRATION_G_RMS = 0.01
#: Every engine lit at full throttle, at the bay's floor (the engines are incoherent sources: their
#: powers add, so n of N engines give sqrt(n / N) of it).
_ENGINE_VIBRATION_G_RMS = 0.6
#: Aerodynamic buffet per kPa of dynamic pressure, and its most.
_BUFFET_G_RMS_PER_PA = 0.3 / 30_000.0
_BUFFET_MAX_G_RMS = 1.0
#: Peak over RMS of random vibration (a 3-sigma peak).
_CREST_FACTOR = 3.0
#: Peak acceleration at the bay floor at each transient, standing load included.
_ENGINE_START_SHOCK_G = 1.5
_LIFTOFF_SHOCK_G = 2.5  # the clamps let go of a vehicle pushing at ~1.3-1.5 g
_ENGINE_CUTOFF_SHOCK_G = 1.5
#: Touchdown on legs: 1 g standing plus this per m/s of vertical speed (crush-core stroke): a 1.2 m/s
#: landing peaks near 3 g, the 4 m/s red line of domain.md §1.3 near 7 g.
_TOUCHDOWN_G_PER_MPS = 1.5
#: Hitting the sea without legs.
_SPLASHDOWN_G_PER_MPS = 3.0
#: The bay's shock sensor saturates here.
_SHOCK_RANGE_G = 200.0

#: Longest internal step of the thermal and leak equations (stable far below the time constants).
_MAX_SUBSTEP_S = 5.0


class ShockKind(enum.Enum):
    ENGINE_START = "engine_start"
    LIFTOFF = "liftoff"
    ENGINE_CUTOFF = "engine_cutoff"
    TOUCHDOWN = "touchdown"
    SPLASHDOWN = "splashdown"


@dataclass(frozen=True, slots=True)
class Shock:
    """A transient during a step; ``speed_mps`` is the impact speed of a touchdown or splashdown."""

    kind: ShockKind
    speed_mps: float = 0.0

    @property
    def peak_g(self) -> float:
        if self.kind is ShockKind.ENGINE_START:
            g = _ENGINE_START_SHOCK_G
        elif self.kind is ShockKind.LIFTOFF:
            g = _LIFTOFF_SHOCK_G
        elif self.kind is ShockKind.ENGINE_CUTOFF:
            g = _ENGINE_CUTOFF_SHOCK_G
        elif self.kind is ShockKind.TOUCHDOWN:
            g = 1.0 + _TOUCHDOWN_G_PER_MPS * abs(self.speed_mps)
        else:
            g = 1.0 + _SPLASHDOWN_G_PER_MPS * abs(self.speed_mps)
        return min(g, _SHOCK_RANGE_G)


@dataclass(frozen=True, slots=True)
class BayInputs:
    """What acts on the bay over one step (held constant over it)."""

    ambient_pressure_pa: float
    heat_flux_w_per_m2: float
    """The stagnation-point heating proxy, mean over the step."""
    dynamic_pressure_pa: float
    sensed_acceleration_g: float
    """Magnitude of the specific force (1 g standing on the pad, 0 in free fall)."""
    engines_lit: int
    engine_count: int
    throttle: float
    """Per lit engine, 0-1."""
    conditioned: bool
    """The ground's air conditioning is connected (on the pad, before liftoff)."""
    shocks: tuple[Shock, ...] = ()
    heating_rise_degc: float = 0.0
    """A fault's heat source in the bay, as the rise of the air temperature it has caused by now."""
    smoke: bool = False
    """A fault: smoke in the bay (the detectors trip)."""


@dataclass(frozen=True, slots=True)
class CargoBayReading:
    """What the bay's sensors report (one CARGO_BAY message)."""

    temperature_degc: float
    humidity_pct: float
    pressure_pa: float
    peak_shock_g: float
    """The highest acceleration since the previous read."""
    vibration_g_rms: float
    """RMS vibration since the previous read."""
    smoke_detected: bool


@dataclass(frozen=True, slots=True)
class CargoBayState:
    """The bay at ``time_s``. ``gas_pressure_pa`` is the air in the bay as the pressure it would have
    at the set point (the amount of gas); ``vapour_fraction`` its water vapour mole fraction."""

    time_s: float
    wall_degc: float
    air_degc: float
    gas_pressure_pa: float
    vapour_fraction: float
    heating_rise_degc: float = 0.0
    smoke: bool = False
    level_g: float = 1.0
    """The latest peak level of the sensed acceleration plus vibration."""
    vibration_g_rms: float = _QUIET_VIBRATION_G_RMS
    """The latest vibration level."""
    peak_g: float = 0.0
    """The highest acceleration since the last read (a transient's or the level's)."""
    vibration_g2_s: float = 0.0
    """Integral of the squared vibration since the last read."""
    window_s: float = 0.0
    """Time since the last read."""

    @property
    def temperature_degc(self) -> float:
        return self.air_degc + self.heating_rise_degc

    @property
    def pressure_pa(self) -> float:
        return self.gas_pressure_pa * _kelvin(self.temperature_degc) / _kelvin(SET_POINT_DEGC)

    @property
    def humidity_pct(self) -> float:
        vapour_pa = self.vapour_fraction * self.pressure_pa
        return min(100.0, 100.0 * vapour_pa / saturation_vapour_pressure_pa(self.temperature_degc))


def saturation_vapour_pressure_pa(temperature_degc: float) -> float:
    """Over water, the Magnus form (WMO 2008, Annex 4.B): good to 0.1 % from -45 to 60 °C."""
    return 611.2 * math.exp(17.62 * temperature_degc / (243.12 + temperature_degc))


def _kelvin(degc: float) -> float:
    return degc + ZERO_CELSIUS_K


def _set_point_vapour_fraction(pressure_pa: float) -> float:
    vapour_pa = SET_POINT_HUMIDITY_PCT / 100.0 * saturation_vapour_pressure_pa(SET_POINT_DEGC)
    return vapour_pa / max(pressure_pa, 1.0)


def on_pad(time_s: float, ambient_pressure_pa: float) -> CargoBayState:
    """The bay conditioned on the pad: set-point air, the wall at the air's temperature, at ambient."""
    return CargoBayState(
        time_s=time_s,
        wall_degc=SET_POINT_DEGC,
        air_degc=SET_POINT_DEGC,
        gas_pressure_pa=ambient_pressure_pa,
        vapour_fraction=_set_point_vapour_fraction(ambient_pressure_pa),
    )


def vibration_g_rms(inputs: BayInputs) -> float:
    """The vibration level the inputs cause (engines, buffet and the quiet floor add in power)."""
    engines = 0.0
    if inputs.engines_lit > 0 and inputs.engine_count > 0:
        share = min(inputs.engines_lit, inputs.engine_count) / inputs.engine_count
        engines = _ENGINE_VIBRATION_G_RMS * min(max(inputs.throttle, 0.0), 1.0) * math.sqrt(share)
    buffet = min(_BUFFET_G_RMS_PER_PA * max(inputs.dynamic_pressure_pa, 0.0), _BUFFET_MAX_G_RMS)
    return math.sqrt(_QUIET_VIBRATION_G_RMS**2 + engines**2 + buffet**2)


def advance(state: CargoBayState, inputs: BayInputs, dt_s: float) -> CargoBayState:
    """The bay ``dt_s`` later, ``inputs`` acting throughout (``dt_s`` 0: only the step's shocks)."""
    if not (math.isfinite(dt_s) and dt_s >= 0.0):
        raise ValueError(f"dt_s must be a finite duration >= 0, got {dt_s}")
    wall, air, gas, vapour = state.wall_degc, state.air_degc, state.gas_pressure_pa, state.vapour_fraction
    rise = max(inputs.heating_rise_degc, 0.0)
    heating_k_per_s = _WALL_HEATING_K_PER_J_PER_M2 * max(inputs.heat_flux_w_per_m2, 0.0)
    steps = max(1, math.ceil(dt_s / _MAX_SUBSTEP_S))
    h = dt_s / steps
    for _ in range(steps):
        flow = wall - air
        wall += h * (heating_k_per_s - flow / _WALL_TO_AIR_TIME_CONSTANT_S)
        air += h * flow / _AIR_FROM_WALL_TIME_CONSTANT_S
        if inputs.conditioned:
            air += (SET_POINT_DEGC - air) * -math.expm1(-h / _CONDITIONING_TIME_CONSTANT_S)
            # The duct is open: the bay is at the outside pressure, the set point's humidity.
            gas = inputs.ambient_pressure_pa * _kelvin(SET_POINT_DEGC) / _kelvin(air + rise)
            vapour = _set_point_vapour_fraction(inputs.ambient_pressure_pa)
        else:
            pressure = gas * _kelvin(air + rise) / _kelvin(SET_POINT_DEGC)
            # Exact for the step: the gap to the outside decays with the leak's time constant.
            leaked = (pressure - inputs.ambient_pressure_pa) * -math.expm1(-h / _LEAK_TIME_CONSTANT_S)
            gas -= leaked * _kelvin(SET_POINT_DEGC) / _kelvin(air + rise)
    vibration = vibration_g_rms(inputs)
    level = max(inputs.sensed_acceleration_g, 0.0) + _CREST_FACTOR * vibration
    peak = max([state.peak_g, level, *(s.peak_g for s in inputs.shocks)])
    return CargoBayState(
        time_s=state.time_s + dt_s,
        wall_degc=wall,
        air_degc=air,
        gas_pressure_pa=max(gas, 0.0),
        vapour_fraction=vapour,
        heating_rise_degc=rise,
        smoke=state.smoke or inputs.smoke,
        level_g=level,
        vibration_g_rms=vibration,
        peak_g=min(peak, _SHOCK_RANGE_G),
        vibration_g2_s=state.vibration_g2_s + vibration * vibration * dt_s,
        window_s=state.window_s + dt_s,
    )


def read(state: CargoBayState) -> tuple[CargoBayReading, CargoBayState]:
    """The sensors' report, and the state with their peak and RMS window cleared.

    With no time since the last read, the RMS is the latest level and the peak at least the latest
    level (the register was just cleared, the vehicle still feels what it felt).
    """
    window = state.window_s
    rms = math.sqrt(state.vibration_g2_s / window) if window > 0.0 else state.vibration_g_rms
    reading = CargoBayReading(
        temperature_degc=state.temperature_degc,
        humidity_pct=state.humidity_pct,
        pressure_pa=state.pressure_pa,
        peak_shock_g=max(state.peak_g, state.level_g),
        vibration_g_rms=rms,
        smoke_detected=state.smoke,
    )
    cleared = CargoBayState(
        time_s=state.time_s,
        wall_degc=state.wall_degc,
        air_degc=state.air_degc,
        gas_pressure_pa=state.gas_pressure_pa,
        vapour_fraction=state.vapour_fraction,
        heating_rise_degc=state.heating_rise_degc,
        smoke=state.smoke,
        level_g=state.level_g,
        vibration_g_rms=state.vibration_g_rms,
    )
    return reading, cleared


# --- what the owner needs to build the inputs --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AirData:
    ambient_pressure_pa: float
    dynamic_pressure_pa: float
    heat_flux_w_per_m2: float


@functools.cache
def _atmosphere() -> AtmosphereTable:
    return AtmosphereTable.us76()


def air_data(
    altitude_m: float, speed_mps: float, nose_radius_m: float, atmosphere: AtmosphereTable | None = None
) -> AirData:
    """Outside pressure, dynamic pressure and the heating proxy at a height and air speed (US76 unless
    ``atmosphere`` is given). Scalar arithmetic: the runner asks once per control tick."""
    table = atmosphere or _atmosphere()
    height = max(altitude_m, 0.0)
    density = float(np.interp(height, table.altitude_m, table.density_kg_per_m3, right=0.0))
    pressure = float(np.interp(height, table.altitude_m, table.pressure_pa, right=0.0))
    speed = abs(speed_mps)
    # ``aero.sutton_graves_heat_flux_w_per_m2``, without its arrays.
    heat = SUTTON_GRAVES_CONSTANT * math.sqrt(density / nose_radius_m) * speed**3
    return AirData(pressure, 0.5 * density * speed * speed, heat)
