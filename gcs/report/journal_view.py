"""What a report shows from the event journal: the count, its holds, alerts, commands, cargo, fleet. Pure.

The journal (``gcs.recorder.journal``) holds everything the station decided or commanded, in the
launch runner's own words (``payload.action``: ``count_changed``, ``event_reached``,
``alert_raised``...). This module turns a session's records into the report's rows and spans:

* the count: ``count_changed`` entries give the count time and state at each change; in between the
  count runs at one second per second of the session's clock (the station's clock: simulation time
  in accelerated SITL), holds stand still;
* alerts: one span per raise until its clear (a raise of a key already raised updates it), and one
  summary row per key;
* commands, operator actions and the other milestones as table rows;
* the cargo delivery stages (``source: cargo``) and the fleet record lines (``source: fleet``).

Times stay Unix seconds here; the report chooses its origin. Knows nothing of files or plotting.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gcs.launch.alerts import Severity
from gcs.launch.countdown import CountState
from gcs.recorder.journal import JournalKind, JournalRecord

_RUNNING = frozenset({CountState.COUNTING, CountState.TERMINAL, CountState.LIFTOFF})
"""States in which the count moves (after liftoff it counts T-plus)."""


def _action(record: JournalRecord) -> str | None:
    action = record.payload.get("action")
    return action if isinstance(action, str) else None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# --- the count -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CountChange:
    t_unix_s: float
    t_count_s: float | None
    state: CountState
    reason: str
    hold_kind: str | None


@dataclass(frozen=True, slots=True)
class HoldSpan:
    """A hold from ``start_unix_s`` to ``end_unix_s`` (None: still holding when the session ended)."""

    start_unix_s: float
    end_unix_s: float | None
    kind: str
    reason: str
    t_count_s: float | None

    def duration_s(self, session_end_unix_s: float) -> float:
        end = self.end_unix_s if self.end_unix_s is not None else session_end_unix_s
        return max(0.0, end - self.start_unix_s)


@dataclass(frozen=True, slots=True)
class CountEvent:
    """A timeline event the count reached (``event_reached``)."""

    t_unix_s: float
    t_count_s: float | None
    name: str
    kind: str
    reason: str


@dataclass(frozen=True, slots=True)
class Countdown:
    changes: tuple[CountChange, ...]
    holds: tuple[HoldSpan, ...]
    events: tuple[CountEvent, ...]

    def __bool__(self) -> bool:
        return bool(self.changes)

    def track(self, end_unix_s: float) -> tuple[list[float], list[float]]:
        """The count time against session time, as vertices of a line: running stretches rise one
        second per second, holds are flat; the line stops where the count stops (abort, scrub) or
        at ``end_unix_s``. Returns ``(t_unix_s, t_count_s)``."""
        times: list[float] = []
        counts: list[float] = []
        known = [c for c in self.changes if c.t_count_s is not None]
        for i, change in enumerate(known):
            assert change.t_count_s is not None
            times.append(change.t_unix_s)
            counts.append(change.t_count_s)
            until = known[i + 1].t_unix_s if i + 1 < len(known) else end_unix_s
            if change.state is CountState.LIFTOFF and i + 1 == len(known):
                until = min(until, change.t_unix_s)  # the T-plus of a flight is the flight's plots' axis
            if until <= change.t_unix_s:
                continue
            times.append(until)
            rate = 1.0 if change.state in _RUNNING else 0.0
            counts.append(change.t_count_s + rate * (until - change.t_unix_s))
        return times, counts


def countdown(records: Iterable[JournalRecord]) -> Countdown:
    changes: list[CountChange] = []
    holds: list[HoldSpan] = []
    events: list[CountEvent] = []
    open_hold: CountChange | None = None
    for record in records:
        action = _action(record)
        payload = record.payload
        if action == "count_changed":
            try:
                state = CountState(payload.get("to_state"))
            except ValueError:
                continue
            change = CountChange(
                record.t_unix_s,
                _float(payload.get("t_count_s")),
                state,
                _text(payload.get("reason")),
                payload.get("hold_kind"),
            )
            changes.append(change)
            if open_hold is not None and state is not CountState.HOLDING:
                holds.append(_hold(open_hold, record.t_unix_s))
                open_hold = None
            if state is CountState.HOLDING and open_hold is None:
                open_hold = change
        elif action == "event_reached":
            events.append(
                CountEvent(
                    record.t_unix_s,
                    _float(payload.get("t_count_s")),
                    _text(payload.get("event")),
                    _text(payload.get("kind")),
                    _text(payload.get("reason")),
                )
            )
    if open_hold is not None:
        holds.append(_hold(open_hold, None))
    return Countdown(tuple(changes), tuple(holds), tuple(events))


def _hold(start: CountChange, end_unix_s: float | None) -> HoldSpan:
    return HoldSpan(start.t_unix_s, end_unix_s, start.hold_kind or "hold", start.reason, start.t_count_s)


# --- alerts ----------------------------------------------------------------------------------------


def _severity(value: Any) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        return Severity.ADVISORY


@dataclass(frozen=True, slots=True)
class AlertSpan:
    """One alert up: from its raise until its clear (``end_unix_s`` None: still up at the end)."""

    key: str
    severity: Severity
    source: str
    start_unix_s: float
    end_unix_s: float | None
    reason: str


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One alert key over the session."""

    key: str
    severity: Severity
    """The highest severity it was raised with."""
    source: str
    first_raised_unix_s: float
    raised: int
    """Raise entries (a raise of a key already up is an update of its reason or severity)."""
    up_s: float
    """Total time it was up."""
    still_up: bool
    last_reason: str


