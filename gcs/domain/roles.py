"""Who may do what: console roles, the stations of the go/no-go poll, and a logged-in user.

A user holds one or more roles; each safety rule names the roles it accepts. Knows nothing of
passwords, sessions or HTTP: the console authenticates, the launch cores only check roles.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.Enum):
    """A console role. Values are the names used in config files and the user file."""

    VIEWER = "viewer"
    """Sees everything, commands nothing."""
    OPERATOR = "operator"
    """Console operator: may call holds and acknowledge alerts."""
    LAUNCH_DIRECTOR = "launch_director"
    """Runs the count: start, resume, recycle, scrub, polls, go for launch, divert."""
    RANGE_SAFETY = "range_safety"
    """Range safety officer: the only role that may terminate a flight."""
    VEHICLE = "vehicle"
    """Poll station: vehicle systems engineer."""
    PROPULSION = "propulsion"
    """Poll station: propulsion engineer."""
    LANDING_PLATFORM = "landing_platform"
    """Poll station and recovery crew: the landing platform's master."""
    WEATHER = "weather"
    """Poll station: launch weather officer."""

    @property
    def may_command(self) -> bool:
        """Whether this role may do anything beyond watching."""
        return self is not Role.VIEWER


@dataclass(frozen=True, slots=True)
class User:
    """A logged-in person and the roles they hold for this session."""

    name: str
    roles: frozenset[Role]

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a user needs a name (the journal records who did what)")

    @classmethod
    def of(cls, name: str, *roles: Role) -> User:
        return cls(name, frozenset(roles))

    def has(self, *roles: Role) -> bool:
        """Whether this user holds any of ``roles``."""
        return not self.roles.isdisjoint(roles)

    @property
    def may_command(self) -> bool:
        return any(r.may_command for r in self.roles)


HOLD_ROLES = frozenset(r for r in Role if r.may_command)
"""Anyone on the loop but a viewer may call a hold: stopping the count is always safe before hand-off."""
