"""The vehicle side of the parameter protocol: list with consistent counts, read, set with echo or refusal."""

from __future__ import annotations

from pathlib import Path

from firmware_sim.firmware.params import ParamEntry, ParamKind, ParamStore
from firmware_sim.io.param_protocol import ParamProtocol
from firmware_sim.io.statustext import StatusTexts
from gcs.protocol.dialect import seaport
from tests.unit.sim_io.mav_roundtrip import names, received, text_of

ENTRIES = (
    ParamEntry("GAIN", ParamKind.REAL32, 0.5, 0.0, 2.0),
    ParamEntry("COUNT", ParamKind.INT32, 3, 0, 10),
    ParamEntry("ALT_M", ParamKind.REAL32, 100.0, -50.0, 20000.0),
)


def _protocol(path: Path | None = None, veto: object = None) -> tuple[ParamStore, ParamProtocol]:
    store = ParamStore(ENTRIES, path=path)
    if veto is None:
        return store, ParamProtocol(store, StatusTexts())
    return store, ParamProtocol(store, StatusTexts(), veto=veto)  # type: ignore[arg-type]


def test_the_list_has_every_parameter_once_with_consistent_count_and_index() -> None:
    _, protocol = _protocol()
    values = [received(m) for m in protocol.list_all()]
    assert [(v.param_id, v.param_index, v.param_count) for v in values] == [
        ("GAIN", 0, 3),
        ("COUNT", 1, 3),
        ("ALT_M", 2, 3),
    ]
    assert [v.param_type for v in values] == [
        seaport.MAV_PARAM_TYPE_REAL32,
        seaport.MAV_PARAM_TYPE_INT32,
        seaport.MAV_PARAM_TYPE_REAL32,
    ]
    assert [v.param_value for v in values] == [0.5, 3.0, 100.0]


def test_read_by_name_or_by_index_and_silence_for_what_does_not_exist() -> None:
    _, protocol = _protocol()
    by_name = protocol.on_request_read(
        received(seaport.MAVLink_param_request_read_message(1, 1, b"ALT_M", -1))
    )
    by_index = protocol.on_request_read(received(seaport.MAVLink_param_request_read_message(1, 1, b"", 1)))
    assert [(m.param_id, m.param_index) for m in map(received, by_name)] == [("ALT_M", 2)]
    assert [(m.param_id, m.param_index) for m in map(received, by_index)] == [("COUNT", 1)]
    assert (
        protocol.on_request_read(received(seaport.MAVLink_param_request_read_message(1, 1, b"NOPE", -1)))
        == []
    )
    assert protocol.on_request_read(received(seaport.MAVLink_param_request_read_message(1, 1, b"", 3))) == []


def test_a_set_is_stored_echoed_and_saved(tmp_path: Path) -> None:
    path = tmp_path / "p.parm"
    store, protocol = _protocol(path)
    out = protocol.on_set(
        received(seaport.MAVLink_param_set_message(1, 1, b"GAIN", 1.5, seaport.MAV_PARAM_TYPE_REAL32))
    )
    assert names(out) == ["PARAM_VALUE"]
    echo = received(out[0])
    assert (echo.param_id, echo.param_value, echo.param_index, echo.param_count) == ("GAIN", 1.5, 0, 3)
    assert store.get("GAIN") == 1.5
    assert "GAIN 1.5" in path.read_text()


def test_a_refused_set_is_explained_and_echoes_the_unchanged_value() -> None:
    store, protocol = _protocol()
    for name, value in ((b"GAIN", 9.0), (b"COUNT", 2.5), (b"GAIN", float("nan"))):
        out = protocol.on_set(
            received(seaport.MAVLink_param_set_message(1, 1, name, value, seaport.MAV_PARAM_TYPE_REAL32))
        )
        assert names(out) == ["STATUSTEXT", "PARAM_VALUE"]
        assert "refused" in text_of(out)
        assert received(out[-1]).param_value == store.get(name.decode())
    assert store.values() == {"GAIN": 0.5, "COUNT": 3.0, "ALT_M": 100.0}


def test_the_vehicle_may_veto_a_set_in_its_present_state() -> None:
    store, protocol = _protocol(veto=lambda name, value: "not in flight" if name == "ALT_M" else "")
    out = protocol.on_set(
        received(seaport.MAVLink_param_set_message(1, 1, b"ALT_M", 5.0, seaport.MAV_PARAM_TYPE_REAL32))
    )
    assert "not in flight" in text_of(out)
    assert store.get("ALT_M") == 100.0


def test_an_unknown_parameter_gets_a_warning_and_no_value() -> None:
    _, protocol = _protocol()
    out = protocol.on_set(
        received(seaport.MAVLink_param_set_message(1, 1, b"GHOST", 1.0, seaport.MAV_PARAM_TYPE_REAL32))
    )
    assert names(out) == ["STATUSTEXT"]
    assert "GHOST" in text_of(out)