def alert_spans(records: Iterable[JournalRecord]) -> list[AlertSpan]:
    """Every alert's time up, in order of raising."""
    spans: list[AlertSpan] = []
    up: dict[str, tuple[int, AlertSpan]] = {}
    for record in records:
        if record.kind is not JournalKind.ALERT:
            continue
        action, payload = _action(record), record.payload
        key = payload.get("key")
        if not isinstance(key, str):
            continue
        if action == "alert_raised":
            severity = _severity(payload.get("severity"))
            reason = _text(payload.get("reason"))
            current = up.get(key)
            if current is None:
                span = AlertSpan(key, severity, _text(payload.get("source")), record.t_unix_s, None, reason)
                up[key] = (len(spans), span)
                spans.append(span)
            else:
                index, span = current
                worst = severity if severity.rank > span.severity.rank else span.severity
                span = AlertSpan(key, worst, span.source, span.start_unix_s, None, reason)
                up[key] = (index, span)
                spans[index] = span
        elif action == "alert_cleared" and key in up:
            index, span = up.pop(key)
            spans[index] = AlertSpan(
                key, span.severity, span.source, span.start_unix_s, record.t_unix_s, span.reason
            )
    return spans


def alert_rows(records: Sequence[JournalRecord], end_unix_s: float) -> list[AlertRow]:
    """One row per alert key, most severe first, then by first raise."""
    raised: dict[str, int] = {}
    for record in records:
        if record.kind is JournalKind.ALERT and _action(record) == "alert_raised":
            key = record.payload.get("key")
            if isinstance(key, str):
                raised[key] = raised.get(key, 0) + 1
    rows: dict[str, AlertRow] = {}
    for span in alert_spans(records):
        end = span.end_unix_s if span.end_unix_s is not None else end_unix_s
        row = rows.get(span.key)
        if row is None:
            rows[span.key] = AlertRow(
                span.key,
                span.severity,
                span.source,
                span.start_unix_s,
                raised.get(span.key, 1),
                max(0.0, end - span.start_unix_s),
                span.end_unix_s is None,
                span.reason,
            )
            continue
        worst = span.severity if span.severity.rank > row.severity.rank else row.severity
        rows[span.key] = AlertRow(
            row.key,
            worst,
            row.source,
            row.first_raised_unix_s,
            row.raised,
            row.up_s + max(0.0, end - span.start_unix_s),
            span.end_unix_s is None,
            span.reason,
        )
    return sorted(rows.values(), key=lambda r: (-r.severity.rank, r.first_raised_unix_s))


# --- milestones, commands, cargo, fleet --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventRow:
    """One line of the report's timeline table."""

    t_unix_s: float
    kind: str
    source: str
    who: str | None
    text: str


_QUIET_ACTIONS = frozenset({"criterion_violated", "criterion_cleared", "poll_answered", "event_reached"})
"""Decisions shown elsewhere (the alerts, the count plot) or too many for a table of milestones."""


def _command_text(payload: Mapping[str, Any]) -> str:
    name = payload.get("command_name") or payload.get("command")
    parts = [_text(name)]
    if "result" in payload:
        parts.append(_text(payload["result"]))
    if "ok" in payload:
        parts.append("ok" if payload["ok"] else "FAILED")
    if payload.get("detail"):
        parts.append(_text(payload["detail"]))
    return ": ".join(p for p in parts if p)


