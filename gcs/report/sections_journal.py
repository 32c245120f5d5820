"""The report's sections from the journal: the countdown with its holds, the alerts and the commands
on one time axis, the tables of holds, alerts and milestones, the cargo delivery, the fleet record,
and the vehicle's own messages.

Knows nothing of files; plotting goes through ``gcs.report.plots``.
"""

from __future__ import annotations

import numpy as np

from gcs.launch.alerts import Severity
from gcs.report import html, journal_view, plots
from gcs.report.context import ReportContext
from gcs.report.html import Section

MAX_ALERT_LANES = 24
SEVERITY_COLOURS = {
    Severity.ADVISORY: "#6c8ebf",
    Severity.CAUTION: "#e0a000",
    Severity.WARNING: "#d62728",
    Severity.EMERGENCY: "#7b0000",
}
_HOLD_COLOUR = "#f2b134"


def countdown(ctx: ReportContext) -> Section:
    records = ctx.data.journal
    count = journal_view.countdown(records)
    spans = journal_view.alert_spans(records)
    what = (
        "Top: the count time against the session's time (flat during holds, shaded), with the commands "
        "sent (triangles) and the timeline's events (thin lines). Below: each alert while it was up, "
        "coloured by severity."
    )
    if not count and not spans:
        return Section(
            "countdown",
            "Countdown, holds, alerts and commands",
            what,
            '<p class="none">no count and no alert in the journal</p>',
        )
    times, counts = count.track(ctx.data.end_s)
    end = ctx.data.end_s
    holds = tuple(
        plots.Band(
            ctx.rel(h.start_unix_s),
            ctx.rel(h.end_unix_s if h.end_unix_s is not None else end),
            h.kind.replace("_", " "),
            _HOLD_COLOUR,
        )
        for h in count.holds
    )
    events = tuple(plots.Mark(ctx.rel(e.t_unix_s), e.name, "#9e9e9e") for e in count.events)
    commands = tuple(
        plots.Mark(ctx.rel(t), label.removeprefix("MAV_CMD_"), "#1a237e")
        for t, label in journal_view.command_times(records)
    )
    keys: dict[str, list[tuple[float, float, str]]] = {}
    for span in spans:
        stop = span.end_unix_s if span.end_unix_s is not None else end
        keys.setdefault(span.key, []).append(
            (ctx.rel(span.start_unix_s), ctx.rel(stop), SEVERITY_COLOURS[span.severity])
        )
    lanes = tuple(plots.Lane(key, tuple(bars)) for key, bars in list(keys.items())[:MAX_ALERT_LANES])
    figure = plots.CountdownFigure(
        count_t_s=np.asarray([ctx.rel(t) for t in times]),
        count_s=np.asarray(counts),
        holds=holds,
        events=events,
        lanes=lanes,
        commands=commands,
        xlabel=ctx.xlabel,
        legend=tuple((s.value, c) for s, c in SEVERITY_COLOURS.items()),
    )
    body = plots.countdown_plot("Countdown, holds, alerts and commands", figure)
    if len(keys) > MAX_ALERT_LANES:
        body += f'<p class="none">{len(keys) - MAX_ALERT_LANES} more alert keys in the table below</p>'
    body += "<h3>Holds</h3>" + html.table(
        ["from", "UTC", "for (s)", "kind", "count time (s)", "why"],
        [
            (
                ctx.when(h.start_unix_s),
                ctx.clock(h.start_unix_s),
                f"{h.duration_s(end):.1f}" + ("" if h.end_unix_s is not None else " (still holding)"),
                h.kind,
                "" if h.t_count_s is None else f"{h.t_count_s:.1f}",
                h.reason,
            )
            for h in count.holds
        ],
        numeric=(2, 4),
    )
    return Section("countdown", "Countdown, holds, alerts and commands", what, body)


def alerts(ctx: ReportContext) -> Section:
    rows = journal_view.alert_rows(ctx.data.journal, ctx.data.end_s)
    return Section(
        "alerts",
        "Alerts",
        "Every alert key the station raised: its highest severity, when it first came up, how often it was "
        "raised or updated, how long it was up in all, and its last reason.",
        html.table(
            ["severity", "alert", "source", "first raised", "raised", "up (s)", "last reason"],
            [
                (
                    html.span(
                        r.severity.value + (" (still up)" if r.still_up else ""), f"sev-{r.severity.value}"
                    ),
                    r.key,
                    r.source,
                    ctx.when(r.first_raised_unix_s),
                    r.raised,
                    f"{r.up_s:.1f}",
                    r.last_reason,
                )
                for r in rows
            ],
            numeric=(4, 5),
        ),
    )


def milestones(ctx: ReportContext) -> Section:
    rows = journal_view.event_rows(ctx.data.journal)
    return Section(
        "events",
        "Commands and milestones",
        "From the journal: count changes and holds, phase changes, commands sent and their answers, operator "
        "actions, polls, aborts, diverts, parameter changes and link events (alerts, criteria and cargo have "
        "their own tables).",
        html.table(
            ["time", "UTC", "kind", "source", "who", "what"],
            [(ctx.when(r.t_unix_s), ctx.clock(r.t_unix_s), r.kind, r.source, r.who, r.text) for r in rows],
        ),
    )


def cargo(ctx: ReportContext) -> Section | None:
    rows = journal_view.delivery_rows(ctx.data.journal)
    if not rows:
        return None
    return Section(
        "cargo",
        "Cargo delivery",
        "The delivery's stages as the station tracked them (journal entries from the cargo tracker).",
        html.table(
            ["time", "UTC", "stage", "platform", "parcels", "detail"],
            [
                (ctx.when(r.t_unix_s), ctx.clock(r.t_unix_s), r.stage, r.platform, r.parcels, r.detail)
                for r in rows
            ],
            numeric=(4,),
        ),
    )


def fleet(ctx: ReportContext) -> Section | None:
    rows = journal_view.fleet_rows(ctx.data.journal)
    if not rows:
        return None
    return Section(
        "fleet",
        "Fleet record",
        "The fleet's word on the airframe before the flight, and the flight as written to the fleet "
        "database.",
        html.table(
            ["time", "UTC", "record"], [(ctx.when(r.t_unix_s), ctx.clock(r.t_unix_s), r.text) for r in rows]
        ),
    )


def vehicle_messages(ctx: ReportContext) -> Section:
    texts = ctx.data.status_texts
    return Section(
        "vehicle-messages",
        "Vehicle messages",
        "What the flight computer said (STATUSTEXT, chunks joined).",
        html.table(["time", "UTC", "text"], [(ctx.when(t), ctx.clock(t), text) for t, text in texts]),
    )
