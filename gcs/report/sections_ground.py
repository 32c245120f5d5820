"""The report's sections on the sea: the ground track with the platforms and the corridor, the landing
platform's deck motion around the landing, and the impact point against the corridor.

Maps are east/north kilometres about the launch site (``gcs.report.geometry``). Knows nothing of
files; plotting goes through ``gcs.report.plots``.
"""

from __future__ import annotations

import numpy as np

from gcs.domain.geodesy import GeoPoint
from gcs.report import analysis, html, plots
from gcs.report.context import ReportContext
from gcs.report.geometry import LocalFrame, corridor_outline
from gcs.report.html import Section

DECK_BEFORE_TOUCHDOWN_S = 90.0
DECK_AFTER_TOUCHDOWN_S = 30.0
_FOCUS_MARGIN = 0.15
_MIN_SPAN_KM = 0.3
_NO_POSITION = '<p class="none">no position of the vehicle or any platform in this session</p>'


def _focus(xs: list[np.ndarray], ys: list[np.ndarray]) -> tuple[float, float, float, float] | None:
    x = np.concatenate([a.ravel() for a in xs]) if xs else np.empty(0)
    y = np.concatenate([a.ravel() for a in ys]) if ys else np.empty(0)
    keep = np.isfinite(x) & np.isfinite(y)
    if not keep.any():
        return None
    x, y = x[keep], y[keep]
    cx, cy = (x.min() + x.max()) / 2, (y.min() + y.max()) / 2
    half = max(x.max() - x.min(), y.max() - y.min(), _MIN_SPAN_KM) * (0.5 + _FOCUS_MARGIN)
    return cx - half, cx + half, cy - half, cy + half


def _corridor_areas(ctx: ReportContext, frame: LocalFrame) -> tuple[list[plots.MapArea], list[plots.MapLine]]:
    areas: list[plots.MapArea] = []
    lines: list[plots.MapLine] = []
    if ctx.range_config is None:
        return areas, lines
    for corridor in ctx.range_config.corridors:
        east, north = frame.polyline_km(corridor_outline(corridor))
        areas.append(
            plots.MapArea(
                f"corridor {corridor.name} (±{corridor.half_width_m / 1000:g} km)", east, north, "#2ca02c"
            )
        )
        east, north = frame.polyline_km(corridor.centreline)
        lines.append(
            plots.MapLine(f"centreline {corridor.name}", east, north, "#2ca02c", style=":", width=0.8)
        )
    for line in ctx.range_config.destruct_lines:
        east, north = frame.polyline_km(line.points)
        lines.append(
            plots.MapLine(f"destruct line {line.name}", east, north, "#c62828", style="--", width=0.9)
        )
    return areas, lines


def _platform_points(ctx: ReportContext, frame: LocalFrame) -> list[plots.MapPoint]:
    roles = ctx.roles
    points = []
    for name, position in roles.positions.items():
        parts = []
        if name == roles.launch:
            parts.append("launch")
        if name == roles.planned_landing:
            parts.append("planned landing")
        if name == roles.landed_on:
            parts.append("landed on")
        marker, colour = ("^", "#1f77b4") if name == roles.launch else ("s", "#ff7f0e")
        if name == roles.landed_on:
            colour = "#2e7d32"
        east, north = frame.point_km(position)
        label = f"{name} ({', '.join(parts)})" if parts else name
        points.append(plots.MapPoint(label, east, north, marker, colour))
    if ctx.range_config is not None:
        sites = [("launch site", ctx.range_config.launch), ("landing site", ctx.range_config.landing)]
        if ctx.range_config.alternate is not None:
            sites.append(("alternate site", ctx.range_config.alternate))
        for what, site in sites:
            if site.name in roles.positions:
                continue  # the platform itself is drawn where its GNSS put it
            east, north = frame.point_km(GeoPoint(site.latitude_deg, site.longitude_deg))
            points.append(plots.MapPoint(f"{site.name} ({what}, range file)", east, north, "o", "#555555"))
    return points


def ground_track(ctx: ReportContext) -> Section:
    what = (
        "The vehicle's track over the sea in kilometres east and north of the launch site (no map "
        "offline), the platforms where their GNSS put them, and the range's corridor where the range is "
        "known."
    )
    frame = ctx.frame
    if frame is None:
        return Section("ground-track", "Ground track", what, _NO_POSITION)
    track = ctx.data.track
    index = ctx.track_index()
    east, north = frame.east_north_km(track.latitude_deg[index], track.longitude_deg[index])
    lines = [plots.MapLine("vehicle", east, north, "#d62728", width=1.6)] if east.size else []
    areas, range_lines = _corridor_areas(ctx, frame)
    points = _platform_points(ctx, frame)
    if ctx.touchdown_s is not None and len(track):
        at = int(np.clip(np.searchsorted(track.t_s, ctx.touchdown_s), 0, len(track) - 1))
        td_east, td_north = frame.point_km(
            GeoPoint(float(track.latitude_deg[at]), float(track.longitude_deg[at]))
        )
        points.append(
            plots.MapPoint(
                f"touchdown ({ctx.when(ctx.touchdown_s)})", td_east, td_north, "x", "#2e7d32", annotate=False
            )
        )
    focus = _focus(
        [east, np.asarray([p.east_km for p in points])], [north, np.asarray([p.north_km for p in points])]
    )
    svg = plots.map_plot("Ground track", [*lines, *range_lines], points=points, areas=areas, focus=focus)
    return Section("ground-track", "Ground track", what, svg)


