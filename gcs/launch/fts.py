"""Flight termination, commanded in two steps: arm, then confirm within a window. Range safety only.

Arming starts the confirm window; a confirmation inside it returns the command for the vehicle;
the window running out, or a disarm, makes it safe again. Nothing here looks at telemetry on
purpose: termination is most needed exactly when the vehicle's data is lost or wrong, so no phase
or link state can block it. Knows nothing of the vehicle link or of signing (the link signs).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from gcs.domain.roles import Role, User
from gcs.launch.actions import (
    Action,
    CommandVehicle,
    RefusalCode,
    Refused,
    VehicleCommand,
    refuse_unless_role,
)

_RSO = (Role.RANGE_SAFETY,)


class FtsState(enum.Enum):
    SAFE = "safe"
    ARMED = "armed"
    """First step done; a confirmation before ``expires_at_s`` sends the command."""
    SENT = "sent"
    """The termination command was issued (it may be armed and sent again)."""


@dataclass(frozen=True, slots=True)
class FtsStatus:
    state: FtsState
    armed_by: str | None
    expires_at_s: float | None
    remaining_s: float | None
    sent_by: str | None
    sent_at_s: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FtsArmed(Action):
    expires_at_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class FtsDisarmed(Action):
    """Back to safe: disarmed by a user, or the confirm window ran out (``who`` None)."""

    expired: bool


class FlightTermination:
    """The two-step flight-termination control of one flight."""

    def __init__(self, confirm_window_s: float) -> None:
        if not (math.isfinite(confirm_window_s) and confirm_window_s > 0):
            raise ValueError(f"confirm_window_s must be > 0, got {confirm_window_s}")
        self.confirm_window_s = confirm_window_s
        self._state = FtsState.SAFE
        self._armed_by: str | None = None
        self._expires_at_s: float | None = None
        self._sent_by: str | None = None
        self._sent_at_s: float | None = None

    @property
    def state(self) -> FtsState:
        return self._state

    def status(self, now_s: float) -> FtsStatus:
        remaining = None if self._expires_at_s is None else max(0.0, self._expires_at_s - now_s)
        return FtsStatus(
            self._state, self._armed_by, self._expires_at_s, remaining, self._sent_by, self._sent_at_s
        )

    def arm(self, user: User, now_s: float) -> list[Action]:
        if (refused := refuse_unless_role(user, _RSO, "arm flight termination", now_s)) is not None:
            return [refused]
        out = self.tick(now_s)
        if self._state is FtsState.ARMED:
            return [
                *out,
                self._refused(
                    user,
                    "arm flight termination",
                    RefusalCode.STATE,
                    f"already armed by {self._armed_by}",
                    now_s,
                ),
            ]
        self._state = FtsState.ARMED
        self._armed_by = user.name
        self._expires_at_s = now_s + self.confirm_window_s
        out.append(
            FtsArmed(
                at_s=now_s,
                who=user.name,
                expires_at_s=self._expires_at_s,
                reason=f"confirm within {self.confirm_window_s:g} s to terminate the flight",
            )
        )
        return out

    def confirm(self, user: User, now_s: float) -> list[Action]:
        request = "confirm flight termination"
        if (refused := refuse_unless_role(user, _RSO, request, now_s)) is not None:
            return [refused]
        out = self.tick(now_s)
        if self._state is not FtsState.ARMED:
            code = RefusalCode.EXPIRED if out else RefusalCode.STATE
            why = "the arm expired before the confirmation" if out else "not armed: arm first"
            return [*out, self._refused(user, request, code, why, now_s)]
        armed_by = self._armed_by
        self._state = FtsState.SENT
        self._sent_by = user.name
        self._sent_at_s = now_s
        self._armed_by = None
        self._expires_at_s = None
        out.append(
            CommandVehicle(
                at_s=now_s,
                who=user.name,
                command=VehicleCommand.FLIGHT_TERMINATION,
                reason=f"flight termination armed by {armed_by}, confirmed by {user.name}",
            )
        )
        return out

    def disarm(self, user: User, now_s: float, reason: str = "disarmed") -> list[Action]:
        request = "disarm flight termination"
        if (refused := refuse_unless_role(user, _RSO, request, now_s)) is not None:
            return [refused]
        out = self.tick(now_s)
        if self._state is not FtsState.ARMED:
            return [*out, self._refused(user, request, RefusalCode.STATE, "not armed", now_s)]
        self._to_safe()
        out.append(FtsDisarmed(at_s=now_s, who=user.name, reason=reason, expired=False))
        return out

    def tick(self, now_s: float) -> list[Action]:
        """Let the confirm window run out."""
        if self._state is FtsState.ARMED and self._expires_at_s is not None and now_s > self._expires_at_s:
            armed_by = self._armed_by
            expired_at = self._expires_at_s
            self._to_safe()
            return [
                FtsDisarmed(at_s=expired_at, reason=f"arm by {armed_by} not confirmed in time", expired=True)
            ]
        return []

    def _to_safe(self) -> None:
        self._state = FtsState.SENT if self._sent_by is not None else FtsState.SAFE
        self._armed_by = None
        self._expires_at_s = None

    def _refused(self, user: User, request: str, code: RefusalCode, reason: str, now_s: float) -> Refused:
        return Refused(at_s=now_s, who=user.name, request=request, code=code, reason=reason)
