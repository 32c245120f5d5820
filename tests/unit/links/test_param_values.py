"""Parameter values on the wire: C-cast and byte-wise integers, float32 reals, names, what cannot travel."""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gcs.errors import ParameterError
from gcs.links.enums import ParamType
from gcs.links.param_values import (
    ParamEncoding,
    ParamTable,
    ParamValue,
    decode_param_value,
    encode_param_name,
    encode_param_value,
    encoding_for,
    same_value,
)
from gcs.protocol.dialect import seaport
from tests.unit.links.support import says

C_CAST, BYTEWISE = ParamEncoding.C_CAST, ParamEncoding.BYTEWISE
RANGES = {
    ParamType.UINT8: (0, 255),
    ParamType.INT8: (-128, 127),
    ParamType.UINT16: (0, 65535),
    ParamType.INT16: (-32768, 32767),
    ParamType.UINT32: (0, 2**32 - 1),
    ParamType.INT32: (-(2**31), 2**31 - 1),
}


def value_msg(wire: float, param_type: int, *, index: int = 3, count: int = 10) -> object:
    return says(seaport.MAVLink_param_value_message(b"TEST_PARAM", wire, param_type, count, index))


@pytest.mark.parametrize(
    ("autopilot", "capabilities", "expected"),
    [
        (seaport.MAV_AUTOPILOT_ARDUPILOTMEGA, None, C_CAST),
        (seaport.MAV_AUTOPILOT_GENERIC, None, C_CAST),
        (seaport.MAV_AUTOPILOT_PX4, None, BYTEWISE),
        (seaport.MAV_AUTOPILOT_GENERIC, seaport.MAV_PROTOCOL_CAPABILITY_PARAM_ENCODE_BYTEWISE, BYTEWISE),
        (seaport.MAV_AUTOPILOT_PX4, seaport.MAV_PROTOCOL_CAPABILITY_PARAM_ENCODE_C_CAST, C_CAST),
        (seaport.MAV_AUTOPILOT_PX4, 0, BYTEWISE),  # says neither: fall back to the autopilot
    ],
)
def test_the_encoding_comes_from_capabilities_else_from_the_autopilot(
    autopilot: int, capabilities: int | None, expected: ParamEncoding
) -> None:
    assert encoding_for(autopilot, capabilities) is expected


@pytest.mark.parametrize("encoding", list(ParamEncoding))
@pytest.mark.parametrize("param_type", list(RANGES))
def test_integers_round_trip_through_the_wire_at_their_limits(
    encoding: ParamEncoding, param_type: ParamType
) -> None:
    low, high = RANGES[param_type]
    for number in {low, high, 0, 1, -1 if low < 0 else 2}:
        if encoding is C_CAST and abs(number) > 2**24:
            continue
        wire = encode_param_value("X", number, param_type, encoding)
        decoded = decode_param_value(value_msg(wire, param_type), encoding)
        assert (decoded.value, decoded.param_type) == (number, param_type)


def is_signalling_nan(number: int) -> bool:
    bits = number & 0xFFFFFFFF
    return (bits >> 23) & 0xFF == 0xFF and bits & 0x7FFFFF != 0 and not bits & 0x400000


@given(st.integers(min_value=-(2**31), max_value=2**31 - 1))
@example(0x7F800001)  # the float32 bit pattern of a signalling NaN
@example(-0x7FFFFF)
def test_bytewise_int32_travels_exactly_unless_its_bits_are_a_signalling_nan(number: int) -> None:
    if is_signalling_nan(number):
        with pytest.raises(ParameterError, match="signalling NaN"):
            encode_param_value("X", number, ParamType.INT32, BYTEWISE)
        return
    wire = encode_param_value("X", number, ParamType.INT32, BYTEWISE)
    assert decode_param_value(value_msg(wire, ParamType.INT32), BYTEWISE).value == number


def test_bytewise_puts_the_integer_bits_in_the_float() -> None:
    wire = encode_param_value("X", 3, ParamType.INT32, BYTEWISE)
    assert struct.pack("<f", wire) == struct.pack("<i", 3)
    assert encode_param_value("X", 3, ParamType.INT32, C_CAST) == 3.0


def test_reals_travel_as_float32() -> None:
    decoded = decode_param_value(value_msg(encode_param_value("X", 0.1, ParamType.REAL32, C_CAST), 9), C_CAST)
    assert decoded.value == struct.unpack("<f", struct.pack("<f", 0.1))[0]
    assert same_value(decoded.value, 0.1, ParamType.REAL32)
    assert not same_value(decoded.value, 0.1001, ParamType.REAL32)


@pytest.mark.parametrize(
    ("value", "param_type", "encoding", "complaint"),
    [
        (3.5, ParamType.INT32, C_CAST, "not an integer"),
        (256, ParamType.UINT8, C_CAST, "out of range"),
        (-1, ParamType.UINT32, BYTEWISE, "out of range"),
        (2**24 + 1, ParamType.INT32, C_CAST, "2\\*\\*24"),
        (math.inf, ParamType.REAL32, C_CAST, "not a finite"),
        (1e39, ParamType.REAL32, C_CAST, "float32"),
        (math.nan, ParamType.INT16, BYTEWISE, "not an integer"),
    ],
)
def test_values_that_cannot_travel_are_refused_by_name(
    value: float, param_type: ParamType, encoding: ParamEncoding, complaint: str
) -> None:
    with pytest.raises(ParameterError, match=complaint) as failure:
        encode_param_value("TANK_P", value, param_type, encoding)
    assert failure.value.name == "TANK_P"


def test_an_integer_parameter_differs_from_a_fraction() -> None:
    assert same_value(3, 3.0, ParamType.INT32)
    assert not same_value(3, 3.5, ParamType.INT32)


def test_an_answer_by_name_has_no_index() -> None:
    decoded = decode_param_value(value_msg(1.0, 9, index=65535, count=10), C_CAST)
    assert decoded.index is None
    assert decoded.name == "TEST_PARAM"


@pytest.mark.parametrize("name", ["", "SEVENTEEN_CHARS_X", "TANK\u00e9", "A\x00B"])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(ParameterError):
        encode_param_name(name)


def test_a_sixteen_character_name_fills_the_field() -> None:
    assert encode_param_name("SIXTEEN_CHARS_XY") == b"SIXTEEN_CHARS_XY"


def test_a_table_keeps_the_index_when_an_answer_by_name_updates_it() -> None:
    table = ParamTable({"A": ParamValue("A", 1, ParamType.INT32, 0)})
    updated = table.with_value(ParamValue("A", 2, ParamType.INT32, None))
    assert (updated["A"].value, updated["A"].index, table["A"].value) == (2, 0, 1)
    assert len(updated) == 1
    assert list(updated) == ["A"]
    assert "A" in updated
