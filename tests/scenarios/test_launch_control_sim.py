"""Launch control against the simulator: the "Done when" scenarios of the launch-control issue.

Each test runs one scenario as a user does (``gcs sitl --headless``, real simulator processes, real
links, the scripted launch team) and reads two things the run leaves in its session folder: the
verdict (``verdict.json``: the scenario's own expectations) and the journal (``journal.jsonl``: every
decision with its time, user and reason), from which the order of the decisions is checked: what a
post-launch review would rebuild the count from.

A failed run keeps its session folder under pytest's tmp_path and says where.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.scenarios.test_sitl_runs import _sitl

pytestmark = pytest.mark.slow

RUN_TIMEOUT_S = 600.0
"""Wall seconds for one run: generous, so a loaded machine makes a run slow rather than failed."""

DIRECTOR = "sitl-launch-director"
RANGE_SAFETY = "sitl-range-safety"


async def _run(tmp_path: Path, name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run scenario ``name``; its verdict (which must have passed) and its journal's records."""
    code, output, verdict = await _sitl(tmp_path, "--scenario", name, timeout_s=RUN_TIMEOUT_S)
    assert code == 0, f"{output}\nsession kept in {tmp_path}"
    assert verdict["passed"] is True, verdict
    assert all(check["ok"] for check in verdict["checks"]), verdict["checks"]
    journals = sorted(tmp_path.glob("*/journal.jsonl"))
    assert journals, f"no journal in {tmp_path}"
    records = [json.loads(line) for line in journals[-1].read_text().splitlines() if line.strip()]
    return verdict, records


def _actions(records: list[dict[str, Any]], action: str, **payload: object) -> list[dict[str, Any]]:
    """The journal's records of launch-control action ``action`` whose payload has these values."""
    return [r for r in records if r["payload"].get("action") == action
            and all(r["payload"].get(k) == v for k, v in payload.items())]


def _index(records: list[dict[str, Any]], record: dict[str, Any]) -> int:
    return next(i for i, r in enumerate(records) if r is record)


async def test_a_no_go_station_blocks_go_for_launch_and_the_count_is_scrubbed(tmp_path: Path) -> None:
    verdict, records = await _run(tmp_path, "no-go-station")
    assert "ignition" not in verdict["phases"], verdict["phases"]
    no_go = _actions(records, "poll_answered", station="weather", go=False)
    assert [r["who"] for r in no_go] == ["sitl-weather"]
    refused = _actions(records, "refused", request="go for launch")
    assert refused, "the insisting director's go for launch was not refused"
    assert refused[0]["who"] == DIRECTOR
    assert "weather no-go" in refused[0]["payload"]["reason"]
    assert _index(records, no_go[0]) < _index(records, refused[0])
    assert not _actions(records, "go_for_launch_given")
    assert not _actions(records, "command_vehicle", command="start_terminal_count")
    scrubs = _actions(records, "count_changed", to_state="scrubbed")
    assert [r["who"] for r in scrubs] == [DIRECTOR]


async def test_a_recycle_returns_to_its_point_and_forces_a_new_poll_round(tmp_path: Path) -> None:
    verdict, records = await _run(tmp_path, "recycle")
    assert verdict["phases"][-1] == "safe"
    recycles = _actions(records, "count_changed", hold_kind="recycle")
    assert len(recycles) == 1, recycles
    recycle = recycles[0]
    assert recycle["who"] == DIRECTOR
    assert recycle["payload"]["t_count_s"] == -120.0  # T-2 in quick-hop.toml
    at = _index(records, recycle)
    given = _actions(records, "go_for_launch_given")
    assert [r["payload"]["round"] for r in given] == [1, 2]
    assert _index(records, given[0]) < at < _index(records, given[1])
    closed = [r for r in _actions(records, "poll_closed", round=1) if _index(records, r) > at]
    assert closed, "the recycle did not close poll round 1"
    opened = _actions(records, "poll_opened", round=2)
    assert len(opened) == 1
    assert _index(records, opened[0]) > at
    answers = _actions(records, "poll_answered", round=2)
    assert len(answers) == len(opened[0]["payload"]["stations"])  # every station answered again
    # The director picked the count up again at the recycle point.
    resumed = [r for r in _actions(records, "count_changed", to_state="counting") if _index(records, r) > at]
    assert resumed, "the count was not picked up after the recycle"
    assert resumed[0]["payload"]["t_count_s"] == -120.0
    assert resumed[0]["who"] == DIRECTOR
    handoffs = _actions(records, "command_vehicle", command="start_terminal_count")
    assert len(handoffs) == 1
    assert _index(records, handoffs[0]) > _index(records, given[1])


