"""Judging a SITL run: what was seen, against what the scenario expects. Pure.

``Observations`` is fed the values a run produces, in order (the vehicle's phase, its state, deck
states, the launch status); ``judge`` turns them and a scenario's ``Expectations`` into a
``Verdict``: one ``Check`` per expectation with what was seen, so a failed run says exactly why.

Knows nothing of processes, the hub or time sources: the runner feeds it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from gcs.domain.geodesy import GeoPoint, distance_m
from gcs.domain.phases import FlightPhase
from gcs.domain.platform import DeckState
from gcs.domain.vehicle import VehicleState
from gcs.launch.control import LaunchStatus
from gcs.launch.countdown import CountState, HoldKind
from gcs.launch.recovery import RecoveryState
from gcs.links.sea_platform_values import PlatformFeedHealth
from gcs.links.touchdown_report import parse_touchdown_report
from gcs.sitl.scenario import Expectations

ON_DECK_RADIUS_M = 30.0
"""A vehicle standing within this distance of a deck's centre stands on that deck (half a barge's width)."""


#: The phases a touchdown leads to: a late touchdown report belongs before them.
_AFTER_TOUCHDOWN = (FlightPhase.SAFING, FlightPhase.SAFE)

@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class Verdict:
    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        return all(c.ok for c in self.checks)

    def lines(self) -> list[str]:
        return [f"{'PASS' if c.ok else 'FAIL'}  {c.name}: {c.detail}" for c in self.checks]


@dataclass
class Observations:
    """Everything a verdict needs, gathered while the run goes."""

    phases: list[FlightPhase] = field(default_factory=list)
    """Every phase the vehicle reported, each change once."""
    automatic_holds: list[str] = field(default_factory=list)
    alert_keys: set[str] = field(default_factory=set)
    last_vehicle: VehicleState | None = None
    decks: dict[str, DeckState] = field(default_factory=dict)
    touchdown_speed_mps: float | None = None
    """Descent rate at touchdown: the vehicle's own report, else the last state before TOUCHDOWN."""
    touchdown_platform: str | None = None
    touchdown_miss_m: float | None = None
    refusals: list[str] = field(default_factory=list)
    """Reasons launch control gave for refusing the team's requests."""
    scrubbed: bool = False
    bad_input: dict[str, int] = field(default_factory=dict)
    """Per platform: input its feed counted and skipped (lines lost, implausible motion)."""
    recovery_open: bool = False
    """The recovery checklist is open (started at touchdown or safing, not yet complete)."""
    diverted_in: FlightPhase | None = None
    """The vehicle's phase when launch control first showed the flight diverted."""
    diverted: bool = False
    station_restarts: int = 0
    """How often the ground station was killed and started again during the run."""
    taken_over_in: FlightPhase | None = None
    """The vehicle's phase when a restarted station first showed the flight as flown (T-plus)."""

    def station_restarted(self) -> None:
        self.station_restarts += 1
        self.taken_over_in = None

    @property
    def phase(self) -> FlightPhase | None:
        return self.phases[-1] if self.phases else None

    def vehicle_phase(self, phase: FlightPhase) -> None:
        if phase != self.phase:
            self.phases.append(phase)

    def vehicle_state(self, state: VehicleState) -> None:
        if state.phase is FlightPhase.TOUCHDOWN and self.touchdown_speed_mps is None:
            before = self.last_vehicle if self.last_vehicle is not None else state
            self.touchdown_speed_mps = max(0.0, before.velocity_down_mps)
        self.last_vehicle = state
        self.vehicle_phase(state.phase)

    def status_text(self, text: str) -> None:
        """A STATUSTEXT from the vehicle; its touchdown report settles where and how it landed."""
        report = parse_touchdown_report(text)
        if report is None:
            return
        self.touchdown_platform = report.platform
        self.touchdown_speed_mps = report.vertical_speed_down_mps
        self.touchdown_miss_m = report.miss_m
        # TOUCHDOWN can be shorter than a heartbeat, and the report can come after the heartbeat
        # of the phase that follows it: put it where it was, before the safing.
        if FlightPhase.TOUCHDOWN in self.phases[-len(_AFTER_TOUCHDOWN) - 1 :]:
            return
        at = len(self.phases)
        while at > 0 and self.phases[at - 1] in _AFTER_TOUCHDOWN:
            at -= 1
        self.phases.insert(at, FlightPhase.TOUCHDOWN)

    def deck(self, deck: DeckState) -> None:
        if math.isfinite(deck.latitude_deg) and math.isfinite(deck.longitude_deg):
            self.decks[deck.platform] = deck  # a deck with no position fix yet is nowhere

    def feed_health(self, health: PlatformFeedHealth) -> None:
        c = health.counters
        lost = (c.checksum_errors + c.over_long + c.truncated + c.malformed
                + sum(c.parse_failures.values()))
        implausible = sum(n for reason, n in health.ignored.items() if "implausible" in reason)
        self.bad_input[health.platform] = lost + implausible

    def refused(self, reason: str) -> None:
        self.refusals.append(reason)

    def launch_status(self, status: LaunchStatus) -> None:
        if self.station_restarts and self.taken_over_in is None and status.countdown.lifted_off:
            self.taken_over_in = status.countdown.vehicle_phase or self.phase
        if status.countdown.state is CountState.SCRUBBED:
            self.scrubbed = True
        hold = status.countdown.hold
        if hold is not None and hold.kind is HoldKind.AUTOMATIC and (
            not self.automatic_holds or self.automatic_holds[-1] != hold.reason
        ):
            self.automatic_holds.append(hold.reason)
        self.alert_keys.update(alert.key for alert in status.alerts)
        self.recovery_open = status.recovery_state is RecoveryState.OPEN
        if status.landing.diverted and not self.diverted:
            self.diverted = True
            self.diverted_in = self.phase

    def standing_on(self) -> tuple[str | None, float | None]:
        """The platform whose deck the vehicle is on (by position), and the distance to the nearest deck."""
        vehicle = self.last_vehicle
        if vehicle is None or not self.decks:
            return None, None
        here = GeoPoint(vehicle.latitude_deg, vehicle.longitude_deg)
        name, deck = min(
            self.decks.items(),
            key=lambda kv: distance_m(here, GeoPoint(kv[1].latitude_deg, kv[1].longitude_deg)),
        )
        gap_m = distance_m(here, GeoPoint(deck.latitude_deg, deck.longitude_deg))
        return (name if gap_m <= ON_DECK_RADIUS_M else None), gap_m


