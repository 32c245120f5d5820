"""The console's commands: ``POST /api/v1/commands/<name>`` bodies to launch-control requests, and
launch control's answer back to an HTTP status.

Every command becomes one ``LaunchEvent`` with the logged-in user in it and goes through
``LaunchRunner.request``: the launch cores check the role and the state, journal the decision, and
return it. This module adds no rule of its own; it only

- parses the body, naming the field that is wrong (HTTP 400);
- maps the cores' answer: a ``Refused`` with code ROLE is 403, any other ``Refused`` 409, else 200;
- says, for the page and for scripts, which roles each command accepts (``accepted_roles``): a
  copy of the cores' rules for display only, checked against the cores by a unit test. The server
  never decides with it.

Knows nothing of HTTP frameworks, sessions or the journal's format.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gcs.domain.roles import HOLD_ROLES, Role, User
from gcs.launch.actions import Action, RefusalCode, Refused
from gcs.launch.control import (
    ABORT_ROLES,
    ARM_ROLES,
    AbortVehicle,
    AcknowledgeAlert,
    AnswerPoll,
    ArmTermination,
    ArmVehicle,
    ConfirmRecoveryItem,
    ConfirmTermination,
    DisarmTermination,
    GiveGoForLaunch,
    LaunchEvent,
    LaunchSetup,
    OpenPoll,
    OrderDivert,
)
from gcs.launch.countdown import HoldCount, LaunchWindow, RecycleCount, ResumeCount, ScrubCount, StartCount
from gcs.views import plain

MAX_TEXT_CHARS = 500


class FieldKind(enum.Enum):
    TEXT = "text"
    BOOL = "bool"
    NUMBER = "number"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    kind: FieldKind
    required: bool = False


class BadCommand(ValueError):
    """A body that does not fit the command: names the field and what was expected (HTTP 400)."""

    def __init__(self, field: str, expected: str, got: object = None) -> None:
        self.field = field
        self.expected = expected
        self.got = got
        detail = f"{field}: expected {expected}"
        if got is not None:
            detail += f", got {got!r}"
        super().__init__(detail)


Builder = Callable[[User, Mapping[str, Any]], LaunchEvent]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command of the API.

    Attributes:
        name: the path after ``commands/``.
        fields: body fields and their kinds.
        build: the launch-control event for a user and a checked body.
        hazardous: the page asks for a two-step or hold-to-activate control (the server relies on
            the cores' own rules: flight termination is armed, then confirmed within a window).
    """

    name: str
    title: str
    fields: Mapping[str, FieldSpec]
    build: Builder
    hazardous: bool = False


def _text(body: Mapping[str, Any], name: str, default: str) -> str:
    value = body.get(name)
    return default if value is None or not str(value).strip() else str(value)


def _start(user: User, body: Mapping[str, Any]) -> LaunchEvent:
    open_s, close_s = body.get("window_open_unix_s"), body.get("window_close_unix_s")
    if (open_s is None) != (close_s is None):
        raise BadCommand("window_close_unix_s",
                         "window_open_unix_s and window_close_unix_s together, or neither")
    window = None
    if open_s is not None and close_s is not None:
        if not open_s <= close_s:
            raise BadCommand("window_close_unix_s", "a close at or after the open", close_s)
        window = LaunchWindow(float(open_s), float(close_s))
    return StartCount(user, window)


_T, _B, _N = FieldSpec(FieldKind.TEXT), FieldSpec(FieldKind.BOOL), FieldSpec(FieldKind.NUMBER)
_T_REQUIRED = FieldSpec(FieldKind.TEXT, required=True)
_B_REQUIRED = FieldSpec(FieldKind.BOOL, required=True)

COMMANDS: dict[str, CommandSpec] = {
    spec.name: spec
    for spec in (
        CommandSpec("count/start", "Start count", {"window_open_unix_s": _N, "window_close_unix_s": _N},
                    _start),
        CommandSpec("count/hold", "Hold count", {"reason": _T},
                    lambda u, b: HoldCount(u, _text(b, "reason", "operator hold"))),
        CommandSpec("count/resume", "Resume count", {}, lambda u, b: ResumeCount(u)),
        CommandSpec("count/recycle", "Recycle count", {"point": _T_REQUIRED},
                    lambda u, b: RecycleCount(u, str(b["point"]))),
        CommandSpec("count/scrub", "Scrub", {"reason": _T},
                    lambda u, b: ScrubCount(u, _text(b, "reason", "scrubbed by the launch director")),
                    hazardous=True),
        CommandSpec("poll/open", "Open poll", {}, lambda u, b: OpenPoll(u)),
        CommandSpec("poll/answer", "Answer poll", {"station": _T_REQUIRED, "go": _B_REQUIRED, "reason": _T},
                    lambda u, b: AnswerPoll(u, str(b["station"]), bool(b["go"]), str(b.get("reason") or ""))),
        CommandSpec("go-for-launch", "Go for launch", {}, lambda u, b: GiveGoForLaunch(u), hazardous=True),
        CommandSpec("alerts/ack", "Acknowledge alert", {"key": _T_REQUIRED},
                    lambda u, b: AcknowledgeAlert(u, str(b["key"]))),
        CommandSpec("fts/arm", "Arm flight termination", {}, lambda u, b: ArmTermination(u), hazardous=True),
        CommandSpec("fts/confirm", "Confirm flight termination", {}, lambda u, b: ConfirmTermination(u),
                    hazardous=True),
        CommandSpec("fts/disarm", "Disarm flight termination", {"reason": _T},
                    lambda u, b: DisarmTermination(u, _text(b, "reason", "disarmed by range safety"))),
        CommandSpec("divert", "Divert to the alternate", {}, lambda u, b: OrderDivert(u), hazardous=True),
        CommandSpec("recovery/confirm", "Confirm recovery step", {"item": _T_REQUIRED},
                    lambda u, b: ConfirmRecoveryItem(u, str(b["item"]))),
        CommandSpec("vehicle/arm", "Arm vehicle", {}, lambda u, b: ArmVehicle(u), hazardous=True),
        CommandSpec("vehicle/abort", "Abort", {"reason": _T},
                    lambda u, b: AbortVehicle(u, _text(b, "reason", f"abort ordered by {u.name}")),
                    hazardous=True),
    )
}


