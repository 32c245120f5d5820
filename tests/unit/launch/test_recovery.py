"""The recovery checklist: opens at touchdown, telemetry items by themselves, people in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from gcs.domain.fields import Sample
from gcs.domain.phases import FlightPhase
from gcs.errors import ConfigError
from gcs.launch.actions import RefusalCode
from gcs.launch.recovery import (
    RecoveryChecklist,
    RecoveryComplete,
    RecoveryItemDone,
    RecoveryState,
    load_recovery,
)
from tests.unit.launch.helpers import CONFIGS, OPERATOR, PLATFORM, of_type, refusals


@pytest.fixture
def checklist() -> RecoveryChecklist:
    return RecoveryChecklist(load_recovery(CONFIGS / "limits" / "landing.toml"))


def test_nothing_before_touchdown(checklist: RecoveryChecklist) -> None:
    assert checklist.update([Sample("engine.running", 0.0, 0.0)], 0.0) == []
    assert checklist.observe_phase(FlightPhase.SAFING, 1.0) == []  # safing after a scrub is not a recovery
    assert checklist.state is RecoveryState.NOT_STARTED
    assert refusals(checklist.confirm(PLATFORM, "vehicle secured on deck", 1.0))[0].code is RefusalCode.STATE


def test_tracked_to_completion(checklist: RecoveryChecklist) -> None:
    checklist.observe_phase(FlightPhase.ASCENT, 0.0)
    started = checklist.observe_phase(FlightPhase.TOUCHDOWN, 100.0)
    assert started[0].name == "recovery_started"
    done = of_type(
        checklist.update([Sample("engine.running", 0.0, 100.5), Sample("fts.safe", 1.0, 100.5)], 100.5),
        RecoveryItemDone,
    )
    assert [(d.item, d.by) for d in done] == [("engine off", "telemetry"), ("FTS safed", "telemetry")]
    refused = refusals(checklist.confirm(PLATFORM, "vehicle secured on deck", 101.0))
    assert refused[0].code is RefusalCode.GATE
    assert refused[0].reason == "first: tanks vented"
    checklist.update([Sample("tanks.vented", 1.0, 150.0)], 150.0)
    assert refusals(checklist.confirm(OPERATOR, "vehicle secured on deck", 160.0))[0].code is RefusalCode.ROLE
    actions = checklist.confirm(PLATFORM, "vehicle secured on deck", 170.0)
    assert [a.name for a in actions] == ["recovery_item_done", "recovery_complete"]
    assert isinstance(actions[-1], RecoveryComplete)
    assert checklist.state is RecoveryState.COMPLETE
    assert all(s.done for s in checklist.status())


def test_telemetry_items_wait_for_their_prerequisites(checklist: RecoveryChecklist) -> None:
    checklist.observe_phase(FlightPhase.TOUCHDOWN, 0.0)
    assert checklist.update([Sample("tanks.vented", 1.0, 1.0)], 1.0) == []  # engine not yet off
    done = of_type(checklist.update([Sample("engine.running", 0.0, 2.0)], 2.0), RecoveryItemDone)
    assert [d.item for d in done] == ["engine off", "tanks vented"]


def test_confirm_refusals(checklist: RecoveryChecklist) -> None:
    checklist.observe_phase(FlightPhase.TOUCHDOWN, 0.0)
    assert refusals(checklist.confirm(PLATFORM, "wash", 1.0))[0].code is RefusalCode.UNKNOWN
    assert refusals(checklist.confirm(PLATFORM, "engine off", 1.0))[0].code is RefusalCode.INVALID


def test_bad_items(tmp_path: Path) -> None:
    path = tmp_path / "landing.toml"
    path.write_text(
        '[[recovery]]\nname = "a"\nfield = "engine.running"\nmust_be = "=="\nlimit = 0\n'
        'confirm_role = "operator"\n'
    )
    with pytest.raises(ConfigError) as info:
        load_recovery(path)
    assert info.value.key == "recovery[0].field"
    path.write_text('[[recovery]]\nname = "a"\nconfirm_role = "operator"\nrequires = ["b"]\n')
    with pytest.raises(ConfigError) as info:
        load_recovery(path)
    assert info.value.key == "recovery.requires"
