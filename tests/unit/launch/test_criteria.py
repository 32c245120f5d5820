"""Launch commit criteria: persistence, staleness, phases, and what a violation says."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from gcs.domain.fields import Sample
from gcs.domain.limits import Comparator, Limit, Persistence
from gcs.domain.phases import FlightPhase
from gcs.errors import ConfigError
from gcs.launch.criteria import (
    CommitCriteria,
    CommitCriterion,
    CriterionCleared,
    CriterionState,
    CriterionStatus,
    CriterionViolated,
    load_criteria,
)
from gcs.launch.gates import Gate
from tests.unit.launch.helpers import CONFIGS, of_type

PITCH = "landing_platform.pitch_max_10min_deg"
PRE_LAUNCH = frozenset({FlightPhase.STANDBY, FlightPhase.TERMINAL_COUNT})


def rule(persistence: Persistence = Persistence(), max_age_s: float | None = None) -> CommitCriterion:  # noqa: B008
    return CommitCriterion(
        "landing deck pitch", PITCH, Limit(Comparator.LE, 3.0), persistence, PRE_LAUNCH, max_age_s
    )


def feed(c: CommitCriteria, value: float, t: float, phase: FlightPhase = FlightPhase.STANDBY) -> list[object]:
    return list(c.update([Sample(PITCH, value, t)], phase, t))


def state(c: CommitCriteria) -> CriterionState:
    return c.status()[0].state


def test_persistence_in_samples() -> None:
    c = CommitCriteria([rule(Persistence(samples=3))])
    feed(c, 1.0, 0.0)
    assert state(c) is CriterionState.GO
    feed(c, 4.0, 1.0)
    feed(c, 4.0, 2.0)
    assert state(c) is CriterionState.PENDING
    assert c.gate().go  # pending is still go
    feed(c, 2.0, 3.0)  # one good sample resets the count
    feed(c, 4.0, 4.0)
    feed(c, 4.0, 5.0)
    assert state(c) is CriterionState.PENDING
    (violated,) = of_type(feed(c, 4.2, 6.0), CriterionViolated)  # type: ignore[arg-type]
    assert state(c) is CriterionState.NO_GO
    assert (violated.criterion, violated.field, violated.value, violated.limit) == (
        "landing deck pitch",
        PITCH,
        4.2,
        "<= 3",
    )
    assert violated.reason == f"landing deck pitch: {PITCH} = 4.2, must be <= 3 (for 3 samples)"
    assert not c.gate().go
    assert "4.2" in c.gate().reason
    assert of_type(feed(c, 4.5, 7.0), CriterionViolated) == []  # announced once  # type: ignore[arg-type]
    (cleared,) = of_type(feed(c, 2.5, 8.0), CriterionCleared)  # type: ignore[arg-type]
    assert cleared.value == 2.5
    assert c.gate().go


def test_persistence_in_seconds_counts_from_the_first_breaching_sample() -> None:
    c = CommitCriteria([rule(Persistence.of_seconds(5.0))])
    feed(c, 4.0, 10.0)
    assert of_type(c.update([], FlightPhase.STANDBY, 14.9), CriterionViolated) == []
    assert state(c) is CriterionState.PENDING
    assert len(of_type(c.update([], FlightPhase.STANDBY, 15.0), CriterionViolated)) == 1
    assert state(c) is CriterionState.NO_GO


def test_no_data_and_stale_data_are_no_go() -> None:
    c = CommitCriteria([rule(max_age_s=5.0)])
    assert c.update([], FlightPhase.STANDBY, 0.0) == []  # never had data: no-go, but not news
    assert state(c) is CriterionState.NO_DATA
    assert "no data" in c.gate().reason
    feed(c, 1.0, 1.0)
    assert c.gate().go
    actions = c.update([], FlightPhase.STANDBY, 6.5)
    assert state(c) is CriterionState.NO_DATA
    (violated,) = of_type(actions, CriterionViolated)
    assert violated.state is CriterionState.NO_DATA
    assert "stale" in violated.reason
    assert len(of_type(feed(c, 1.0, 7.0), CriterionCleared)) == 1  # type: ignore[arg-type]


def test_nan_is_a_breach() -> None:
    c = CommitCriteria([rule()])
    feed(c, math.nan, 0.0)
    assert state(c) is CriterionState.NO_GO


def test_rules_apply_only_in_their_phases_and_all_apply_when_the_phase_is_unknown() -> None:
    c = CommitCriteria([rule()])
    feed(c, 9.0, 0.0, FlightPhase.ASCENT)
    assert state(c) is CriterionState.INACTIVE
    assert c.gate().go
    c.update([Sample(PITCH, 9.0, 1.0)], None, 1.0)
    assert state(c) is CriterionState.NO_GO


def test_unknown_fields_and_duplicate_names_are_refused() -> None:
    with pytest.raises(ValueError, match=r"did you mean landing_platform\.pitch_max_10min_deg"):
        CommitCriterion("x", "landing_platform.pitch_max_10min", Limit(Comparator.LE, 3.0))
    with pytest.raises(ValueError, match="distinct names"):
        CommitCriteria([rule(), rule()])


def test_the_shipped_criteria_load_and_cover_the_platforms() -> None:
    criteria = load_criteria(CONFIGS / "limits" / "commit-criteria.toml")
    fields = {c.field for c in criteria}
    for field in (
        "landing_platform.pitch_max_10min_deg",
        "landing_platform.roll_max_10min_deg",
        "landing_platform.heave_max_10min_m",
        "landing_platform.wind_over_deck_speed_mps",
        "landing_platform.station_keeping_error_m",
        "launch_platform.pitch_max_10min_deg",
    ):
        assert field in fields
    assert all(FlightPhase.ASCENT not in c.phases for c in criteria)


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        (
            '[[criteria]]\nname = "a"\nfield = "gnss.hdop"\nmust_be = "<"\n',
            "criteria[0].must_be",
            "needs limit",
        ),
        (
            '[[criteria]]\nname = "a"\nfield = "gnss.hdop"\nmust_be = "<<"\nlimit = 1\n',
            "criteria[0].must_be",
            "one of <, <=",
        ),
        (
            '[[criteria]]\nname = "a"\nfield = "gnss.hdp"\nmust_be = "<"\nlimit = 1\n',
            "criteria[0].field",
            "did you mean gnss.hdop",
        ),
        (
            '[[criteria]]\nname = "a"\nfield = "gnss.hdop"\nmust_be = "<"\nlimit = 1\nphases = ["boost"]\n',
            "criteria[0].phases",
            "flight phase names",
        ),
        (
            '[[criteria]]\nname = "a"\nfield = "gnss.hdop"\nmust_be = "<"\nlimit = 1\npersistence_s = 1\n'
            "persistence_samples = 2\n",
            "criteria[0].persistence_s",
            "not both",
        ),
        (
            '[[criteria]]\nname = "a"\nfield = "gnss.hdop"\nmust_be = "<"\nlimit = 1\nmax_age_s = 0\n',
            "criteria[0].max_age_s",
            "> 0",
        ),
        (
            '[[criteria]]\nname = "a"\nfield = "gnss.hdop"\nmust_be = "<"\nlimit = 1\n' * 2,
            "criteria[1].name",
            "used once",
        ),
        ('[[criterion]]\nname = "a"\n', "criteria", "required"),
    ],
)
def test_mistakes_name_file_key_and_expectation(tmp_path: Path, text: str, key: str, expected: str) -> None:
    path = tmp_path / "lcc.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_criteria(path)
    assert (info.value.path, info.value.key) == (path, key)
    assert expected in info.value.expected


def _fresh_status(c: CommitCriteria) -> tuple[CriterionStatus, ...]:
    """The statuses as they were built before caching: new objects from each rule's live state."""
    return tuple(
        CriterionStatus(r.criterion, r.state, r.value, r.value_t_s, r.tracker.since_s)
        for r in c._rules  # the reference reads what the cache stands for
    )


