"""What the launch cores show (statuses, gates, deck verdicts) is asked for several times per input
and at every tick, so they keep it until it changes. Each table here drives one core through a
long seeded run and checks, at every step, that what it shows equals what is made from scratch."""

from __future__ import annotations

import dataclasses
import math
import random

from gcs.domain.fields import Sample
from gcs.domain.landing import DeckLimits, assess_deck
from gcs.domain.phases import FlightPhase
from gcs.domain.roles import Role, User
from gcs.launch.alerts import AlertBoard, AlertCondition, Severity
from gcs.launch.landing import DivertPolicy, LandingMonitor
from gcs.launch.poll import GoNoGoPoll
from gcs.launch.recovery import ItemStatus, RecoveryChecklist, load_recovery
from gcs.launch.redlines import RedLines, RedLineStatus, load_red_lines
from tests.unit.domain.test_landing import CALM
from tests.unit.launch.helpers import CONFIGS, DIRECTOR, OPERATOR, PLATFORM, STATION_USERS, STATIONS
from tests.unit.launch.test_landing import ALTERNATE, PRIMARY

STEPS = 3000
PHASES = [None, *FlightPhase]


def test_the_poll_shows_what_its_state_makes_after_every_request() -> None:
    rng = random.Random(1)
    poll = GoNoGoPoll(STATIONS)
    stranger = User.of("sam", Role.VIEWER)
    for step in range(STEPS):
        now_s = float(step)
        roll = rng.random()
        if roll < 0.1:
            poll.open(now_s, rng.choice([DIRECTOR, None, stranger]))
        elif roll < 0.6:
            station = rng.choice([*STATION_USERS, "nobody"])
            user = STATION_USERS.get(station, stranger) if rng.random() < 0.9 else stranger
            go = rng.random() < 0.7
            reason = "" if go and rng.random() < 0.5 else rng.choice(["wind", "x"])
            poll.answer(user, station, go, now_s, reason)
        elif roll < 0.7:
            poll.give_go_for_launch(rng.choice([DIRECTOR, stranger]), now_s)
        elif roll < 0.8:
            poll.revoke_go_for_launch("hold", now_s)
        elif roll < 0.9:
            poll.set_blocker(rng.choice(["fleet", "cargo"]), rng.choice([None, "limit", "other"]), now_s)
        else:
            poll.close("recycle", now_s)
        for _ in range(rng.randint(0, 2)):
            assert poll.status() == poll._make_status()  # the uncached form
            assert poll.poll_gate() == poll._make_poll_gate()
            assert poll.go_for_launch_gate() == poll._make_go_for_launch_gate()


def test_red_lines_show_what_their_watches_hold_after_every_update() -> None:
    rng = random.Random(2)
    lines = RedLines(load_red_lines(CONFIGS / "limits" / "red-lines.toml"))
    fields = sorted({w.red_line.field for w in lines._watches})
    edges = {
        x
        for w in lines._watches
        for limit in (w.red_line.red, w.red_line.yellow)
        if limit is not None
        for x in (limit.limit, limit.low, limit.high)
        if x is not None
    }
    values = [*sorted({e * f for e in edges for f in (0.5, 0.99, 1.0, 1.01, 2.0)} | {-1e9, 1e9}), math.nan]
    phase: FlightPhase | None = FlightPhase.ASCENT
    now_s = 0.0
    levels_seen = set()
    for _ in range(STEPS):
        now_s += rng.choice([0.0, 0.1, 1.0, 5.0])
        if rng.random() < 0.05:
            phase = rng.choice(PHASES)
        samples = [Sample(rng.choice(fields), rng.choice(values), now_s) for _ in range(rng.randint(0, 6))]
        lines.update(samples, phase, now_s)
        for _ in range(rng.randint(0, 2)):
            fresh = tuple(
                RedLineStatus(w.red_line, w.level, w.value, w.value_t_s)
                for w in lines._watches  # the uncached form
            )
            assert lines.status() == fresh
            levels_seen |= {s.level for s in fresh}
    assert len(levels_seen) == 3


