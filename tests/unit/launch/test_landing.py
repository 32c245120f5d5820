"""Landing readiness in flight and the divert decision: before the entry point only, once."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gcs.domain.landing import DeckLimits
from gcs.domain.phases import FlightPhase
from gcs.domain.platform import DeckState, PlatformSite
from gcs.domain.roles import User
from gcs.errors import ConfigError
from gcs.launch.actions import CommandVehicle, RefusalCode, VehicleCommand
from gcs.launch.alerts import Severity
from gcs.launch.landing import DivertDecided, DivertPolicy, LandingMonitor, load_landing_limits
from tests.unit.domain.test_landing import CALM
from tests.unit.launch.helpers import CONFIGS, DIRECTOR, OPERATOR, of_type, refusals

PRIMARY = PlatformSite("landing-barge", 31.159, -121.933, 2.5)
ALTERNATE = PlatformSite("alternate-barge", 31.533, -122.388, 2.5)
ROUGH = {"roll_max_10min_deg": 4.5}


def deck(platform: str, t_s: float, **change: object) -> DeckState:
    return dataclasses.replace(CALM, platform=platform, t_s=t_s, **change)  # type: ignore[arg-type]


class Sea:
    """Both platforms' decks, re-sent every second as a link would."""

    def __init__(self, *, primary_rough: bool = False, alternate_rough: bool = False) -> None:
        self.primary: dict[str, object] = dict(ROUGH) if primary_rough else {}
        self.alternate: dict[str, object] = dict(ROUGH) if alternate_rough else {}

    def send(self, m: LandingMonitor, t_s: float) -> None:
        m.observe_deck(deck(PRIMARY.name, t_s, **self.primary))
        m.observe_deck(deck(ALTERNATE.name, t_s, **self.alternate))


def monitor(phase: FlightPhase | None, sea: Sea, policy: DivertPolicy | None = None) -> LandingMonitor:
    m = LandingMonitor(PRIMARY, ALTERNATE, DeckLimits(), policy or DivertPolicy(no_go_persistence_s=10.0))
    if phase is not None:
        m.observe_phase(phase)
    sea.send(m, 0.0)
    return m


def run(m: LandingMonitor, sea: Sea, until_s: float, from_s: float = 0.0) -> list[object]:
    out: list[object] = []
    t = from_s
    while t <= until_s:
        sea.send(m, t)
        actions, _ = m.tick(t)
        out += actions
        t += 1.0
    return out


@pytest.mark.parametrize(
    ("phase", "alternate_rough", "diverts"),
    [
        (FlightPhase.ASCENT, False, True),
        (FlightPhase.COAST, False, True),
        (FlightPhase.COAST, True, False),  # nowhere better to go
        (FlightPhase.ENTRY, False, False),  # past the entry point
        (FlightPhase.LANDING_BURN, False, False),
        (FlightPhase.STANDBY, False, False),  # before liftoff the count holds instead
        (None, False, False),
    ],
)
def test_automatic_divert_table(phase: FlightPhase | None, alternate_rough: bool, diverts: bool) -> None:
    sea = Sea(primary_rough=True, alternate_rough=alternate_rough)
    m = monitor(phase, sea)
    actions = run(m, sea, 12.0)
    decided = of_type(actions, DivertDecided)  # type: ignore[arg-type]
    assert bool(decided) is diverts
    assert m.diverted is diverts
    if diverts:
        (command,) = of_type(actions, CommandVehicle)  # type: ignore[arg-type]
        assert (command.command, command.target, command.who) == (VehicleCommand.DIVERT, ALTERNATE.name, None)
        assert "roll max 10 min deg 4.5" in decided[0].reason
        assert m.target is ALTERNATE


def test_divert_waits_for_the_no_go_to_persist() -> None:
    sea = Sea(primary_rough=True)
    m = monitor(FlightPhase.COAST, sea)
    assert of_type(run(m, sea, 9.0), DivertDecided) == []  # type: ignore[arg-type]
    assert m.status(9.0).primary_no_go_since_s == 0.0
    run(m, sea, 10.0, from_s=10.0)
    assert m.diverted


def test_a_gust_that_passes_does_not_divert() -> None:
    sea = Sea(primary_rough=True)
    m = monitor(FlightPhase.COAST, sea)
    run(m, sea, 5.0)
    sea.primary = {}
    run(m, sea, 20.0, from_s=6.0)
    assert m.status(20.0).primary_no_go_since_s is None
    assert not m.diverted


def test_no_go_target_after_entry_is_a_warning_that_says_so() -> None:
    m = monitor(FlightPhase.ENTRY, Sea(primary_rough=True))
    _, conditions = m.tick(0.0)
    (warning,) = [c for c in conditions if c.key == "landing:landing-barge"]
    assert warning.severity is Severity.WARNING
    assert "past the entry point" in warning.message


def test_no_divert_possible_is_alerted() -> None:
    sea = Sea(primary_rough=True, alternate_rough=True)
    m = monitor(FlightPhase.COAST, sea)
    m.tick(0.0)
    sea.send(m, 10.0)
    _, conditions = m.tick(10.0)
    assert any(c.key == "landing:no_divert" and c.severity is Severity.WARNING for c in conditions)


@pytest.mark.parametrize(
    ("phase", "user", "code"),
    [
        (FlightPhase.COAST, OPERATOR, RefusalCode.ROLE),
        (FlightPhase.ENTRY, DIRECTOR, RefusalCode.EXPIRED),
        (FlightPhase.STANDBY, DIRECTOR, RefusalCode.STATE),
    ],
)
def test_manual_divert_refusals(phase: FlightPhase, user: User, code: RefusalCode) -> None:
    m = monitor(phase, Sea())
    refused = refusals(m.command_divert(user, 1.0))
    assert [r.code for r in refused] == [code]
    assert not m.diverted


def test_manual_divert_to_a_rough_alternate_is_refused_then_once_only() -> None:
    m = monitor(FlightPhase.COAST, Sea(alternate_rough=True))
    assert refusals(m.command_divert(DIRECTOR, 1.0))[0].code is RefusalCode.GATE
    m.observe_deck(deck(ALTERNATE.name, 1.0))
    actions = m.command_divert(DIRECTOR, 1.0)
    assert of_type(actions, DivertDecided)[0].who == DIRECTOR.name
    refused = refusals(m.command_divert(DIRECTOR, 2.0))
    assert "already diverted" in refused[0].reason


def test_policy_can_leave_the_divert_to_the_director() -> None:
    sea = Sea(primary_rough=True)
    m = monitor(FlightPhase.COAST, sea, DivertPolicy(0.0, automatic=False))
    assert of_type(run(m, sea, 5.0), DivertDecided) == []  # type: ignore[arg-type]


def test_shipped_landing_limits_load(tmp_path: Path) -> None:
    limits, policy = load_landing_limits(CONFIGS / "limits" / "landing.toml")
    assert limits == DeckLimits(station_keeping_error_m=5.0)
    assert policy == DivertPolicy(no_go_persistence_s=10.0, automatic=True)
    path = tmp_path / "landing.toml"
    path.write_text("no_go_persistence = 1\n")
    with pytest.raises(ConfigError) as info:
        load_landing_limits(path)
    assert info.value.key == "no_go_persistence"