async def test_flight_termination_is_armed_then_confirmed_by_range_safety(tmp_path: Path) -> None:
    verdict, records = await _run(tmp_path, "fts")
    assert verdict["phases"][-1] == "flight_termination"
    armed = _actions(records, "fts_armed")
    sent = _actions(records, "command_vehicle", command="flight_termination")
    assert [r["who"] for r in armed] == [RANGE_SAFETY]
    assert [r["who"] for r in sent] == [RANGE_SAFETY]
    assert _index(records, armed[0]) < _index(records, sent[0])
    assert sent[0]["t_unix_s"] <= armed[0]["payload"]["expires_at_s"]
    assert sent[0]["payload"]["reason"] == (
        f"flight termination armed by {RANGE_SAFETY}, confirmed by {RANGE_SAFETY}")
    assert not _actions(records, "refused")


async def test_an_ascent_that_leaves_the_corridor_raises_the_iip_alert(tmp_path: Path) -> None:
    verdict, records = await _run(tmp_path, "corridor")
    assert verdict["phases"][-1] == "flight_termination"
    corridor = _actions(records, "alert_raised", key="range:corridor")
    recommended = _actions(records, "alert_raised", key="range:terminate")
    assert corridor
    assert recommended
    assert "outside corridor tight" in corridor[0]["payload"]["reason"]
    assert "IIP outside the corridor" in recommended[0]["payload"]["reason"]
    # The range safety officer acts on the recommendation, in two steps.
    armed = _actions(records, "fts_armed")
    sent = _actions(records, "command_vehicle", command="flight_termination")
    assert [r["who"] for r in (*armed, *sent)] == [RANGE_SAFETY, RANGE_SAFETY]
    assert (_index(records, corridor[0]) <= _index(records, recommended[0])
            < _index(records, armed[0]) < _index(records, sent[0]))
    # It left the corridor in the climb.
    phases = [r["payload"]["to_phase"] for r in records[:_index(records, corridor[0])]
              if r["kind"] == "phase_change"]
    assert phases[-1] == "ascent", phases


async def test_a_primary_going_no_go_in_flight_leads_to_a_divert_and_a_landing_on_the_alternate(
    tmp_path: Path,
) -> None:
    verdict, records = await _run(tmp_path, "divert")
    assert verdict["phases"][-1] == "safe"
    decided = _actions(records, "divert_decided")
    assert len(decided) == 1, decided
    divert = decided[0]
    assert divert["who"] is None  # the automatic divert policy, not a person
    assert divert["payload"]["from_platform"] == "hop-barge"
    assert divert["payload"]["to_platform"] == "hop-alternate"
    assert divert["payload"]["reason"].startswith("primary no-go: hop-barge:")
    phases = [r["payload"]["to_phase"] for r in records[:_index(records, divert)]
              if r["kind"] == "phase_change"]
    assert phases[-1] in ("ascent", "coast"), phases  # in flight, before the entry point
    sent = _actions(records, "command_vehicle", command="divert")
    assert [r["payload"]["target"] for r in sent] == ["hop-alternate"]
    acks = [r for r in records if r["kind"] == "command_ack" and r["payload"].get("command") == "divert"]
    assert [r["payload"]["ok"] for r in acks] == [True], acks  # the vehicle took its new target