def test_the_recovery_checklist_shows_what_is_done_after_every_step() -> None:
    rng = random.Random(3)
    items = load_recovery(CONFIGS / "limits" / "landing.toml")
    fields = sorted({i.field for i in items if i.field is not None})
    done_counts = set()
    for _ in range(60):  # many short recoveries: each one ends complete or stuck
        checklist = RecoveryChecklist(items)
        for step in range(50):
            now_s = float(step)
            roll = rng.random()
            if roll < 0.2:
                checklist.observe_phase(rng.choice(list(FlightPhase)), now_s)
            elif roll < 0.7:
                checklist.update([Sample(rng.choice(fields), rng.choice([0.0, 1.0, 0.5]), now_s)], now_s)
            else:
                checklist.confirm(rng.choice([PLATFORM, OPERATOR]), rng.choice(items).name, now_s)
            done = checklist._done  # the uncached form
            fresh = tuple(
                ItemStatus(
                    item,
                    item.name in done,
                    done[item.name][0] if item.name in done else None,
                    done[item.name][1] if item.name in done else None,
                    tuple(r for r in item.requires if r not in done),
                )
                for item in items
            )
            assert checklist.status() == fresh
            done_counts.add(sum(s.done for s in fresh))
    assert done_counts == set(range(len(items) + 1))


def test_deck_verdicts_are_those_assess_deck_gives_as_decks_age_and_change() -> None:
    """The same deck state judged again keeps its findings while its data stays fresh (or absent);
    a new state, or an age crossing the limit either way, is judged afresh."""
    rng = random.Random(4)
    limits = DeckLimits()
    monitor = LandingMonitor(PRIMARY, ALTERNATE, limits, DivertPolicy(no_go_persistence_s=10.0))
    rough = [{}, {"roll_max_10min_deg": 4.5}, {"wind_over_deck_speed_mps": math.nan}, {"on_station": False}]
    decks = {PRIMARY.name: None, ALTERNATE.name: None}
    now_s = 0.0
    verdicts = set()
    for _ in range(STEPS):
        roll = rng.random()
        if roll < 0.15:
            name = rng.choice(list(decks))
            state = dataclasses.replace(CALM, platform=name, t_s=now_s - rng.choice([0.0, 1.0, 30.0]),
                                        **rng.choice(rough))  # type: ignore[arg-type]
            decks[name] = state
            monitor.observe_deck(state)
        # Time mostly goes on, by steps either side of the data age limit; now and then it repeats.
        now_s += rng.choice([0.0, 0.0, 0.1, 0.5, 1.0, limits.max_data_age_s / 2, limits.max_data_age_s])
        for site in (PRIMARY, ALTERNATE):
            got = monitor.readiness(site, now_s)
            assert got == assess_deck(site.name, decks[site.name], limits, now_s)
            verdicts.add((got.go, len(got.findings), got.findings[:1] and got.findings[0].quantity))
        if rng.random() < 0.3:
            monitor.tick(now_s)
    assert {go for go, _, _ in verdicts} == {True, False}
    assert {"deck state", "deck data age s", "roll max 10 min deg"} <= {q for _, _, q in verdicts}


def test_the_alert_board_lists_what_it_holds_worst_first_after_every_change() -> None:
    rng = random.Random(5)
    board = AlertBoard()
    keys = [f"k{i}" for i in range(6)]
    sizes = set()
    for step in range(STEPS):
        now_s = float(step // 3)  # some changes at one instant: ties keep the board's own order
        roll = rng.random()
        if roll < 0.5:
            key = rng.choice(keys)
            board.apply([AlertCondition(key, rng.choice(list(Severity)), f"m{step}", "test")], now_s)
        elif roll < 0.8:
            board.apply([AlertCondition.cleared(rng.choice(keys), "ok", "test")], now_s)
        else:
            board.acknowledge(DIRECTOR, rng.choice(keys), now_s)
        fresh = tuple(
            sorted(
                board._alerts.values(),  # the uncached form
                key=lambda a: (-a.peak_severity.rank, a.raised_at_s),
            )
        )
        assert board.alerts() == fresh
        assert board.alerts() == fresh  # asked again without a change
        sizes.add(len(fresh))
    assert len(sizes) > 3
