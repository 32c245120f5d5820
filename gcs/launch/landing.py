"""Landing readiness and the divert decision.

Each tick judges the target platform (and the alternate) against the deck limits. In flight and
before the entry point, a primary that has stayed no-go for ``no_go_persistence_s`` while the
alternate is go makes the monitor divert: it returns the decision and the command (a new landing
target for the vehicle). After the entry point the vehicle can no longer reach another platform,
so a no-go target is only alerted. The launch director may also divert by hand, under the same
rules. One divert per flight: there is no way back to a primary that has been given up.

Knows nothing of NMEA, MAVLink or the clock; before liftoff the deck limits act through the commit
criteria (the count holds), not through a divert.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from gcs.config import load_toml
from gcs.domain.landing import DeckLimits, DeckReadiness, assess_deck
from gcs.domain.phases import PRE_ENTRY_PHASES, FlightPhase
from gcs.domain.platform import DeckState, PlatformSite
from gcs.domain.roles import Role, User
from gcs.launch._files import InvalidValue, load_table, without
from gcs.launch.actions import (
    Action,
    CommandVehicle,
    RefusalCode,
    Refused,
    VehicleCommand,
    refuse_unless_role,
)
from gcs.launch.alerts import AlertCondition, Severity

_SOURCE = "landing"
_FLYING_PHASES = PRE_ENTRY_PHASES | {FlightPhase.ENTRY, FlightPhase.LANDING_BURN}
"""In flight towards a landing: a no-go target is a warning then, a caution before and after."""


@dataclass(frozen=True, slots=True)
class DivertPolicy:
    no_go_persistence_s: float = 10.0
    """How long the primary must stay no-go before an automatic divert (gusts come and go)."""
    automatic: bool = True
    """Divert without waiting for the launch director (the coast leaves no time for a meeting)."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.no_go_persistence_s) and self.no_go_persistence_s >= 0):
            raise InvalidValue("no_go_persistence_s", "a number of seconds >= 0", self.no_go_persistence_s)


@dataclass(frozen=True, slots=True)
class LandingStatus:
    target: PlatformSite
    primary: DeckReadiness
    alternate: DeckReadiness | None
    diverted: bool
    divert_possible: bool
    primary_no_go_since_s: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DivertDecided(Action):
    from_platform: str
    to_platform: str