def deck_motion(ctx: ReportContext) -> Section:
    name = ctx.roles.deck
    what = (
        "Pitch (bow up), roll (port up) and heave (up) of the landing platform's deck as its motion sensor "
        "reported them, around the moment of touchdown (dashed)."
    )
    platform = ctx.data.platforms.get(name) if name is not None else None
    if platform is None or not platform.deck.names():
        return Section("deck", "Deck motion and landing", what, '<p class="none">no deck motion recorded</p>')
    if ctx.touchdown_s is not None:
        window = (
            max(ctx.data.start_s, ctx.touchdown_s - DECK_BEFORE_TOUCHDOWN_S),
            min(ctx.data.end_s, ctx.touchdown_s + DECK_AFTER_TOUCHDOWN_S),
        )
    elif ctx.window is not None:
        window = ctx.window
    else:
        window = (ctx.data.start_s, ctx.data.end_s)
    panels = []
    for field, label, colour in (
        ("pitch_bow_up_deg", "pitch, bow up (deg)", "#1f77b4"),
        ("roll_port_up_deg", "roll, port up (deg)", "#ff7f0e"),
        ("heave_up_m", "heave, up (m)", "#2ca02c"),
    ):
        series = platform.deck.series(field)
        if series is None:
            continue
        series = series.between(*window)
        if not len(series):
            continue
        thin = ctx.prepared(series, whole=True)
        if thin is not None:
            panels.append(plots.Panel(label, (plots.Trace(label, thin.t_s, thin.values, colour),)))
    facts = []
    if ctx.data.touchdown is not None:
        t_s, report = ctx.data.touchdown
        down_s = ctx.touchdown_s if ctx.touchdown_s is not None else t_s
        facts = [
            (
                "touchdown",
                f"{ctx.when(down_s)} ({ctx.clock(down_s)} UTC) on {report.platform}, "
                f"the vehicle's report received at {ctx.when(t_s)}",
            ),
            ("vertical speed", f"{report.vertical_speed_down_mps:.2f} m/s down"),
            ("horizontal speed", f"{report.horizontal_speed_mps:.2f} m/s across the deck"),
            ("tilt", f"{report.tilt_deg:.1f} deg"),
            ("miss", f"{report.miss_m:.1f} m off the deck centre"),
        ]
    elif ctx.touchdown_s is not None:
        facts = [("touchdown", f"{ctx.when(ctx.touchdown_s)} (the vehicle sent no touchdown report)")]
    head = html.facts([("platform", name), *facts])
    if not panels:
        return Section(
            "deck", "Deck motion and landing", what, head + '<p class="none">no deck motion then</p>'
        )
    marks = (
        [plots.Mark(ctx.rel(ctx.touchdown_s), "touchdown", "#2e7d32")] if ctx.touchdown_s is not None else []
    )
    svg = plots.time_plot(
        f"Deck motion of {name}",
        panels,
        xlabel=ctx.xlabel,
        marks=marks,
        xlim=(ctx.rel(window[0]), ctx.rel(window[1])),
    )
    return Section("deck", "Deck motion and landing", what, head + svg)


def impact_point(ctx: ReportContext) -> Section:
    what = (
        "The instantaneous impact point (vacuum, rotating Earth: the station's range-safety computation) "
        "while range safety watched, coloured by time, against the corridor and destruct lines; below, its "
        "margin to the corridor's edge (negative: outside)."
    )
    frame = ctx.frame
    iip = analysis.iip_track(ctx.data, ctx.range_config)
    if frame is None or not len(iip):
        return Section(
            "iip",
            "Impact point and corridor",
            what,
            '<p class="none">no impact point: the vehicle never flew in this session</p>',
        )
    east, north = frame.east_north_km(iip.latitude_deg, iip.longitude_deg)
    rel = iip.t_s - ctx.origin.t_s
    lines = [
        plots.MapLine(
            "IIP (station)", east, north, "#9467bd", width=2.0, colour_by=rel, colour_label=ctx.xlabel
        )
    ]
    reported = ctx.data.vehicle_iip
    if reported:
        step = max(1, len(reported) // 2000)
        lats = np.asarray([r.latitude_deg for r in reported[::step]])
        lons = np.asarray([r.longitude_deg for r in reported[::step]])
        v_east, v_north = frame.east_north_km(lats, lons)
        lines.append(
            plots.MapLine("IIP (vehicle's IMPACT_POINT)", v_east, v_north, "#7f7f7f", style=":", width=0.8)
        )
    areas, range_lines = _corridor_areas(ctx, frame)
    points = _platform_points(ctx, frame)
    focus = _focus(
        [east, np.asarray([p.east_km for p in points])], [north, np.asarray([p.north_km for p in points])]
    )
    body = plots.map_plot("Impact point", [*lines, *range_lines], points=points, areas=areas, focus=focus)
    if iip.margin_m is not None:
        worst = int(np.argmin(iip.margin_m))
        note = f"smallest margin {iip.margin_m[worst] / 1000:.3f} km at {ctx.when(float(iip.t_s[worst]))}"
        body += plots.time_plot(
            "Impact point's margin to the corridor edge",
            [
                plots.Panel(
                    "margin (km)",
                    (
                        plots.Trace("margin", rel, iip.margin_m / 1000, "#9467bd"),
                        plots.Trace("edge", rel, np.zeros_like(rel), "#c62828", style="--"),
                    ),
                    note,
                )
            ],
            xlabel=ctx.xlabel,
        )
    else:
        body += (
            '<p class="none">range not known (give --range FILE): no corridor to measure the margin '
            "against</p>"
        )
    return Section("iip", "Impact point and corridor", what, body)
