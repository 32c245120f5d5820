"""The journal as the report shows it: the count and its holds, alert spans and rows, milestones,
cargo stages and the fleet's lines."""

from __future__ import annotations

from typing import Any

import pytest

from gcs.launch.alerts import Severity
from gcs.launch.countdown import CountState
from gcs.recorder.journal import JournalKind, JournalRecord
from gcs.report import journal_view

T0 = 1_800_000_000.0


def rec(
    t_s: float, kind: JournalKind, payload: dict[str, Any], source: str = "launch", who: str | None = None
) -> JournalRecord:
    return JournalRecord(0, round((T0 + t_s) * 1e6), kind, source, who, payload)


def count(
    t_s: float, t_count: float, to_state: str, hold: str | None = None, reason: str = ""
) -> JournalRecord:
    return rec(
        t_s,
        JournalKind.DECISION,
        {
            "action": "count_changed",
            "to_state": to_state,
            "t_count_s": t_count,
            "hold_kind": hold,
            "reason": reason,
        },
    )


def alert(t_s: float, action: str, key: str, severity: str = "caution", reason: str = "") -> JournalRecord:
    return rec(t_s, JournalKind.ALERT, {"action": action, "key": key, "severity": severity, "reason": reason})


COUNT = [
    count(0.0, -180.0, "counting"),
    count(80.0, -100.0, "holding", "built_in", "poll hold"),
    count(100.0, -100.0, "counting"),
    count(170.0, -30.0, "terminal"),
    count(200.0, 0.0, "liftoff"),
]


def test_the_count_runs_a_second_a_second_and_stands_still_in_holds() -> None:
    view = journal_view.countdown(COUNT)
    times, counts = view.track(T0 + 500.0)
    points = [(round(t - T0, 3), c) for t, c in zip(times, counts, strict=True)]
    assert points == [
        (0.0, -180.0),
        (80.0, -100.0),
        (80.0, -100.0),
        (100.0, -100.0),
        (100.0, -100.0),
        (170.0, -30.0),
        (170.0, -30.0),
        (200.0, 0.0),
        (200.0, 0.0),
    ]
    assert [s.state for s in view.changes][-1] is CountState.LIFTOFF


def test_holds_are_spans_with_their_kind_and_reason() -> None:
    hold = journal_view.countdown(COUNT).holds
    assert len(hold) == 1
    assert hold[0].start_unix_s == pytest.approx(T0 + 80.0)
    assert hold[0].end_unix_s == pytest.approx(T0 + 100.0)
    assert (hold[0].kind, hold[0].reason, hold[0].t_count_s) == ("built_in", "poll hold", -100.0)
    assert hold[0].duration_s(T0 + 999.0) == pytest.approx(20.0)


def test_a_hold_still_on_at_the_end_runs_to_the_end_and_the_line_stays_flat() -> None:
    view = journal_view.countdown([count(0.0, -60.0, "counting"), count(10.0, -50.0, "holding", "automatic")])
    assert view.holds[0].end_unix_s is None
    assert view.holds[0].duration_s(T0 + 40.0) == pytest.approx(30.0)
    _, counts = view.track(T0 + 40.0)
    assert counts[-1] == -50.0


def test_an_unknown_count_state_is_skipped_not_guessed() -> None:
    view = journal_view.countdown([count(0.0, -10.0, "warp_speed")])
    assert not view


def test_alert_spans_follow_raise_update_and_clear() -> None:
    records = [
        alert(1.0, "alert_raised", "range:corridor", "caution", "near the edge"),
        alert(2.0, "alert_raised", "range:corridor", "warning", "outside"),  # an update, not a second alert
        alert(3.0, "alert_cleared", "range:corridor"),
        alert(5.0, "alert_raised", "range:corridor", "advisory", "again"),
        alert(6.0, "alert_raised", "red_line:bay", "emergency", "smoke"),
        rec(7.0, JournalKind.ALERT, {"command": "arm", "ok": False}),  # a failed command, not an alert key
    ]
    spans = journal_view.alert_spans(records)
    assert [
        (s.key, s.severity, round(s.start_unix_s - T0), s.end_unix_s and round(s.end_unix_s - T0))
        for s in spans
    ] == [
        ("range:corridor", Severity.WARNING, 1, 3),
        ("range:corridor", Severity.ADVISORY, 5, None),
        ("red_line:bay", Severity.EMERGENCY, 6, None),
    ]
    rows = journal_view.alert_rows(records, T0 + 10.0)
    assert [r.key for r in rows] == ["red_line:bay", "range:corridor"]  # most severe first
    corridor = rows[1]
    assert corridor.severity is Severity.WARNING
    assert corridor.raised == 3
    assert corridor.up_s == pytest.approx(2.0 + 5.0)
    assert corridor.still_up
    assert corridor.last_reason == "again"


