"""Alerts latched until acknowledged, with severity: the annunciator panel as a state machine.

Monitors report *conditions* (``AlertCondition``: this key is at this severity now, or has
cleared); the board turns them into alerts an operator must see. States follow ISA-18.2::

    (none) ──raised──> UNACKNOWLEDGED ──ack──> ACKNOWLEDGED ──cleared──> (gone)
                           │  ^                     │
                    cleared│  └──raised again───────┘ (escalated: must be acknowledged again)
                           v
                        LATCHED (condition gone, not yet seen) ──ack──> (gone)

So an alert never disappears unseen, and a condition that worsens after acknowledgement asks for
attention again. Repeating a condition at the same severity changes nothing, so monitors may
report every sample. Knows nothing of what raises the conditions or how the console draws them.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from gcs.domain.roles import HOLD_ROLES, User
from gcs.launch.actions import Action, RecordKind, RefusalCode, Refused, refuse_unless_role


class Severity(enum.Enum):
    ADVISORY = "advisory"
    CAUTION = "caution"
    """Yellow: out of the nominal band, not yet dangerous."""
    WARNING = "warning"
    """Red: a red line is breached."""
    EMERGENCY = "emergency"
    """Abort, flight termination recommended or commanded, data lost beyond the data-loss flight time."""

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {s: i for i, s in enumerate(Severity)}


class AlertState(enum.Enum):
    UNACKNOWLEDGED = "unacknowledged"
    ACKNOWLEDGED = "acknowledged"
    LATCHED = "latched"
    """The condition has cleared but nobody has acknowledged the alert yet."""


@dataclass(frozen=True, slots=True)
class AlertCondition:
    """A monitor's report: ``key`` is at ``severity`` now (None: the condition has cleared)."""

    key: str
    severity: Severity | None
    message: str
    source: str

    @classmethod
    def cleared(cls, key: str, message: str, source: str) -> AlertCondition:
        return cls(key, None, message, source)


@dataclass(frozen=True, slots=True)
class Alert:
    key: str
    severity: Severity
    peak_severity: Severity
    message: str
    source: str
    raised_at_s: float
    changed_at_s: float
    state: AlertState
    acknowledged_by: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class _AlertAction(Action):
    key: str

    @property
    def record(self) -> RecordKind:
        return RecordKind.ALERT


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertRaised(_AlertAction):
    """New, escalated, or back after clearing: needs acknowledgement. ``reason`` is the message."""

    severity: Severity
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertCleared(_AlertAction):
    """The condition has gone; ``latched`` if the alert stays until acknowledged."""

    latched: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertAcknowledged(_AlertAction):
    """Someone acknowledged; ``removed`` if the condition had already cleared."""

    removed: bool

    @property
    def record(self) -> RecordKind:
        return RecordKind.OPERATOR_ACTION


class AlertBoard:
    """Every alert of the session."""

    def __init__(self) -> None:
        self._alerts: dict[str, Alert] = {}
        self._sorted: tuple[tuple[Alert, ...], tuple[Alert, ...]] = ((), ())
        """The alerts as last asked for (a change puts another frozen Alert in), and them sorted."""

    def alerts(self) -> tuple[Alert, ...]:
        """Worst first, then oldest first."""
        # Asked for at every tick: sorted again only when the board holds other alerts.
        alerts = tuple(self._alerts.values())
        last, ordered = self._sorted
        if len(last) != len(alerts) or any(a is not b for a, b in zip(last, alerts, strict=True)):
            ordered = tuple(sorted(alerts, key=lambda a: (-a.peak_severity.rank, a.raised_at_s)))
            self._sorted = (alerts, ordered)
        return ordered

    def get(self, key: str) -> Alert | None:
        return self._alerts.get(key)

    @property
    def unacknowledged(self) -> int:
        return sum(a.state is not AlertState.ACKNOWLEDGED for a in self._alerts.values())

    def apply(self, conditions: Iterable[AlertCondition], now_s: float) -> list[Action]:
        out: list[Action] = []
        for condition in conditions:
            if condition.severity is None:
                self._clear(condition, now_s, out)
            else:
                self._raise(condition, condition.severity, now_s, out)
        return out

    def acknowledge(self, user: User, key: str, now_s: float) -> list[Action]:
        request = f"acknowledge {key}"
        if (refused := refuse_unless_role(user, HOLD_ROLES, request, now_s)) is not None:
            return [refused]
        alert = self._alerts.get(key)
        if alert is None:
            return [
                Refused(
                    at_s=now_s,
                    who=user.name,
                    request=request,
                    code=RefusalCode.UNKNOWN,
                    reason=f"no alert {key!r}",
                )
            ]
        if alert.state is AlertState.ACKNOWLEDGED:
            return [
                Refused(
                    at_s=now_s,
                    who=user.name,
                    request=request,
                    code=RefusalCode.STATE,
                    reason=f"already acknowledged by {alert.acknowledged_by}",
                )
            ]
        removed = alert.state is AlertState.LATCHED
        if removed:
            del self._alerts[key]
        else:
            self._alerts[key] = dataclasses.replace(
                alert, state=AlertState.ACKNOWLEDGED, acknowledged_by=user.name, changed_at_s=now_s
            )
        return [AlertAcknowledged(at_s=now_s, who=user.name, reason=alert.message, key=key, removed=removed)]

    def _raise(self, c: AlertCondition, severity: Severity, now_s: float, out: list[Action]) -> None:
        alert = self._alerts.get(c.key)
        if alert is None:
            self._alerts[c.key] = Alert(
                c.key, severity, severity, c.message, c.source, now_s, now_s, AlertState.UNACKNOWLEDGED
            )
        elif alert.state is AlertState.LATCHED or severity.rank > alert.severity.rank:
            peak = severity if severity.rank > alert.peak_severity.rank else alert.peak_severity
            self._alerts[c.key] = Alert(
                c.key,
                severity,
                peak,
                c.message,
                c.source,
                alert.raised_at_s,
                now_s,
                AlertState.UNACKNOWLEDGED,
            )
        else:
            # Same or lower severity while active: keep the state (a de-escalation is not news) but
            # show the latest words and level; the peak stays for whoever has not looked yet.
            self._alerts[c.key] = dataclasses.replace(alert, severity=severity, message=c.message)
            return
        out.append(AlertRaised(at_s=now_s, reason=c.message, key=c.key, severity=severity, source=c.source))

    def _clear(self, c: AlertCondition, now_s: float, out: list[Action]) -> None:
        alert = self._alerts.get(c.key)
        if alert is None or alert.state is AlertState.LATCHED:
            return
        if alert.state is AlertState.ACKNOWLEDGED:
            del self._alerts[c.key]
            out.append(AlertCleared(at_s=now_s, reason=c.message, key=c.key, latched=False))
            return
        self._alerts[c.key] = dataclasses.replace(alert, state=AlertState.LATCHED, changed_at_s=now_s)
        out.append(AlertCleared(at_s=now_s, reason=c.message, key=c.key, latched=True))