def _event_text(record: JournalRecord) -> str | None:
    payload = record.payload
    kind = record.kind
    action = _action(record)
    if kind in (JournalKind.COMMAND_SENT, JournalKind.COMMAND_ACK):
        return _command_text(payload)
    if kind is JournalKind.PARAM_CHANGE:
        return f"{_text(payload.get('name'))}: {payload.get('old')} -> {payload.get('new')}"
    if kind is JournalKind.LINK_EVENT:
        return f"{_text(payload.get('event'))}: {_text(payload.get('detail'))}"
    if kind is JournalKind.ALERT:
        if action in ("alert_raised", "alert_cleared"):
            return None  # the alerts table
        return _command_text(payload)  # a failed command reported as an alert
    if kind in (JournalKind.SESSION_START, JournalKind.SESSION_END, JournalKind.RECORDER_FAULT):
        return ", ".join(f"{k}: {v}" for k, v in payload.items() if k != "counts") or kind.value
    if action in _QUIET_ACTIONS or record.source in ("cargo", "fleet"):
        return None
    reason = _text(payload.get("reason"))
    return f"{action}: {reason}" if action else reason or kind.value


def event_rows(records: Iterable[JournalRecord]) -> list[EventRow]:
    """The milestones: count changes and holds, phases, commands and their answers, operator actions,
    polls, aborts, diverts, link events (alerts, criteria and cargo have tables of their own)."""
    rows = []
    for record in records:
        text = _event_text(record)
        if text is not None:
            rows.append(EventRow(record.t_unix_s, record.kind.value, record.source, record.who, text))
    return rows


def command_times(records: Iterable[JournalRecord]) -> list[tuple[float, str]]:
    """``(t_unix_s, label)`` of every command sent to the vehicle and every ground command's answer."""
    out = []
    for record in records:
        if record.kind is JournalKind.COMMAND_SENT or (
            record.kind is JournalKind.COMMAND_ACK and record.source != "vehicle-link"
        ):
            name = record.payload.get("command_name") or record.payload.get("command")
            out.append((record.t_unix_s, _text(name)))
    return out


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    t_unix_s: float
    stage: str
    platform: str
    parcels: int | None
    detail: str


def delivery_rows(records: Iterable[JournalRecord]) -> list[DeliveryRow]:
    """The cargo delivery stages (loaded, launched, diverted, landed, secured, unloaded)."""
    rows = []
    for record in records:
        if record.source != "cargo" or _action(record) != "delivery":
            continue
        payload = record.payload
        parcels = payload.get("parcels")
        rows.append(
            DeliveryRow(
                record.t_unix_s,
                _text(payload.get("stage")),
                _text(payload.get("platform")),
                parcels if isinstance(parcels, int) else None,
                _text(payload.get("detail")),
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class FleetRow:
    t_unix_s: float
    text: str


def fleet_rows(records: Iterable[JournalRecord]) -> list[FleetRow]:
    """The fleet's word: the airframe's go / no-go, and the flight as written to the fleet database."""
    rows = []
    for record in records:
        if record.source != "fleet":
            continue
        payload = record.payload
        if _action(record) == "flight_recorded":
            text = (
                f"flight {_text(payload.get('flight_id'))} of {_text(payload.get('vehicle_id'))} "
                f"{_text(payload.get('result'))}: {_text(payload.get('outcome'))}, "
                f"{payload.get('engine_starts')} engine start(s), {payload.get('burn_time_s')} s of burn"
            )
        elif "go" in payload:
            go = "go" if payload.get("go") else "NO-GO"
            text = f"{_text(payload.get('vehicle_id'))}: {go} ({_text(payload.get('reason'))})"
        else:
            text = ", ".join(f"{k}: {v}" for k, v in payload.items())
        rows.append(FleetRow(record.t_unix_s, text))
    return rows


def fleet_vehicle_id(records: Iterable[JournalRecord]) -> str | None:
    """The airframe's id as the fleet knows it, if the fleet spoke."""
    for record in records:
        if record.source == "fleet" and isinstance(record.payload.get("vehicle_id"), str):
            return str(record.payload["vehicle_id"])
    return None


def phases_reached(records: Iterable[JournalRecord]) -> list[tuple[float, str]]:
    """``(t_unix_s, phase)`` of every phase change the station saw."""
    out = []
    for record in records:
        if record.kind is JournalKind.PHASE_CHANGE and isinstance(record.payload.get("to_phase"), str):
            out.append((record.t_unix_s, str(record.payload["to_phase"])))
    return out
