"""The parameter cores as tables: listing with gap filling, reads by name, sets verified by echo."""

from __future__ import annotations

from typing import Any

import pytest

from gcs.errors import ParameterError, ParameterTimeoutError
from gcs.links.enums import ParamType
from gcs.links.param_values import ParamEncoding
from gcs.links.params import ParamDownload, ParamPolicy, ParamRead, ParamWrite
from gcs.protocol.dialect import seaport
from tests.unit.links.support import PEER, TIMEOUT, drive, says, sent_names

POLICY = ParamPolicy(timeout_s=1.0, retries=2, quiet_s=0.5, max_in_flight=2)
C_CAST = ParamEncoding.C_CAST


def value(
    index: int, count: int = 6, *, name: str | None = None, number: float | None = None, **kw: Any
) -> Any:
    raw = (name or f"P{index}").encode()
    number = float(index * 10) if number is None else number
    return says(seaport.MAVLink_param_value_message(raw, number, ParamType.REAL32, count, index), **kw)


def download() -> ParamDownload:
    return ParamDownload(PEER, POLICY, C_CAST)


def asked(steps: list[Any]) -> list[list[int]]:
    return [[m.param_index for m in step.sent if m.get_type() == "PARAM_REQUEST_READ"] for step in steps]


def test_a_complete_listing_needs_no_requests() -> None:
    exchange = download()
    steps = drive(exchange, [(0.1 + i * 0.01, value(i)) for i in range(6)])
    assert sent_names(steps)[0] == ["PARAM_REQUEST_LIST"]
    table = exchange.result()
    assert [(name, p.value, p.index) for name, p in table.items()] == [
        (f"P{i}", i * 10.0, i) for i in range(6)
    ]
    assert exchange.read_requests == 0


def test_gaps_are_filled_after_the_stream_pauses_a_few_at_a_time() -> None:
    exchange = download()
    rows = [(0.1, value(0)), (0.2, value(2)), (0.3, value(5)), (0.8, TIMEOUT)]  # 1, 3, 4 missing
    rows += [(0.85, value(1)), (0.9, value(3)), (0.95, value(4))]
    steps = drive(exchange, rows)
    # At most two requests in flight: 1 and 3 at the pause, 4 once 1 has come.
    assert asked(steps)[4:] == [[1, 3], [4], [], []]
    assert len(exchange.result()) == 6
    assert exchange.read_requests == 3


def test_an_unanswered_gap_request_is_repeated_then_fails_the_whole_download() -> None:
    exchange = download()
    rows = [(0.1, value(i)) for i in (0, 1, 2, 4, 5)]
    rows += [(0.6, TIMEOUT), (1.6, TIMEOUT), (2.6, TIMEOUT), (3.6, TIMEOUT)]
    steps = drive(exchange, rows)
    assert asked(steps)[-4:] == [[3], [3], [3], []]
    with pytest.raises(ParameterTimeoutError, match=r"1 of 6 still missing .* \(indices 3\)"):
        exchange.result()


def test_a_silent_vehicle_gets_the_list_request_again_then_a_timeout() -> None:
    exchange = download()
    steps = drive(exchange, [(1.0, TIMEOUT), (2.0, TIMEOUT), (3.0, TIMEOUT)])
    assert sent_names(steps) == [["PARAM_REQUEST_LIST"]] * 3 + [[]]
    with pytest.raises(ParameterTimeoutError, match="no PARAM_VALUE answered 3"):
        exchange.result()


def test_a_list_that_changes_size_keeps_only_what_still_fits() -> None:
    exchange = download()
    drive(
        exchange, [(0.1, value(i)) for i in range(5)] + [(0.2, value(0, count=3)), (0.3, value(2, count=3))]
    )
    assert exchange.done
    assert sorted(exchange.result()) == ["P0", "P1", "P2"]


def test_answers_by_name_and_other_systems_do_not_fill_the_list() -> None:
    exchange = download()
    drive(exchange, [(0.1, value(65535, count=1, name="BYNAME")), (0.2, value(0, count=1, sysid=2))])
    assert not exchange.done
    assert exchange.received == 0


def test_an_empty_list_completes_at_once() -> None:
    exchange = download()
    drive(exchange, [(0.1, value(65535, count=0, name="NONE"))])
    assert len(exchange.result()) == 0


def write(param_type: ParamType = ParamType.REAL32, number: float = 2.5) -> ParamWrite:
    return ParamWrite(PEER, "TANK_P", number, param_type, POLICY, C_CAST)


def test_a_set_is_confirmed_by_its_echo() -> None:
    exchange = write()
    steps = drive(exchange, [(0.1, value(7, name="OTHER")), (0.2, value(4, name="TANK_P", number=2.5))])
    (sent,) = steps[0].sent
    assert (sent.get_type(), sent.param_id, sent.param_value, sent.param_type) == (
        "PARAM_SET",
        "TANK_P",
        2.5,
        9,
    )
    confirmed = exchange.result()
    assert (confirmed.value, confirmed.index) == (2.5, 4)


def test_one_stale_echo_sends_the_set_again_two_mean_the_vehicle_kept_its_value() -> None:
    exchange = write()
    steps = drive(
        exchange, [(0.1, value(4, name="TANK_P", number=1.0)), (0.2, value(4, name="TANK_P", number=2.5))]
    )
    assert sent_names(steps) == [["PARAM_SET"], ["PARAM_SET"], []]
    assert exchange.result().value == 2.5

    refused = write()
    drive(refused, [(0.1, value(4, name="TANK_P", number=1.0)), (0.2, value(4, name="TANK_P", number=1.0))])
    with pytest.raises(ParameterError, match=r"kept 1\.0 instead of 2\.5") as failure:
        refused.result()
    assert not isinstance(failure.value, ParameterTimeoutError)


def test_an_unanswered_set_times_out_after_its_retries() -> None:
    exchange = write()
    steps = drive(exchange, [(1.0, TIMEOUT), (2.0, TIMEOUT), (3.0, TIMEOUT)])
    assert sent_names(steps) == [["PARAM_SET"]] * 3 + [[]]
    with pytest.raises(ParameterTimeoutError, match="no PARAM_VALUE echo after 3"):
        exchange.result()


def test_a_value_that_does_not_fit_its_type_is_refused_before_anything_is_sent() -> None:
    with pytest.raises(ParameterError, match="not an integer"):
        write(ParamType.INT16, 2.5)


def test_a_read_by_name() -> None:
    exchange = ParamRead(PEER, "TANK_P", POLICY, C_CAST)
    steps = drive(exchange, [(1.0, TIMEOUT), (1.5, value(65535, name="TANK_P", number=9.0))])
    assert [(m.param_id, m.param_index) for step in steps for m in step.sent] == [
        ("TANK_P", -1),
        ("TANK_P", -1),
    ]
    assert exchange.result().value == 9.0
