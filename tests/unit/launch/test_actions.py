"""Actions are journal-ready: kinds the journal knows, JSON payloads, refusals as exceptions on request."""

from __future__ import annotations

import orjson
import pytest

from gcs.domain.phases import FlightPhase
from gcs.domain.roles import Role, User
from gcs.errors import LaunchControlError, RoleDenied, TransitionRefused
from gcs.launch.actions import (
    CommandVehicle,
    RecordKind,
    RefusalCode,
    Refused,
    VehicleCommand,
    raise_if_refused,
)
from gcs.launch.countdown import CountChanged, CountState, HoldKind
from gcs.launch.phase_watch import PhaseChanged
from gcs.recorder.journal import JournalKind


def test_record_kinds_are_journal_kinds() -> None:
    for kind in RecordKind:
        assert JournalKind(kind.value).value == kind.value


def test_who_decides_the_kind() -> None:
    assert CommandVehicle(at_s=0.0, command=VehicleCommand.ARM).record is RecordKind.DECISION
    assert (
        CommandVehicle(at_s=0.0, who="dana", command=VehicleCommand.ARM).record is RecordKind.OPERATOR_ACTION
    )


def test_payloads_are_json() -> None:
    change = CountChanged(
        at_s=1.0,
        who="dana",
        reason="held",
        from_state=CountState.COUNTING,
        to_state=CountState.HOLDING,
        t_count_s=-60.0,
        hold_kind=HoldKind.OPERATOR,
        display=__import__("gcs.domain.phases", fromlist=["CountdownDisplay"]).CountdownDisplay(3),
    )
    payload = change.payload()
    assert payload == {
        "action": "count_changed",
        "reason": "held",
        "from_state": "counting",
        "to_state": "holding",
        "t_count_s": -60.0,
        "hold_kind": "operator",
        "display": "hold_operator",
    }
    assert orjson.loads(orjson.dumps(payload)) == payload
    phase = PhaseChanged(at_s=0.0, reason="x", from_phase=None, to_phase=FlightPhase.ASCENT)
    assert phase.payload()["to_phase"] == "ascent"
    assert phase.record is RecordKind.PHASE_CHANGE


def test_refusals_become_exceptions_on_request() -> None:
    raise_if_refused([CommandVehicle(at_s=0.0, command=VehicleCommand.ARM)])
    with pytest.raises(RoleDenied) as denied:
        raise_if_refused(
            [Refused(at_s=0.0, who="vic", reason="needs the role", request="x", code=RefusalCode.ROLE)]
        )
    assert denied.value.user == "vic"
    with pytest.raises(TransitionRefused) as refused:
        raise_if_refused(
            [Refused(at_s=0.0, reason="past hand-off", request="hold", code=RefusalCode.PAST_HANDOFF)]
        )
    assert refused.value.code == "past_handoff"
    assert isinstance(refused.value, LaunchControlError)
    assert refused.value.reason == "past hand-off"


def test_users() -> None:
    user = User.of("dana", Role.LAUNCH_DIRECTOR, Role.OPERATOR)
    assert user.has(Role.OPERATOR)
    assert not user.has(Role.RANGE_SAFETY)
    assert user.may_command
    assert not User.of("vic", Role.VIEWER).may_command
    with pytest.raises(ValueError, match="name"):
        User.of("")
