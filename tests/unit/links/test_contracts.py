"""What the links share with their neighbours stays in step: dialect enums and the journal's kinds."""

from __future__ import annotations

import enum

import pytest

from gcs.links.enums import DIALECT_PREFIXES, MavResult, as_enum, command_name
from gcs.links.sinks import JournalEntry
from gcs.protocol.dialect import seaport
from gcs.recorder.journal import JournalKind


@pytest.mark.parametrize("kind", list(DIALECT_PREFIXES), ids=lambda k: k.__name__)
def test_every_enum_member_matches_the_generated_dialect(kind: type[enum.IntEnum]) -> None:
    enum_name, prefix = DIALECT_PREFIXES[kind]
    dialect = {entry.name: value for value, entry in seaport.enums[enum_name].items()}
    for member in kind:
        assert dialect[prefix + member.name] == member.value


def test_journal_entries_are_journal_kinds() -> None:
    for entry in JournalEntry:
        assert JournalKind(entry.value).value == entry.value


def test_unknown_values_stay_plain_ints() -> None:
    assert as_enum(MavResult, 2) is MavResult.DENIED
    assert as_enum(MavResult, 99) == 99
    assert not isinstance(as_enum(MavResult, 99), MavResult)
    assert command_name(seaport.MAV_CMD_NAV_TAKEOFF) == "MAV_CMD_NAV_TAKEOFF"
    assert command_name(1) is None
