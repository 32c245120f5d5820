"""The generated seaport module is reproducible from seaport.xml and says what the XML says."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from fastcrc.crc16 import mcrf4xx

from gcs.protocol.dialect import CountdownState, EngineState, FlightPhase, generate, seaport

DIALECT_DIR = Path(generate.__file__).parent
XML = ET.parse(DIALECT_DIR / "seaport.xml").getroot()
XML_MESSAGES = XML.findall("./messages/message")
# Wire sizes used to order fields (largest first, stable) before CRC_EXTRA is computed.
TYPE_SIZES = {"uint64_t": 8, "int64_t": 8, "double": 8, "uint32_t": 4, "int32_t": 4, "float": 4,
              "uint16_t": 2, "int16_t": 2, "uint8_t": 1, "int8_t": 1, "char": 1}  # fmt: skip


def crc_extra_from_xml(message: ET.Element) -> int:
    """CRC_EXTRA computed from the XML alone, as the MAVLink spec defines it (no mavgen involved)."""
    fields = []
    for element in message:
        if element.tag == "extensions":
            break  # extension fields are not part of CRC_EXTRA
        if element.tag == "field":
            base, _, rest = element.attrib["type"].partition("[")
            fields.append((base, element.attrib["name"], int(rest[:-1]) if rest else 0))
    fields.sort(key=lambda f: TYPE_SIZES[f[0]], reverse=True)
    text = message.attrib["name"].encode() + b" "
    crc = mcrf4xx(text)
    for base, name, array_length in fields:
        crc = mcrf4xx(f"{base} {name} ".encode(), crc)
        if array_length:
            crc = mcrf4xx(bytes([array_length]), crc)
    return (crc & 0xFF) ^ (crc >> 8)


def test_committed_module_matches_a_fresh_generation() -> None:
    committed = (DIALECT_DIR / "seaport.py").read_text(encoding="utf-8")
    assert generate.render() == committed, "seaport.py is stale: run python -m gcs.protocol.dialect.generate"


def test_generator_writes_the_committed_module_and_check_detects_drift(tmp_path: Path) -> None:
    out = tmp_path / "seaport.py"
    assert generate.main(["--output", str(out)]) == 0
    assert out.read_bytes() == (DIALECT_DIR / "seaport.py").read_bytes()
    assert generate.main(["--check", "--output", str(out)]) == 0
    out.write_text(out.read_text(encoding="utf-8").replace("CARGO_BAY", "CARGO_HOLD"), encoding="utf-8")
    assert generate.main(["--check", "--output", str(out)]) == 1


def test_generated_module_holds_no_machine_or_time_details() -> None:
    text = (DIALECT_DIR / "seaport.py").read_text(encoding="utf-8")
    assert str(DIALECT_DIR) not in text
    assert "/tmp" not in text
    assert "Generated from: ('seaport.xml,common.xml,standard.xml,minimal.xml',)" in text


@pytest.mark.parametrize("message", XML_MESSAGES, ids=[m.attrib["name"] for m in XML_MESSAGES])
def test_every_xml_message_is_generated_with_its_id_fields_and_crc_extra(message: ET.Element) -> None:
    msg_id = int(message.attrib["id"])
    assert 52500 <= msg_id <= 52599, "private messages live in 52500-52599"
    cls = seaport.mavlink_map[msg_id]
    assert cls.msgname == message.attrib["name"]
    assert cls.fieldnames == [f.attrib["name"] for f in message.findall("field")]
    assert cls.fieldtypes == [f.attrib["type"] for f in message.findall("field")]
    assert cls.crc_extra == crc_extra_from_xml(message)
    assert getattr(seaport, f"MAVLINK_MSG_ID_{cls.msgname}") == msg_id


def test_dialect_holds_exactly_the_xml_messages_over_common() -> None:
    private = {i for i in seaport.mavlink_map if i >= 52500}
    assert private == {int(m.attrib["id"]) for m in XML_MESSAGES}
    assert seaport.MAVLINK_MSG_ID_HEARTBEAT == 0  # common.xml is included
    assert seaport.MAVLINK_MSG_ID_ODOMETRY == 331


def test_private_commands_are_in_the_private_range() -> None:
    commands = {
        e.attrib["name"]: int(e.attrib["value"]) for e in XML.findall("./enums/enum[@name='MAV_CMD']/entry")
    }
    assert commands == {"MAV_CMD_HOLD_COUNT": 52500, "MAV_CMD_RESUME_COUNT": 52501, "MAV_CMD_DIVERT": 52502}
    for name, value in commands.items():
        assert getattr(seaport, name) == value
        assert seaport.enums["MAV_CMD"][value].name == name


@pytest.mark.parametrize(
    ("python_enum", "xml_name"),
    [(FlightPhase, "FLIGHT_PHASE"), (EngineState, "ENGINE_STATE"), (CountdownState, "COUNTDOWN_STATE")],
)
def test_python_enums_mirror_the_xml_enums(python_enum: type, xml_name: str) -> None:
    entries = {
        e.attrib["name"]: int(e.attrib["value"])
        for e in XML.findall(f"./enums/enum[@name='{xml_name}']/entry")
    }
    mirrored = {f"{xml_name}_{member.name}": int(member) for member in python_enum}  # type: ignore[attr-defined]
    assert mirrored == entries
    generated = {
        entry.name: value
        for value, entry in seaport.enums[xml_name].items()
        if not entry.name.endswith("ENUM_END")
    }
    assert generated == entries


def test_flight_phase_values_are_the_agreed_ones() -> None:
    assert [(p.name, p.value) for p in FlightPhase] == [
        ("SAFE", 0), ("STANDBY", 1), ("TERMINAL_COUNT", 2), ("IGNITION", 3), ("ASCENT", 4), ("COAST", 5),
        ("ENTRY", 6), ("LANDING_BURN", 7), ("TOUCHDOWN", 8), ("SAFING", 9), ("ABORT", 10),
        ("FLIGHT_TERMINATION", 11),
    ]  # fmt: skip
