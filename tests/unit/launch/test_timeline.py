"""Countdown files: the shipped ones load; every kind of mistake names the file, key and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from gcs.errors import ConfigError
from gcs.launch.timeline import EventKind, load_timeline
from tests.unit.launch.helpers import CONFIGS


@pytest.mark.parametrize("name", ["cargo-hop", "quick-hop"])
def test_shipped_countdowns_load(name: str) -> None:
    timeline = load_timeline(CONFIGS / "countdowns" / f"{name}.toml")
    assert timeline.name == name
    kinds = {e.kind for e in timeline.events}
    assert kinds == set(EventKind)
    assert {s.name for s in timeline.stations} == {
        "launch_director",
        "vehicle",
        "propulsion",
        "range",
        "landing_platform",
        "weather",
    }
    assert timeline.recycle_points


def test_the_quick_hop_takes_a_few_minutes() -> None:
    timeline = load_timeline(CONFIGS / "countdowns" / "quick-hop.toml")
    built_in_s = sum(e.duration_s or 0.0 for e in timeline.events)
    assert -timeline.start_t_s + built_in_s <= 300.0


GOOD_HEAD = (
    'name = "t"\nstart_t_s = -60.0\n[[stations]]\nname = "ld"\ntitle = "LD"\nrole = "launch_director"\n'
)
HANDOFF = '[[events]]\nt_s = -10.0\nname = "h"\nkind = "handoff"\n'


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        (GOOD_HEAD, "events", "required"),
        (
            GOOD_HEAD + '[[events]]\nt_s = -20.0\nname = "x"\nkind = "command"\n' + HANDOFF,
            "events[0].command",
            "a value for a command event",
        ),
        (
            GOOD_HEAD
            + '[[events]]\nt_s = -20.0\nname = "x"\nkind = "command"\ncommand = "flight_termination"\n'
            + HANDOFF,
            "events[0].command",
            "one of arm, engine_chill",
        ),
        (
            GOOD_HEAD + '[[events]]\nt_s = -20.0\nname = "x"\nkind = "poll"\nduration_s = 5.0\n' + HANDOFF,
            "events[0].duration_s",
            "nothing",
        ),
        (
            GOOD_HEAD + '[[events]]\nt_s = -20.0\nname = "x"\nkind = "hold"\nduration_s = -5.0\n' + HANDOFF,
            "events[0].duration_s",
            "> 0",
        ),
        (
            GOOD_HEAD + '[[events]]\nt_s = -20.0\nname = "x"\nkind = "launch"\n' + HANDOFF,
            "events[0].kind",
            "one of command, check",
        ),
        (
            GOOD_HEAD + '[[events]]\nt_s = 5.0\nname = "x"\nkind = "milestone"\n' + HANDOFF,
            "events[0].t_s",
            "<= 0",
        ),
        (
            GOOD_HEAD + HANDOFF + '[[events]]\nt_s = -20.0\nname = "x"\nkind = "milestone"\n',
            "events[1].t_s",
            "time order",
        ),
        (GOOD_HEAD + '[[events]]\nt_s = -20.0\nname = "x"\nkind = "milestone"\n', "events", "exactly one"),
        (
            GOOD_HEAD + HANDOFF + '[[events]]\nt_s = -5.0\nname = "x"\nkind = "poll"\n',
            "events[1].kind",
            "only milestones after the hand-off",
        ),
        (
            GOOD_HEAD + HANDOFF + '[[recycle_points]]\nname = "r"\nt_s = -5.0\n',
            "recycle_points[0].t_s",
            "before the hand-off",
        ),
        (
            GOOD_HEAD + HANDOFF + '[[stations]]\nname = "ld"\ntitle = "again"\nrole = "weather"\n',
            "stations[1].name",
            "a name used once",
        ),
        (
            GOOD_HEAD + HANDOFF + '[[stations]]\nname = "w"\ntitle = "W"\nrole = "viewer"\n',
            "stations[1].role",
            "not viewer",
        ),
        (
            GOOD_HEAD + HANDOFF + '[[stations]]\nname = "w"\ntitle = "W"\nrole = "weatherman"\n',
            "stations[1].role",
            "one of viewer, operator",
        ),
        (GOOD_HEAD.replace("-60.0", "-5.0") + HANDOFF, "start_t_s", "<= the first event"),
        ("stat_t_s = 1\n" + GOOD_HEAD + HANDOFF, "stat_t_s", "one of "),
    ],
)
def test_mistakes_name_file_key_and_expectation(tmp_path: Path, text: str, key: str, expected: str) -> None:
    path = tmp_path / "count.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_timeline(path)
    assert info.value.path == path
    assert info.value.key == key
    assert expected in info.value.expected


def test_a_minimal_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "count.toml"
    path.write_text(GOOD_HEAD + HANDOFF)
    timeline = load_timeline(path)
    assert timeline.handoff_t_s == -10.0
    assert timeline.recycle_points == ()