class LandingMonitor:
    """Readiness of the landing platforms of one flight, and its divert."""

    def __init__(
        self,
        primary: PlatformSite,
        alternate: PlatformSite | None,
        limits: DeckLimits,
        policy: DivertPolicy | None = None,
    ) -> None:
        self.primary = primary
        self.alternate = alternate
        self.limits = limits
        self.policy = policy or DivertPolicy()
        self._decks: dict[str, DeckState] = {}
        self._phase: FlightPhase | None = None
        self._target = primary
        self._no_go_since_s: float | None = None
        self._alerted: dict[str, Severity | None] = {}
        self._readiness: dict[str, tuple[DeckState | None, DeckReadiness]] = {}
        """Per platform, the last verdict and the deck state it judged (see ``readiness``)."""

    @property
    def target(self) -> PlatformSite:
        return self._target

    @property
    def diverted(self) -> bool:
        return self._target is not self.primary

    def observe_deck(self, deck: DeckState) -> None:
        if deck.platform in (self.primary.name, self.alternate.name if self.alternate else None):
            self._decks[deck.platform] = deck

    def observe_phase(self, phase: FlightPhase) -> None:
        self._phase = phase

    def readiness(self, site: PlatformSite, now_s: float) -> DeckReadiness:
        # Judged at every input and for every status: the findings are made again only when the
        # deck state is another one or its age crosses the limit. Same deck, both judgements on
        # fresh data (or both without any), same findings: only the instant changes.
        deck = self._decks.get(site.name)
        last = self._readiness.get(site.name)
        if last is not None and last[0] is deck:
            before = last[1]
            if before.at_s == now_s:
                return before
            max_age_s = self.limits.max_data_age_s
            if deck is None or (not now_s - deck.t_s > max_age_s and not before.at_s - deck.t_s > max_age_s):
                readiness = DeckReadiness(site.name, before.go, before.findings, now_s)
                self._readiness[site.name] = (deck, readiness)
                return readiness
        readiness = assess_deck(site.name, deck, self.limits, now_s)
        self._readiness[site.name] = (deck, readiness)
        return readiness

    def status(self, now_s: float) -> LandingStatus:
        return LandingStatus(
            target=self._target,
            primary=self.readiness(self.primary, now_s),
            alternate=None if self.alternate is None else self.readiness(self.alternate, now_s),
            diverted=self.diverted,
            divert_possible=self._divert_possible(now_s),
            primary_no_go_since_s=self._no_go_since_s,
        )

    def tick(self, now_s: float) -> tuple[list[Action], list[AlertCondition]]:
        actions: list[Action] = []
        conditions: list[AlertCondition] = []
        primary = self.readiness(self.primary, now_s)
        if primary.go:
            self._no_go_since_s = None
        elif self._no_go_since_s is None:
            self._no_go_since_s = now_s
        in_flight_before_entry = self._phase in PRE_ENTRY_PHASES
        if (
            self.policy.automatic
            and not self.diverted
            and not primary.go
            and in_flight_before_entry
            and self._no_go_since_s is not None
            and now_s - self._no_go_since_s >= self.policy.no_go_persistence_s
        ):
            if self._divert_possible(now_s):
                actions.extend(self._divert(now_s, None, f"primary no-go: {primary.reason}"))
            elif self._alerted.get("landing:no_divert") is not Severity.WARNING:
                # (why not, a string made of every finding, is only made when the alert changes)
                self._condition(
                    conditions,
                    "landing:no_divert",
                    Severity.WARNING,
                    f"primary no-go and no divert: {self._divert_blocked(now_s)}",
                )
        # Until a divert the target is the primary, judged just above at the same instant.
        target = primary if self._target is self.primary else self.readiness(self._target, now_s)
        flying = self._phase is not None and self._phase in _FLYING_PHASES
        # (The reason, a string made of every finding, is only made when the alert changes.)
        key = f"landing:{self._target.name}"
        severity = None if target.go else Severity.WARNING if flying else Severity.CAUTION
        if self._alerted.get(key) is not severity:
            if target.go:
                self._condition(conditions, key, None, target.reason)
            else:
                late = flying and not in_flight_before_entry
                words = " (past the entry point: no divert possible)" if late else ""
                self._condition(conditions, key, severity, f"{target.reason}{words}")
        if primary.go or self.diverted:
            self._condition(conditions, "landing:no_divert", None, "no divert needed")
        return actions, conditions

    def command_divert(self, user: User, now_s: float) -> list[Action]:
        request = "divert"
        if (refused := refuse_unless_role(user, (Role.LAUNCH_DIRECTOR,), request, now_s)) is not None:
            return [refused]
        blocked = self._divert_blocked(now_s)
        if blocked is not None:
            code = (
                RefusalCode.EXPIRED
                if self._phase in (FlightPhase.ENTRY, FlightPhase.LANDING_BURN)
                else (
                    RefusalCode.GATE if "alternate" in blocked and "no-go" in blocked else RefusalCode.STATE
                )
            )
            return [Refused(at_s=now_s, who=user.name, request=request, code=code, reason=blocked)]
        return self._divert(now_s, user.name, "divert ordered by the launch director")

    # --- helpers -----------------------------------------------------------------------------

    def _divert_possible(self, now_s: float) -> bool:
        """``_divert_blocked(now_s) is None``, without making the reason (asked at every tick)."""
        return (
            not self.diverted
            and self.alternate is not None
            and self._phase in PRE_ENTRY_PHASES
            and self.readiness(self.alternate, now_s).go
        )

    def _divert_blocked(self, now_s: float) -> str | None:
        if self.diverted:
            return f"already diverted to {self._target.name}"
        if self.alternate is None:
            return "no alternate platform in this mission"
        if self._phase not in PRE_ENTRY_PHASES:
            shown = "unknown" if self._phase is None else self._phase.name
            if self._phase in (FlightPhase.ENTRY, FlightPhase.LANDING_BURN):
                return f"past the entry point (phase {shown})"
            return f"not in flight before the entry point (phase {shown})"
        alternate = self.readiness(self.alternate, now_s)
        if not alternate.go:
            return f"alternate no-go: {alternate.reason}"
        return None

    def _divert(self, now_s: float, who: str | None, reason: str) -> list[Action]:
        assert self.alternate is not None
        source = self._target
        self._target = self.alternate
        return [
            DivertDecided(
                at_s=now_s, who=who, reason=reason, from_platform=source.name, to_platform=self.alternate.name
            ),
            CommandVehicle(
                at_s=now_s, who=who, reason=reason, command=VehicleCommand.DIVERT, target=self.alternate.name
            ),
        ]

    def _condition(
        self, out: list[AlertCondition], key: str, severity: Severity | None, message: str
    ) -> None:
        if self._alerted.get(key) is severity:
            return
        self._alerted[key] = severity
        if severity is None:
            out.append(AlertCondition.cleared(key, message, _SOURCE))
        else:
            out.append(AlertCondition(key, severity, message, _SOURCE))


# --- the config file -----------------------------------------------------------------------------


def load_landing_limits(path: Path | str) -> tuple[DeckLimits, DivertPolicy]:
    """Deck limits (``[deck_limits]``) and divert policy (top-level keys) of a landing file.

    Raises:
        ConfigError: naming the file, the key and what was expected.
    """
    path = Path(path)
    data = load_toml(path)
    limits = load_table(DeckLimits, data.get("deck_limits", {}), path, "deck_limits")
    policy = load_table(DivertPolicy, without(data, "deck_limits", "recovery"), path, "")
    return limits, policy
