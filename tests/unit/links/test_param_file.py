"""Parameter files: three formats read, one written that reads back exactly, and float32-aware diffs."""

from __future__ import annotations

import pytest

from gcs.errors import ParameterError
from gcs.links.enums import ParamType
from gcs.links.param_file import diff_params, format_param_file, format_value, parse_param_file
from gcs.links.param_values import ParamTable, ParamValue, float32

VEHICLE = ParamTable(
    {
        "TANK_P_MIN": ParamValue("TANK_P_MIN", float32(0.1), ParamType.REAL32, 0),
        "ENG_COUNT": ParamValue("ENG_COUNT", 9, ParamType.UINT8, 1),
        "SYSID_THISMAV": ParamValue("SYSID_THISMAV", 1, ParamType.INT32, 2),
    }
)


def test_written_files_read_back_to_the_same_values() -> None:
    text = format_param_file(VEHICLE, header="vehicle 1")
    assert text.splitlines()[0] == "# vehicle 1"
    assert "TANK_P_MIN       0.1\n" in text
    assert "ENG_COUNT        9\n" in text
    assert diff_params(parse_param_file(text), VEHICLE).same


@pytest.mark.parametrize("number", [0.1, 1e-7, 123456.789, -3.4e38, 1 / 3])
def test_reals_are_written_in_the_shortest_form_that_reads_back_as_the_same_float32(number: float) -> None:
    written = format_value(ParamValue("X", float32(number), ParamType.REAL32))
    assert float32(float(written)) == float32(number)
    assert len(written) <= 15


@pytest.mark.parametrize(
    "text",
    [
        "TANK_P_MIN 0.1\nENG_COUNT 9\n",
        "TANK_P_MIN,0.1\nENG_COUNT,9   # Mission Planner\n",
        "# Onboard parameters\n1\t1\tTANK_P_MIN\t0.100000001490116\t9\n1\t1\tENG_COUNT\t9\t1\n",
    ],
    ids=["mavproxy", "mission-planner", "qgroundcontrol"],
)
def test_every_format_reads(text: str) -> None:
    assert parse_param_file(text) == pytest.approx({"TANK_P_MIN": 0.1, "ENG_COUNT": 9.0})


def test_a_diff_names_changes_and_names_on_one_side_only() -> None:
    diff = diff_params({"TANK_P_MIN": 0.1000001, "ENG_COUNT": 8, "NEW_PARAM": 1}, VEHICLE)
    assert [(c.name, c.file_value, c.vehicle_value) for c in diff.changed] == [
        ("ENG_COUNT", 8, 9),
        ("TANK_P_MIN", 0.1000001, float32(0.1)),
    ]
    assert (diff.only_in_file, diff.only_on_vehicle, diff.same) == (("NEW_PARAM",), ("SYSID_THISMAV",), False)


@pytest.mark.parametrize(
    ("text", "complaint"), [("JUST_A_NAME\n", ":1: expected"), ("A 1\nB one\n", ":2: 'one'")]
)
def test_bad_lines_are_named(text: str, complaint: str) -> None:
    with pytest.raises(ParameterError, match=complaint):
        parse_param_file(text, source="bad.parm")
