"""What the launch cores decide, as values: the runner carries them out and journals every one.

Every core answers ``handle``-style calls with a list of ``Action``. An action says when
(``at_s``, the ``now_s`` it was decided at), who (the user behind it, or None for automation) and
why (``reason``, in words for the console and the post-launch review); ``payload()`` gives the
rest as JSON-ready data and ``record`` the journal kind. A refusal is an action too (``Refused``),
so an attempt to go for launch with a station no-go is on record as much as a launch.

Knows nothing of the journal's file format or of MAVLink: ``RecordKind`` mirrors the journal's
kinds by value (a test checks), and ``VehicleCommand`` names intents that the runner maps onto
commands of the vehicle link.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gcs.domain.roles import Role, User
from gcs.errors import RoleDenied, TransitionRefused


class RecordKind(enum.Enum):
    """Journal kind of an action; values equal ``gcs.recorder.journal.JournalKind`` values."""

    OPERATOR_ACTION = "operator_action"
    DECISION = "decision"
    ALERT = "alert"
    ABORT = "abort"
    PHASE_CHANGE = "phase_change"


class RefusalCode(enum.Enum):
    """Why a request was refused, for code that reacts to refusals (the words are in ``reason``)."""

    ROLE = "role"
    """The user does not hold a role the request accepts."""
    STATE = "state"
    """Not possible in the present state (resume while counting, scrub after a scrub, ...)."""
    PAST_HANDOFF = "past_handoff"
    """After the terminal-count hand-off only the vehicle can stop the count."""
    GATE = "gate"
    """A gate is no-go: a poll station, a commit criterion, go for launch, the launch window."""
    UNKNOWN = "unknown"
    """Names something that does not exist: a station, a recycle point, an alert, a checklist item."""
    EXPIRED = "expired"
    """Too late: a flight-termination arm whose confirm window has passed, a divert after entry."""
    INVALID = "invalid"
    """A malformed request: a no-go without a reason, a window that closes before it opens."""


class VehicleCommand(enum.Enum):
    """An intent for the vehicle; the runner turns it into the link's command (notes say which)."""

    ARM = "arm"
    """MAV_CMD_COMPONENT_ARM_DISARM, param1 = 1."""
    PROPELLANT_LOAD = "propellant_load"
    """Start loading LOX and CH4 (vehicle-specific command)."""
    ENGINE_CHILL = "engine_chill"
    """Start engine chill-down (vehicle-specific command)."""
    PRESSURISE = "pressurise"
    """Pressurise the tanks to flight pressure (vehicle-specific command)."""
    START_TERMINAL_COUNT = "start_terminal_count"
    """Hand the count over to the vehicle's auto-sequencer (MISSION_START at the hand-off time)."""
    HOLD_COUNT = "hold_count"
    """MAV_CMD_HOLD_COUNT with the hold kind."""
    RESUME_COUNT = "resume_count"
    """MAV_CMD_RESUME_COUNT with the count time to resume from."""
    SAFE_VEHICLE = "safe_vehicle"
    """Stand down: detank, vent, disarm (after a scrub)."""
    DIVERT = "divert"
    """MAV_CMD_DIVERT to another platform (as COMMAND_INT)."""
    FLIGHT_TERMINATION = "flight_termination"
    """MAV_CMD_DO_FLIGHTTERMINATION, param1 = 1."""
    ABORT = "abort"
    """Pad or in-flight abort: MAV_CMD_DO_SET_MODE, custom mode ABORT."""


TIMELINE_COMMANDS = frozenset(
    {
        VehicleCommand.ARM,
        VehicleCommand.PROPELLANT_LOAD,
        VehicleCommand.ENGINE_CHILL,
        VehicleCommand.PRESSURISE,
    }
)
"""Commands a countdown file may schedule; the others belong to decisions, never to a timeline."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """Base of every decision a launch core returns."""

    at_s: float
    who: str | None = None
    reason: str = ""

    @property
    def record(self) -> RecordKind:
        """Journal kind: a person's act is an operator action, automation's a decision."""
        return RecordKind.OPERATOR_ACTION if self.who else RecordKind.DECISION

    @property
    def name(self) -> str:
        """The action's type as a snake_case word (``count_changed``), for the journal payload."""
        return _snake(type(self).__name__)

    def payload(self) -> dict[str, Any]:
        """JSON-ready fields (without ``at_s`` and ``who``, which the journal record carries)."""
        out: dict[str, Any] = {"action": self.name}
        for f in dataclasses.fields(self):
            if f.name not in ("at_s", "who"):
                out[f.name] = _plain(getattr(self, f.name))
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Refused(Action):
    """A request that was not carried out; the state is as it was before it."""

    request: str
    code: RefusalCode


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandVehicle(Action):
    """Send ``command`` to the vehicle. ``t_count_s`` and ``target`` carry its parameters, if any."""

    command: VehicleCommand
    t_count_s: float | None = None
    target: str | None = None
    """Platform name, for a divert."""

    @property
    def record(self) -> RecordKind:
        """An abort is journaled as an abort, whoever ordered it."""
        if self.command is VehicleCommand.ABORT:
            return RecordKind.ABORT
        return RecordKind.OPERATOR_ACTION if self.who else RecordKind.DECISION


def refuse_unless_role(user: User, roles: Iterable[Role], request: str, now_s: float) -> Refused | None:
    """A ``Refused`` if ``user`` holds none of ``roles``, else None."""
    accepted = frozenset(roles)
    if user.has(*accepted):
        return None
    names = ", ".join(sorted(r.value for r in accepted))
    return Refused(
        at_s=now_s,
        who=user.name,
        request=request,
        code=RefusalCode.ROLE,
        reason=f"{request} needs the role {names}; {user.name} holds "
        + (", ".join(sorted(r.value for r in user.roles)) or "none"),
    )


def raise_if_refused(actions: Iterable[Action]) -> None:
    """Raise for the first refusal among ``actions``, for callers that want an exception.

    Raises:
        RoleDenied: the refusal was for want of a role.
        TransitionRefused: any other refusal (``code`` is the ``RefusalCode`` value).
    """
    for action in actions:
        if isinstance(action, Refused):
            if action.code is RefusalCode.ROLE:
                raise RoleDenied(action.reason, action.who or "")
            raise TransitionRefused(action.reason, action.code.value)


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))


def _plain(value: object) -> Any:
    """``value`` as JSON-ready data: enums by name or value, dataclasses as objects, sets sorted."""
    if isinstance(value, enum.IntEnum):
        return value.name.lower()
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    return value