def _in_order(seen: list[FlightPhase], wanted: tuple[FlightPhase, ...]) -> FlightPhase | None:
    """The first wanted phase not seen after the ones before it, or None if all were."""
    it = iter(seen)
    for phase in wanted:
        if not any(p == phase for p in it):
            return phase
    return None


def judge(expect: Expectations, seen: Observations, *, timed_out: bool) -> Verdict:
    checks: list[Check] = []
    trail = " > ".join(p.config_name for p in seen.phases) or "none"
    missing = _in_order(seen.phases, expect.phase_values)
    checks.append(Check(
        "phases", missing is None,
        f"saw {trail}" if missing is None else f"{missing.config_name} not reached in order; saw {trail}",
    ))
    ends = expect.end_phase_values
    end = seen.phase
    checks.append(Check(
        "end state", end in ends and not timed_out,
        ("timed out in " if timed_out else "ended in ") + (end.config_name if end is not None else "no phase")
        + f" (expected {' or '.join(sorted(p.config_name for p in ends))})",
    ))
    if expect.landed_on is not None:
        on, gap_m = seen.standing_on()
        gap = "no position" if gap_m is None else f"{gap_m:.1f} m from the nearest deck centre"
        reported = seen.touchdown_platform
        if reported is not None:
            gap += f"; the vehicle reports touchdown on {reported}, {seen.touchdown_miss_m:g} m off centre"
        ok = on == expect.landed_on and reported in (None, expect.landed_on)
        checks.append(Check("landed on", ok, f"on {on or 'no deck'} ({gap})"))
        speed = seen.touchdown_speed_mps
        checks.append(Check(
            "touchdown speed",
            speed is not None and speed <= expect.max_touchdown_speed_mps,
            "no touchdown seen" if speed is None
            else f"{speed:.2f} m/s down (limit {expect.max_touchdown_speed_mps:g})",
        ))
    for words in expect.holds:
        hit = next((r for r in seen.automatic_holds if words in r), None)
        checks.append(Check(f"hold '{words}'", hit is not None, hit or f"holds seen: {seen.automatic_holds}"))
    if expect.no_holds:
        checks.append(Check("no automatic hold", not seen.automatic_holds,
                            "none" if not seen.automatic_holds else "; ".join(seen.automatic_holds)))
    if expect.scrubbed or seen.scrubbed:
        checks.append(Check("scrubbed", seen.scrubbed == expect.scrubbed,
                            "the count was scrubbed" if seen.scrubbed else "the count was not scrubbed"))
    for name in expect.bad_input_counted:
        count = seen.bad_input.get(name, 0)
        checks.append(Check(f"bad input counted on {name}", count > 0,
                            f"{count} lines or values counted and skipped"))
    for words in expect.refused:
        hit = next((r for r in seen.refusals if words in r), None)
        checks.append(Check(f"refused '{words}'", hit is not None, hit or f"refusals seen: {seen.refusals}"))
    if expect.divert_in:
        wanted = expect.divert_in_values
        phase = seen.diverted_in
        checks.append(Check(
            "divert", seen.diverted and phase in wanted,
            "no divert" if not seen.diverted
            else f"diverted in {phase.config_name if phase is not None else 'no phase'}"
            f" (expected {' or '.join(p.config_name for p in wanted)})",
        ))
    if expect.station_restarts or seen.station_restarts:
        checks.append(Check("station restarted", seen.station_restarts == expect.station_restarts,
                            f"{seen.station_restarts} restart(s) (expected {expect.station_restarts})"))
    if expect.station_restarts:
        taken = seen.taken_over_in
        checks.append(Check(
            "flight taken over", taken is not None,
            f"the restarted station showed the flight in {taken.config_name}" if taken is not None
            else "the restarted station never showed the flight as flown",
        ))
    for key in expect.alerts:
        checks.append(Check(f"alert {key}", key in seen.alert_keys,
                            "raised" if key in seen.alert_keys else f"raised: {sorted(seen.alert_keys)}"))
    return Verdict(tuple(checks))
