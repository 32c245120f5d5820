"""A whole report: the header (session, vehicle, platforms, phases reached, the SITL verdict, what was
read) and every section in reading order, as one self-contained HTML page.

Knows nothing of the command line or of where the range file came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from gcs.launch.range_safety import RangeConfig
from gcs.report import html, journal_view, sections_flight, sections_ground, sections_journal
from gcs.report.context import ReportContext
from gcs.report.flight_data import SessionData
from gcs.report.html import Raw, Section


def _verdict(verdict: Mapping[str, Any] | None, error: str | None) -> str:
    if verdict is None:
        return (
            f'<p class="none">{html.cell(error)}</p>'
            if error
            else '<p class="none">no verdict.json (not a gcs sitl run)</p>'
        )
    passed = bool(verdict.get("passed"))
    head = html.facts(
        [
            ("scenario", str(verdict.get("scenario", ""))),
            ("verdict", html.span("PASSED" if passed else "FAILED", "pass" if passed else "fail")),
            ("speed", f"{verdict.get('speed', '')}x, {verdict.get('simulated_s', '')} s simulated"),
        ]
    )
    checks = verdict.get("checks")
    rows = []
    if isinstance(checks, list):
        for check in checks:
            if isinstance(check, dict):
                ok = bool(check.get("ok"))
                rows.append(
                    (
                        html.span("ok" if ok else "FAILED", "pass" if ok else "fail"),
                        check.get("name"),
                        check.get("detail"),
                    )
                )
    return head + html.table(["", "check", "detail"], rows)


def _summary(ctx: ReportContext) -> list[tuple[str, html.Cell]]:
    data = ctx.data
    out: list[tuple[str, html.Cell]] = []
    track = data.track
    if len(track):
        apogee = int(np.nanargmax(track.altitude_m))
        out.append(("apogee", f"{track.altitude_m[apogee]:.0f} m at {ctx.when(float(track.t_s[apogee]))}"))
        speed = np.sqrt(track.velocity_north_mps**2 + track.velocity_east_mps**2 + track.velocity_down_mps**2)
        fastest = int(np.nanargmax(speed))
        out.append(("max speed", f"{speed[fastest]:.1f} m/s at {ctx.when(float(track.t_s[fastest]))}"))
    if ctx.window is not None and ctx.touchdown_s is not None:
        out.append(
            ("flight time", f"{ctx.touchdown_s - ctx.origin.t_s:.1f} s from {ctx.origin.label} to touchdown")
        )
    return out


def header(ctx: ReportContext) -> str:
    data = ctx.data
    manifest = data.manifest
    state = "no session.json"
    if manifest is not None:
        state = "closed cleanly" if manifest.state.value == "closed" else "not closed (recorder killed?)"
    roles = ctx.roles
    platforms = []
    for name in data.platforms:
        parts = [
            p
            for p, n in (
                ("launch", roles.launch),
                ("planned landing", roles.planned_landing),
                ("landed on", roles.landed_on),
            )
            if n == name
        ]
        platforms.append(f"{name} ({', '.join(parts)})" if parts else name)
    vehicle = "none heard"
    if data.vehicle_system_id is not None:
        vehicle = f"system id {data.vehicle_system_id}"
        fleet_id = journal_view.fleet_vehicle_id(data.journal)
        if fleet_id:
            vehicle += f", airframe {fleet_id}"
    phases = " > ".join(p.name.lower() for p in data.phases_reached) or "none reported"
    pairs: list[tuple[str, html.Cell]] = [
        ("session", data.session_id),
        ("folder", str(data.folder)),
        (
            "recorded",
            f"{ctx.iso(data.start_s)} to {ctx.iso(data.end_s)} ({data.end_s - data.start_s:.1f} s), {state}",
        ),
        ("vehicle", vehicle),
        ("platforms", ", ".join(platforms) or "none recorded"),
        ("phases reached", phases),
        ("time axis", ctx.xlabel),
        (
            "range",
            f"{ctx.range_config.name} ({ctx.range_source})"
            if ctx.range_config is not None
            else "not known: give --range FILE to draw the corridor",
        ),
        *_summary(ctx),
        ("files read", Raw("<br>".join(html.cell(line) for line in data.file_lines))),
    ]
    return html.facts(pairs) + "<h3>Verdict</h3>" + _verdict(data.verdict, data.verdict_error)


def render(
    data: SessionData, range_config: RangeConfig | None = None, range_source: str | None = None
) -> str:
    """The report of a read session, as one HTML page."""
    ctx = ReportContext.of(data, range_config, range_source)
    sections: list[Section | None] = [
        sections_flight.altitude(ctx),
        sections_flight.speed(ctx),
        sections_flight.dynamic_pressure(ctx),
        sections_flight.acceleration(ctx),
        sections_flight.engine_and_tanks(ctx),
        sections_flight.cargo_bay(ctx),
        sections_ground.ground_track(ctx),
        sections_ground.deck_motion(ctx),
        sections_ground.impact_point(ctx),
        sections_journal.countdown(ctx),
        sections_journal.alerts(ctx),
        sections_journal.milestones(ctx),
        sections_journal.cargo(ctx),
        sections_journal.fleet(ctx),
        sections_journal.vehicle_messages(ctx),
    ]
    return html.page(f"Flight report {data.session_id}", header(ctx), [s for s in sections if s is not None])
