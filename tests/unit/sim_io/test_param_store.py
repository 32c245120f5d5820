"""The parameter table: specs to entries, range-checked sets, and the file that survives restarts."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import pytest

from firmware_sim.firmware.param_defs import PARAMETERS
from firmware_sim.firmware.params import (
    ParamEntry,
    ParamError,
    ParamKind,
    ParamRangeError,
    ParamStore,
    UnknownParamError,
)

ENTRIES = (
    ParamEntry("GAIN", ParamKind.REAL32, 0.5, 0.0, 2.0),
    ParamEntry("COUNT", ParamKind.INT32, 3, 0, 10),
    ParamEntry("ALT_M", ParamKind.REAL32, 100.0, -50.0, 20000.0),
)


def test_the_flight_software_parameters_all_load_with_their_defaults() -> None:
    store = ParamStore.from_specs(PARAMETERS)
    assert len(store) == len(PARAMETERS)
    assert [entry.name for entry in store] == [spec.name for spec in PARAMETERS]
    for spec in PARAMETERS:
        assert store.get(spec.name) == pytest.approx(spec.default, rel=1e-6)
        assert len(spec.name) <= 16


def test_values_are_kept_as_they_travel_float32_or_int() -> None:
    store = ParamStore(ENTRIES)
    assert store.set("GAIN", 0.1) == struct.unpack("<f", struct.pack("<f", 0.1))[0]
    assert store.set("COUNT", 7.0) == 7.0
    assert store.get("COUNT") == 7.0
    assert store.index_of("ALT_M") == 2


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("GAIN", 2.5, "outside"),
        ("GAIN", -0.1, "outside"),
        ("GAIN", math.nan, "finite"),
        ("GAIN", math.inf, "finite"),
        ("COUNT", 2.5, "integer"),
        ("COUNT", 11, "outside"),
    ],
)
def test_a_refused_set_changes_nothing_and_says_why(name: str, value: float, why: str) -> None:
    store = ParamStore(ENTRIES)
    before = store.values()
    with pytest.raises(ParamRangeError, match=why):
        store.set(name, value)
    assert store.values() == before


def test_unknown_names_and_bad_definitions_are_refused() -> None:
    store = ParamStore(ENTRIES)
    with pytest.raises(UnknownParamError):
        store.get("NOPE")
    with pytest.raises(ParamError, match="1-16"):
        ParamEntry("A_NAME_TOO_LONG_17", ParamKind.REAL32, 0, 0, 1)
    with pytest.raises(ParamError, match="default"):
        ParamEntry("X", ParamKind.REAL32, 5, 0, 1)
    with pytest.raises(ParamError, match="twice"):
        ParamStore((*ENTRIES, ENTRIES[0]))


def test_sets_persist_atomically_and_load_on_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "vehicle.parm"
    store = ParamStore(ENTRIES, path=path)
    assert not path.exists()  # nothing to save until something changes
    store.set("GAIN", 1.25)
    store.set("COUNT", 9)
    assert path.read_text().splitlines()[1:] == ["GAIN 1.25", "COUNT 9", "ALT_M 100"]
    assert [p.name for p in tmp_path.iterdir()] == ["vehicle.parm"]  # no staging file left behind

    again = ParamStore(ENTRIES, path=path)
    assert again.values() == {"GAIN": 1.25, "COUNT": 9.0, "ALT_M": 100.0}
    assert again.load_problems == []


def test_a_damaged_file_never_stops_the_boot(tmp_path: Path) -> None:
    path = tmp_path / "vehicle.parm"
    path.write_text(
        "# comment\n"
        "GAIN 1.5  # trailing comment\n"
        "COUNT,4\n"  # Mission Planner's comma form
        "ALT_M 99999\n"  # out of range: the default stays
        "GHOST 1\n"
        "GAIN\n"
        "COUNT four\n"
    )
    store = ParamStore(ENTRIES, path=path)
    assert store.values() == {"GAIN": 1.5, "COUNT": 4.0, "ALT_M": 100.0}
    problems = "\n".join(store.load_problems)
    assert len(store.load_problems) == 4, problems
    for fragment in (
        "ALT_M = 99999",
        "unknown parameter GHOST",
        "expected NAME VALUE",
        "'four' is not a number",
    ):
        assert fragment in problems
