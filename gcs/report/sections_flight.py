"""The report's vehicle sections: altitude, speed, dynamic pressure, acceleration, engine and tanks,
cargo bay. Each is a time plot over the flight's stretch with the vehicle's phases behind it.

Knows nothing of files; plotting goes through ``gcs.report.plots``.
"""

from __future__ import annotations

from gcs.report import analysis, plots
from gcs.report.context import PHASE_COLOURS, ReportContext
from gcs.report.html import Section
from gcs.report.series import Series

_NO_DATA = '<p class="none">no data in this session</p>'


def _bands(ctx: ReportContext) -> list[plots.Band]:
    lo, hi = ctx.flight_xlim()
    out = []
    for start, end, phase in ctx.phase_spans():
        if end < lo or start > hi:
            continue
        out.append(
            plots.Band(
                max(start, lo),
                min(end, hi),
                phase.name.lower().replace("_", " "),
                PHASE_COLOURS.get(phase, "#dddddd"),
            )
        )
    return out


def _marks(ctx: ReportContext) -> list[plots.Mark]:
    if ctx.touchdown_s is None:
        return []
    return [plots.Mark(ctx.rel(ctx.touchdown_s), "touchdown", "#2e7d32")]


def _trace(
    series: Series | None, label: str, color: str | None = None, *, step: bool = False
) -> plots.Trace | None:
    if series is None:
        return None
    return plots.Trace(label, series.t_s, series.values, color, step=step)


def _panel(ylabel: str, *traces: plots.Trace | None, note: str = "") -> plots.Panel | None:
    present = tuple(t for t in traces if t is not None)
    return plots.Panel(ylabel, present, note) if present else None


def _peak(series: Series | None, what: str, unit: str, fmt: str = ".1f") -> str:
    peak = series.finite_max() if series is not None else None
    if peak is None:
        return ""
    t_s, value = peak
    return f"{what} {value:{fmt}} {unit} at T{'+' if t_s >= 0 else '-'}{abs(t_s):.1f} s"


def _section(
    ctx: ReportContext, anchor: str, title: str, what: str, panels: list[plots.Panel | None]
) -> Section:
    present = [p for p in panels if p is not None]
    if not present:
        return Section(anchor, title, what, _NO_DATA)
    svg = plots.time_plot(
        title, present, xlabel=ctx.xlabel, bands=_bands(ctx), marks=_marks(ctx), xlim=ctx.flight_xlim()
    )
    return Section(anchor, title, what, svg)


def altitude(ctx: ReportContext) -> Section:
    series = ctx.flight_series("vehicle.altitude_m")
    return _section(
        ctx,
        "altitude",
        "Altitude",
        "Height of the vehicle (GLOBAL_POSITION_INT, as the station's launch rules read it) over the "
        "flight, with the phases the vehicle reported behind it.",
        [_panel("altitude (m)", _trace(series, "altitude", "#1f77b4"), note=_peak(series, "apogee", "m"))],
    )


def speed(ctx: ReportContext) -> Section:
    total = ctx.flight_series("vehicle.speed_mps")
    return _section(
        ctx,
        "speed",
        "Speed",
        "Earth-relative speed, and its vertical (positive up) and horizontal parts.",
        [
            _panel(
                "speed (m/s)",
                _trace(total, "speed", "#1f77b4"),
                _trace(ctx.flight_series("vehicle.vertical_speed_up_mps"), "vertical, up", "#d62728"),
                _trace(ctx.flight_series("vehicle.horizontal_speed_mps"), "horizontal", "#2ca02c"),
                note=_peak(total, "max speed", "m/s"),
            )
        ],
    )


def dynamic_pressure(ctx: ReportContext) -> Section:
    q = analysis.dynamic_pressure(ctx.data)
    series = ctx.prepared(q, 1e-3) if q is not None else None
    return _section(
        ctx,
        "dynamic-pressure",
        "Dynamic pressure",
        "q = ½ρv² from each position report and the standard atmosphere at its altitude (the fleet "
        "record's max q is derived the same way).",
        [
            _panel(
                "q (kPa)",
                _trace(series, "dynamic pressure", "#9467bd"),
                note=_peak(series, "max q", "kPa", ".2f"),
            )
        ],
    )


def acceleration(ctx: ReportContext) -> Section:
    axial = ctx.flight_series("vehicle.axial_load_g")
    shock = ctx.flight_series("cargo_bay.peak_shock_g")
    return _section(
        ctx,
        "acceleration",
        "Acceleration",
        "Axial load along the vehicle's long axis in standard gravities (HIGHRES_IMU), and the "
        "cargo bay's peak shock per report where the vehicle has a bay.",
        [
            _panel(
                "axial load (g)",
                _trace(axial, "axial load", "#ff7f0e"),
                note=_peak(axial, "peak", "g", ".2f"),
            ),
            _panel(
                "bay peak shock (g)",
                _trace(shock, "cargo bay peak shock", "#8c564b"),
                note=_peak(shock, "peak", "g", ".2f"),
            ),
        ],
    )


def engine_and_tanks(ctx: ReportContext) -> Section:
    return _section(
        ctx,
        "engine-tanks",
        "Engine and tanks",
        "Total thrust and the lowest chamber pressure of the running engines (ENGINE_STATUS); "
        "propellant remaining and ullage pressures (TANK_STATUS).",
        [
            _panel("thrust (kN)", _trace(ctx.flight_series("engine.thrust_n", 1e-3), "thrust", "#d62728")),
            _panel(
                "chamber (MPa)",
                _trace(ctx.flight_series("engine.chamber_pressure_pa", 1e-6), "chamber pressure", "#ff7f0e"),
            ),
            _panel(
                "propellant (kg)",
                _trace(ctx.flight_series("tanks.lox_mass_kg"), "LOX", "#1f77b4"),
                _trace(ctx.flight_series("tanks.ch4_mass_kg"), "CH4", "#2ca02c"),
            ),
            _panel(
                "ullage (kPa)",
                _trace(ctx.flight_series("tanks.lox_pressure_pa", 1e-3), "LOX", "#1f77b4"),
                _trace(ctx.flight_series("tanks.ch4_pressure_pa", 1e-3), "CH4", "#2ca02c"),
            ),
        ],
    )


def cargo_bay(ctx: ReportContext) -> Section | None:
    if "cargo_bay.temperature_degc" not in ctx.data.vehicle:
        return None
    temperature = ctx.flight_series("cargo_bay.temperature_degc")
    return _section(
        ctx,
        "cargo-bay",
        "Cargo bay",
        "Air temperature, humidity and vibration in the cargo bay (CARGO_BAY): what the red lines of "
        "the manifest's handling classes watch.",
        [
            _panel(
                "temperature (°C)",
                _trace(temperature, "bay temperature", "#d62728"),
                note=_peak(temperature, "max", "°C"),
            ),
            _panel(
                "humidity (%)", _trace(ctx.flight_series("cargo_bay.humidity_pct"), "humidity", "#17becf")
            ),
            _panel(
                "vibration (g RMS)",
                _trace(ctx.flight_series("cargo_bay.vibration_rms_g"), "vibration", "#8c564b"),
            ),
        ],
    )