def _fresh_gate(c: CommitCriteria) -> Gate:
    """The gate as it was computed before caching: every blocking rule described afresh."""
    blocking = [s.describe() for s in _fresh_status(c) if s.state.blocks]
    if blocking:
        more = f" (+{len(blocking) - 3} more)" if len(blocking) > 3 else ""
        return Gate(False, "; ".join(blocking[:3]) + more)
    return Gate(True, "all commit criteria go")


def test_cached_statuses_and_gates_are_those_built_afresh_through_a_long_random_run() -> None:
    """status() and gate() reuse what did not change; at every step of a seeded run over the shipped
    criteria (values in and out of limits, NaN, repeats, gaps past max age, phase changes) they equal
    the statuses and the gate built from scratch, so the cache never shows a stale reason."""
    criteria = load_criteria(CONFIGS / "limits" / "commit-criteria.toml")
    c = CommitCriteria(criteria)
    rng = random.Random(20261126)
    fields = sorted({r.field for r in criteria})
    values = [0.0, 0.5, 1.0, 2.0, 2.9, 3.0, 3.1, 4.0, 9.0, 25.0, 100.0, -1.0, math.nan]
    phases = [None, FlightPhase.SAFE, FlightPhase.STANDBY, FlightPhase.TERMINAL_COUNT, FlightPhase.ASCENT]
    phase: FlightPhase | None = FlightPhase.STANDBY
    now_s = 0.0
    repeated = Sample(fields[0], 1.0, 0.0)
    go_seen = no_go_seen = 0
    for _ in range(3000):
        step_s = rng.choice([0.0, 0.0, 0.0, 0.01, 0.1, 0.5, 1.0, 7.0])
        if step_s:  # else new values at the very same instant (the same float object)
            now_s += step_s
        if rng.random() < 0.02:
            phase = rng.choice(phases)
        roll = rng.random()
        if roll < 0.5:
            samples = [
                Sample(rng.choice(fields), rng.choice(values), now_s) for _ in range(rng.randint(1, 12))
            ]
        elif roll < 0.6:
            samples = [repeated]  # the very same objects again: the cache's identity test must hold
        else:
            samples = []
        c.update(samples, phase, now_s)
        for _ in range(rng.randint(0, 3)):
            gate = c.gate()
            assert gate == _fresh_gate(c)
            go_seen += gate.go
            no_go_seen += not gate.go
            assert c.status() == _fresh_status(c)
    assert go_seen
    assert no_go_seen