def parse_body(spec: CommandSpec, body: object) -> dict[str, Any]:
    """The checked body of ``spec`` (``None``, an empty body, counts as ``{}``).

    Raises:
        BadCommand: not an object, an unknown field, a missing required one, or a wrong type.
    """
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise BadCommand("(body)", "a JSON object", type(body).__name__)
    for name in body:
        if name not in spec.fields:
            expected = "one of " + ", ".join(sorted(spec.fields)) if spec.fields else "an empty object {}"
            raise BadCommand(name, expected, "unknown field")
    out: dict[str, Any] = {}
    for name, field_spec in spec.fields.items():
        value = body.get(name)
        if value is None:
            if field_spec.required:
                raise BadCommand(name, f"a {field_spec.kind.value} (this field is required)")
            continue
        match field_spec.kind:
            case FieldKind.TEXT:
                if not isinstance(value, str):
                    raise BadCommand(name, "a string", value)
                if len(value) > MAX_TEXT_CHARS:
                    raise BadCommand(name, f"at most {MAX_TEXT_CHARS} characters", f"{len(value)} characters")
                if field_spec.required and not value.strip():
                    raise BadCommand(name, "a non-empty string", value)
            case FieldKind.BOOL:
                if not isinstance(value, bool):
                    raise BadCommand(name, "true or false", value)
            case FieldKind.NUMBER:
                if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                    raise BadCommand(name, "a finite number", value)
        out[name] = value
    return out


def event_for(name: str, user: User, body: object) -> LaunchEvent:
    """The launch-control event of command ``name`` for ``user``.

    Raises:
        KeyError: no such command.
        BadCommand: the body does not fit.
    """
    spec = COMMANDS[name]
    return spec.build(user, parse_body(spec, body))


@dataclass(frozen=True, slots=True)
class CommandAnswer:
    """What the API answers: the HTTP status and the JSON body."""

    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status == 200


def action_json(action: Action) -> dict[str, Any]:
    """One decision as JSON: its payload plus when and who (as the journal records it)."""
    return {**plain(action.payload()), "at_s": action.at_s, "who": action.who, "record": action.record.value}


def answer_for(actions: list[Action]) -> CommandAnswer:
    """The HTTP answer to a request the cores decided ``actions`` on.

    The first refusal decides: ROLE is 403, any other code 409. Without a refusal it is 200, also
    when nothing at all was decided (a request that changes nothing is not an error).
    """
    payloads = [action_json(a) for a in actions]
    refusal = next((a for a in actions if isinstance(a, Refused)), None)
    if refusal is None:
        return CommandAnswer(200, {"ok": True, "actions": payloads})
    status = 403 if refusal.code is RefusalCode.ROLE else 409
    return CommandAnswer(status, {"ok": False, "error": refusal.reason, "code": refusal.code.value,
                                  "actions": payloads})


def accepted_roles(name: str, setup: LaunchSetup | None) -> frozenset[Role]:
    """Which roles command ``name`` accepts, for the page and for scripts (display only).

    Poll answers and recovery confirmations depend on the mission: the stations' and the checklist
    items' roles, from ``setup``.
    """
    director = frozenset({Role.LAUNCH_DIRECTOR})
    match name:
        case "count/hold" | "alerts/ack":
            return HOLD_ROLES
        case "fts/arm" | "fts/confirm" | "fts/disarm":
            return frozenset({Role.RANGE_SAFETY})
        case "vehicle/arm":
            return ARM_ROLES
        case "vehicle/abort":
            return ABORT_ROLES
        case "poll/answer":
            return frozenset(s.role for s in setup.timeline.stations) if setup is not None else frozenset()
        case "recovery/confirm":
            if setup is None:
                return frozenset()
            return frozenset(i.confirm_role for i in setup.recovery if i.confirm_role is not None)
    return director


def command_table(setup: LaunchSetup | None) -> list[dict[str, Any]]:
    """Every command with its body fields, accepted roles and whether the page should guard it."""
    return [
        {
            "name": spec.name,
            "title": spec.title,
            "fields": {k: {"kind": f.kind.value, "required": f.required} for k, f in spec.fields.items()},
            "roles": sorted(r.value for r in accepted_roles(spec.name, setup)),
            "hazardous": spec.hazardous,
        }
        for spec in COMMANDS.values()
    ]