def test_milestones_keep_commands_and_decisions_and_leave_alerts_and_criteria_to_their_tables() -> None:
    records = [
        rec(1.0, JournalKind.COMMAND_SENT, {"command_name": "MAV_CMD_COMPONENT_ARM_DISARM"}, "vehicle-link"),
        rec(
            2.0,
            JournalKind.COMMAND_ACK,
            {"command_name": "MAV_CMD_COMPONENT_ARM_DISARM", "result": "ACCEPTED"},
            "vehicle-link",
        ),
        rec(2.5, JournalKind.COMMAND_ACK, {"command": "arm", "ok": True, "detail": "after 1 attempt"}),
        rec(3.0, JournalKind.DECISION, {"action": "criterion_violated", "reason": "deck pitch"}),
        alert(4.0, "alert_raised", "k"),
        rec(5.0, JournalKind.DECISION, {"action": "divert_decided", "reason": "primary no-go"}),
        rec(6.0, JournalKind.OPERATOR_ACTION, {"action": "count_changed", "reason": "resumed"}, who="alice"),
        rec(7.0, JournalKind.DECISION, {"action": "delivery", "stage": "landed"}, "cargo"),
        rec(
            8.0, JournalKind.PARAM_CHANGE, {"name": "CARGO_MASS_KG", "old": 20.0, "new": 20.7}, "vehicle-link"
        ),
    ]
    rows = journal_view.event_rows(records)
    assert [r.text for r in rows] == [
        "MAV_CMD_COMPONENT_ARM_DISARM",
        "MAV_CMD_COMPONENT_ARM_DISARM: ACCEPTED",
        "arm: ok: after 1 attempt",
        "divert_decided: primary no-go",
        "count_changed: resumed",
        "CARGO_MASS_KG: 20.0 -> 20.7",
    ]
    assert rows[4].who == "alice"
    assert [label for _, label in journal_view.command_times(records)] == [
        "MAV_CMD_COMPONENT_ARM_DISARM",
        "arm",
    ]


def test_cargo_stages_and_fleet_lines() -> None:
    records = [
        rec(
            1.0,
            JournalKind.DECISION,
            {"vehicle_id": "SE-C01", "go": False, "reason": "inspection due"},
            "fleet",
        ),
        rec(
            2.0,
            JournalKind.DECISION,
            {
                "action": "delivery",
                "stage": "loaded",
                "platform": "barge",
                "parcels": 6,
                "detail": "CARGO_MASS_KG = 20.7",
            },
            "cargo",
        ),
        rec(
            3.0,
            JournalKind.DECISION,
            {"action": "delivery", "stage": "diverted", "platform": "alt", "parcels": None, "detail": ""},
            "cargo",
        ),
        rec(
            4.0,
            JournalKind.DECISION,
            {
                "action": "flight_recorded",
                "vehicle_id": "SE-C01",
                "flight_id": "F1",
                "outcome": "landed",
                "engine_starts": 2,
                "burn_time_s": 108.0,
                "result": "added",
            },
            "fleet",
        ),
    ]
    stages = journal_view.delivery_rows(records)
    assert [(s.stage, s.platform, s.parcels) for s in stages] == [
        ("loaded", "barge", 6),
        ("diverted", "alt", None),
    ]
    fleet = journal_view.fleet_rows(records)
    assert fleet[0].text == "SE-C01: NO-GO (inspection due)"
    assert fleet[1].text == "flight F1 of SE-C01 added: landed, 2 engine start(s), 108.0 s of burn"
    assert journal_view.fleet_vehicle_id(records) == "SE-C01"


def test_phases_reached_from_phase_changes() -> None:
    records = [
        rec(1.0, JournalKind.PHASE_CHANGE, {"to_phase": "standby"}),
        rec(2.0, JournalKind.PHASE_CHANGE, {"to_phase": None}),
    ]
    assert [p for _, p in journal_view.phases_reached(records)] == ["standby"]
