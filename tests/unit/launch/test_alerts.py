"""The alert board latches until acknowledged (ISA-18.2 states), as a table of steps."""

from __future__ import annotations

import pytest

from gcs.launch.actions import RecordKind, RefusalCode
from gcs.launch.alerts import (
    AlertAcknowledged,
    AlertBoard,
    AlertCleared,
    AlertCondition,
    AlertRaised,
    AlertState,
    Severity,
)
from tests.unit.launch.helpers import OPERATOR, VIEWER, refusals

K = "red_line:q"


def cond(severity: Severity | None) -> AlertCondition:
    return AlertCondition(K, severity, f"q is {severity}", "test")


# Steps: ("raise", severity) | ("clear",) | ("ack",); expected: (action names, state afterwards or None).
SEQUENCES = [
    (
        "raise-ack-clear",
        [("raise", Severity.WARNING), ("ack",), ("clear",)],
        [["alert_raised"], ["alert_acknowledged"], ["alert_cleared"]],
        None,
    ),
    (
        "raise-clear-latched",
        [("raise", Severity.WARNING), ("clear",)],
        [["alert_raised"], ["alert_cleared"]],
        AlertState.LATCHED,
    ),
    (
        "latched-then-ack-removes",
        [("raise", Severity.WARNING), ("clear",), ("ack",)],
        [["alert_raised"], ["alert_cleared"], ["alert_acknowledged"]],
        None,
    ),
    (
        "repeat-is-quiet",
        [("raise", Severity.CAUTION), ("raise", Severity.CAUTION)],
        [["alert_raised"], []],
        AlertState.UNACKNOWLEDGED,
    ),
    (
        "escalation-after-ack-asks-again",
        [("raise", Severity.CAUTION), ("ack",), ("raise", Severity.WARNING)],
        [["alert_raised"], ["alert_acknowledged"], ["alert_raised"]],
        AlertState.UNACKNOWLEDGED,
    ),
    (
        "de-escalation-is-not-news",
        [("raise", Severity.WARNING), ("ack",), ("raise", Severity.CAUTION)],
        [["alert_raised"], ["alert_acknowledged"], []],
        AlertState.ACKNOWLEDGED,
    ),
    (
        "back-while-latched",
        [("raise", Severity.WARNING), ("clear",), ("raise", Severity.CAUTION)],
        [["alert_raised"], ["alert_cleared"], ["alert_raised"]],
        AlertState.UNACKNOWLEDGED,
    ),
    ("clear-nothing", [("clear",)], [[]], None),
]


@pytest.mark.parametrize(("name", "steps", "names", "final"), SEQUENCES, ids=[s[0] for s in SEQUENCES])
def test_sequences(
    name: str, steps: list[tuple[object, ...]], names: list[list[str]], final: AlertState | None
) -> None:
    board = AlertBoard()
    for i, (step, expected) in enumerate(zip(steps, names, strict=True)):
        if step[0] == "raise":
            actions = board.apply([cond(step[1])], float(i))  # type: ignore[arg-type]
        elif step[0] == "clear":
            actions = board.apply([cond(None)], float(i))
        else:
            actions = board.acknowledge(OPERATOR, K, float(i))
        assert [a.name for a in actions] == expected
    alert = board.get(K)
    assert (alert.state if alert else None) is final


def test_peak_severity_stays_until_acknowledged() -> None:
    board = AlertBoard()
    board.apply([cond(Severity.WARNING)], 0.0)
    board.apply([cond(Severity.CAUTION)], 1.0)
    alert = board.get(K)
    assert alert is not None
    assert (alert.severity, alert.peak_severity) == (Severity.CAUTION, Severity.WARNING)


def test_acknowledge_refusals() -> None:
    board = AlertBoard()
    board.apply([cond(Severity.WARNING)], 0.0)
    assert refusals(board.acknowledge(VIEWER, K, 1.0))[0].code is RefusalCode.ROLE
    assert refusals(board.acknowledge(OPERATOR, "nope", 1.0))[0].code is RefusalCode.UNKNOWN
    board.acknowledge(OPERATOR, K, 1.0)
    refused = refusals(board.acknowledge(OPERATOR, K, 2.0))
    assert refused[0].code is RefusalCode.STATE
    assert "omar" in refused[0].reason


def test_alerts_go_to_the_journal_as_alerts_and_acks_as_operator_actions() -> None:
    board = AlertBoard()
    (raised,) = board.apply([cond(Severity.EMERGENCY)], 0.0)
    assert isinstance(raised, AlertRaised)
    assert raised.record is RecordKind.ALERT
    (ack,) = board.acknowledge(OPERATOR, K, 1.0)
    assert isinstance(ack, AlertAcknowledged)
    assert ack.record is RecordKind.OPERATOR_ACTION
    (cleared,) = board.apply([cond(None)], 2.0)
    assert isinstance(cleared, AlertCleared)


def test_worst_first() -> None:
    board = AlertBoard()
    board.apply(
        [AlertCondition("a", Severity.CAUTION, "a", "t"), AlertCondition("b", Severity.EMERGENCY, "b", "t")],
        0.0,
    )
    assert [a.key for a in board.alerts()] == ["b", "a"]
    assert board.unacknowledged == 2
