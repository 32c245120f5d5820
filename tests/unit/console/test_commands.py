"""API commands to launch-control events: bodies checked field by field, answers mapped to HTTP, and
the roles the page is told about checked against the launch cores' own rules, command by command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gcs.console.commands import COMMANDS, BadCommand, accepted_roles, answer_for, command_table, event_for
from gcs.domain.roles import Role, User
from gcs.launch.actions import CommandVehicle, RefusalCode, Refused, VehicleCommand
from gcs.launch.control import AbortVehicle, AnswerPoll, LaunchControl, LaunchSetup, load_setup
from gcs.launch.countdown import HoldCount, LaunchWindow, StartCount

CONFIGS = Path(__file__).resolve().parents[3] / "configs"
SETUP: LaunchSetup = load_setup(
    CONFIGS / "countdowns" / "quick-hop.toml", CONFIGS / "limits" / "commit-criteria.toml",
    CONFIGS / "limits" / "red-lines.toml", CONFIGS / "range" / "cargo-hop.toml",
    CONFIGS / "limits" / "landing.toml",
)
DANA = User.of("dana", Role.LAUNCH_DIRECTOR)


def test_bodies_become_events_with_the_user_in_them() -> None:
    assert event_for("count/start", DANA, None) == StartCount(DANA)
    window = {"window_open_unix_s": 10, "window_close_unix_s": 20.5}
    assert event_for("count/start", DANA, window) == StartCount(DANA, LaunchWindow(10.0, 20.5))
    assert event_for("count/hold", DANA, {}) == HoldCount(DANA, "operator hold")
    assert event_for("count/hold", DANA, {"reason": "boat"}) == HoldCount(DANA, "boat")
    answer = {"station": "weather", "go": False, "reason": "wind"}
    assert event_for("poll/answer", DANA, answer) == AnswerPoll(DANA, "weather", False, "wind")
    assert event_for("vehicle/abort", DANA, {}) == AbortVehicle(DANA, "abort ordered by dana")


@pytest.mark.parametrize(
    ("name", "body", "field", "expected"),
    [
        ("count/resume", {"now": True}, "now", "an empty object {}"),
        ("count/hold", {"reasons": "x"}, "reasons", "one of reason"),
        ("count/hold", "hold!", "(body)", "a JSON object"),
        ("count/recycle", {}, "point", "(this field is required)"),
        ("count/recycle", {"point": " "}, "point", "a non-empty string"),
        ("poll/answer", {"station": "weather", "go": 1}, "go", "true or false"),
        ("count/start", {"window_open_unix_s": True, "window_close_unix_s": 2}, "window_open_unix_s",
         "a finite number"),
        ("count/start", {"window_open_unix_s": 5, "window_close_unix_s": 2}, "window_close_unix_s",
         "a close at or after the open"),
        ("fts/disarm", {"reason": "r" * 501}, "reason", "at most 500 characters"),
    ],
)
def test_bad_bodies_name_the_field(name: str, body: object, field: str, expected: str) -> None:
    with pytest.raises(BadCommand) as info:
        event_for(name, DANA, body)
    assert info.value.field == field
    assert expected in info.value.expected
    assert str(info.value).startswith(f"{field}: expected")


def test_answers_map_refusals_to_403_and_409() -> None:
    ok = answer_for([CommandVehicle(at_s=1.0, who="dana", command=VehicleCommand.ARM)])
    assert ok.status == 200
    assert ok.body["actions"][0] == {"action": "command_vehicle", "reason": "", "command": "arm",
                                     "t_count_s": None, "target": None, "at_s": 1.0, "who": "dana",
                                     "record": "operator_action"}
    role = answer_for([Refused(at_s=1.0, who="vic", request="start", code=RefusalCode.ROLE, reason="no")])
    assert (role.status, role.body["code"], role.body["error"]) == (403, "role", "no")
    for code in RefusalCode:
        if code is not RefusalCode.ROLE:
            answer = answer_for([Refused(at_s=1.0, request="x", code=code, reason="why")])
            assert (answer.status, answer.body["code"]) == (409, code.value)
    assert answer_for([]).status == 200


def _body(name: str, role: Role) -> dict[str, Any]:
    """A well-formed body for ``name``, aimed at what ``role`` could do if anything."""
    match name:
        case "count/recycle":
            return {"point": "T-2"}
        case "poll/answer":
            station = next((s for s in SETUP.timeline.stations if s.role is role), SETUP.timeline.stations[0])
            return {"station": station.name, "go": True}
        case "alerts/ack":
            return {"key": "count:hold"}
        case "recovery/confirm":
            items = [i for i in SETUP.recovery if i.confirm_role is not None]
            item = next((i for i in items if i.confirm_role is role), items[0])
            return {"item": item.name}
    return {}


@pytest.mark.parametrize("name", list(COMMANDS))
@pytest.mark.parametrize("role", list(Role))
def test_the_roles_shown_to_the_page_are_the_cores_own(name: str, role: Role) -> None:
    """For every command and role: the cores refuse for want of a role exactly when the table says so."""
    user = User.of("someone", role)
    actions = LaunchControl(SETUP).handle(event_for(name, user, _body(name, role)), 1_800_000_000.0)
    refused_for_role = any(isinstance(a, Refused) and a.code is RefusalCode.ROLE for a in actions)
    assert refused_for_role == (role not in accepted_roles(name, SETUP)), [a.payload() for a in actions]


def test_the_command_table_for_the_page() -> None:
    table = {row["name"]: row for row in command_table(SETUP)}
    assert set(table) == set(COMMANDS)
    assert table["vehicle/abort"]["roles"] == ["launch_director", "range_safety"]
    assert table["vehicle/abort"]["hazardous"] is True
    assert table["count/hold"]["roles"] == sorted(r.value for r in Role if r is not Role.VIEWER)
    assert table["count/recycle"]["fields"] == {"point": {"kind": "text", "required": True}}
    assert "viewer" not in str([row["roles"] for row in table.values()])
