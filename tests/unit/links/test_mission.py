"""The mission cores as tables: upload and download with ``_INT`` items, retries, refusals."""

from __future__ import annotations

import math
from typing import Any

import pytest

from gcs.errors import MissionError, MissionTimeoutError
from gcs.links.enums import MissionResult, MissionType
from gcs.links.mission import MissionDownload, MissionItem, MissionPolicy, MissionUpload, item_message
from gcs.protocol.dialect import seaport
from tests.unit.links.support import GCS, PEER, TIMEOUT, drive, says, sent_names

POLICY = MissionPolicy(timeout_s=1.0, retries=2)
ITEMS = [MissionItem.waypoint(47.0 + i / 100, 8.0, 100.0 + i) for i in range(3)]
MISSION = seaport.MAV_MISSION_TYPE_MISSION


def request(seq: int, *, old: bool = False, mission_type: int = MISSION) -> Any:
    cls = seaport.MAVLink_mission_request_message if old else seaport.MAVLink_mission_request_int_message
    return says(cls(GCS[0], GCS[1], seq, mission_type))


def ack(result: int, mission_type: int = MISSION) -> Any:
    return says(seaport.MAVLink_mission_ack_message(GCS[0], GCS[1], result, mission_type))


def count(n: int, mission_type: int = MISSION) -> Any:
    return says(seaport.MAVLink_mission_count_message(GCS[0], GCS[1], n, mission_type))


def item(seq: int, mission_type: int = MISSION) -> Any:
    return says(item_message(PEER.__class__(1, 1, GCS[0], GCS[1]), seq, ITEMS[seq], mission_type))


def upload(items: list[MissionItem] = ITEMS) -> MissionUpload:
    return MissionUpload(PEER, items, MissionType.MISSION, POLICY)


def test_an_upload_answers_each_request_with_its_item_then_takes_the_ack() -> None:
    exchange = upload()
    steps = drive(
        exchange, [(0.1, request(0)), (0.2, request(1, old=True)), (0.3, request(2)), (0.4, ack(0))]
    )
    assert sent_names(steps) == [
        ["MISSION_COUNT"],
        ["MISSION_ITEM_INT"],
        ["MISSION_ITEM_INT"],
        ["MISSION_ITEM_INT"],
        [],
    ]
    assert steps[0].sent[0].count == 3
    assert [step.sent[0].seq for step in steps[1:4]] == [0, 1, 2]
    assert exchange.done
    assert exchange.error is None


def test_an_upload_resends_its_last_step_and_counts_retries_per_step() -> None:
    exchange = upload()
    steps = drive(
        exchange,
        [
            (1.0, TIMEOUT),
            (1.1, request(0)),
            (2.1, TIMEOUT),
            (3.1, TIMEOUT),
            (3.2, request(0)),
            (3.3, request(1)),
        ],
    )
    assert (
        sent_names(steps)[:5]
        == [["MISSION_COUNT"], ["MISSION_COUNT"], ["MISSION_ITEM_INT"]] + [["MISSION_ITEM_INT"]] * 2
    )
    assert exchange.attempts == 1
    assert exchange.resends == 3
    assert not exchange.done


def test_an_upload_that_stalls_fails_and_tells_the_vehicle() -> None:
    exchange = upload()
    steps = drive(exchange, [(1.0, TIMEOUT), (2.0, TIMEOUT), (3.0, TIMEOUT)])
    assert sent_names(steps)[-1] == ["MISSION_ACK"]
    assert steps[-1].sent[0].type == seaport.MAV_MISSION_OPERATION_CANCELLED
    with pytest.raises(MissionTimeoutError, match="no answer to MISSION_COUNT after 3 tries"):
        exchange.result()


REFUSED_UPLOADS = {
    "accepted before every item was asked for (short)": (
        [(0.1, request(0)), (0.2, ack(0))],
        "accepted after asking for 1 of 3",
        MissionResult.ACCEPTED,
        [],
    ),
    "asked for an item past the end (corrupt)": (
        [(0.1, request(3))],
        "asked for item 3 of 3",
        MissionResult.INVALID_SEQUENCE,
        ["MISSION_ACK"],
    ),
    "refused by the vehicle": (
        [(0.1, request(0)), (0.2, ack(seaport.MAV_MISSION_NO_SPACE))],
        "refused the upload",
        MissionResult.NO_SPACE,
        [],
    ),
}


@pytest.mark.parametrize(
    ("rows", "complaint", "result", "last_sent"), REFUSED_UPLOADS.values(), ids=REFUSED_UPLOADS.keys()
)
def test_refused_uploads(
    rows: list[Any], complaint: str, result: MissionResult, last_sent: list[str]
) -> None:
    exchange = upload()
    steps = drive(exchange, rows)
    with pytest.raises(MissionError, match=complaint) as failure:
        exchange.result()
    assert failure.value.result == result
    assert type(failure.value) is MissionError
    assert steps[-1].names == last_sent


def test_messages_of_another_mission_type_are_not_ours() -> None:
    exchange = upload()
    drive(exchange, [(0.1, request(0, mission_type=seaport.MAV_MISSION_TYPE_FENCE)), (0.2, ack(0, 1))])
    assert not exchange.done
    assert exchange.requested == set()


def test_an_empty_upload_is_accepted_at_once() -> None:
    exchange = upload([])
    drive(exchange, [(0.1, ack(0))])
    assert exchange.done
    assert exchange.error is None


def download() -> MissionDownload:
    return MissionDownload(PEER, MissionType.MISSION, POLICY)


def test_a_download_asks_for_each_item_and_acks_the_end() -> None:
    exchange = download()
    steps = drive(exchange, [(0.1, count(3)), (0.2, item(0)), (0.3, item(1)), (0.4, item(2))])
    assert sent_names(steps) == [
        ["MISSION_REQUEST_LIST"],
        ["MISSION_REQUEST_INT"],
        ["MISSION_REQUEST_INT"],
        ["MISSION_REQUEST_INT"],
        ["MISSION_ACK"],
    ]
    assert [step.sent[0].seq for step in steps[1:4]] == [0, 1, 2]
    assert steps[-1].sent[0].type == seaport.MAV_MISSION_ACCEPTED
    assert exchange.result() == tuple(ITEMS)


def test_a_download_ignores_repeats_and_asks_again_for_a_skipped_item() -> None:
    exchange = download()
    steps = drive(
        exchange, [(0.1, count(3)), (0.2, count(3)), (0.3, item(0)), (0.4, item(0)), (0.5, item(2))]
    )
    assert sent_names(steps)[2:] == [[], ["MISSION_REQUEST_INT"], [], ["MISSION_REQUEST_INT"]]
    assert steps[-1].sent[0].seq == 1
    assert exchange.resends == 1
    drive(exchange, [(0.6, item(1)), (0.7, item(2))], start_s=None)
    assert exchange.result() == tuple(ITEMS)


REFUSED_DOWNLOADS = {
    "an item past the announced count": ([(0.1, count(2)), (0.2, item(2))], "item 2 of 2", ["MISSION_ACK"]),
    "a count that changes midway": ([(0.1, count(3)), (0.2, count(4))], "changed the count", ["MISSION_ACK"]),
    "float MISSION_ITEMs": (
        [
            (0.1, count(1)),
            (
                0.2,
                says(
                    seaport.MAVLink_mission_item_message(
                        255, 190, 0, 6, 16, 0, 1, 0, 0, 0, 0, 47.0, 8.0, 100, 0
                    )
                ),
            ),
        ],
        "float MISSION_ITEMs",
        ["MISSION_ACK"],
    ),
    "the vehicle ends it": (
        [(0.1, count(3)), (0.2, ack(seaport.MAV_MISSION_ERROR))],
        "ended the download",
        [],
    ),
}


@pytest.mark.parametrize(
    ("rows", "complaint", "last_sent"), REFUSED_DOWNLOADS.values(), ids=REFUSED_DOWNLOADS.keys()
)
def test_refused_downloads(rows: list[Any], complaint: str, last_sent: list[str]) -> None:
    exchange = download()
    steps = drive(exchange, rows)
    with pytest.raises(MissionError, match=complaint):
        exchange.result()
    assert steps[-1].names == last_sent


def test_a_short_download_times_out_rather_than_returning_part() -> None:
    exchange = download()
    drive(exchange, [(0.1, count(3)), (0.2, item(0)), (1.2, TIMEOUT), (2.2, TIMEOUT), (3.2, TIMEOUT)])
    with pytest.raises(MissionTimeoutError, match="MISSION_REQUEST_INT 1"):
        exchange.result()


def test_an_empty_plan_downloads_at_once() -> None:
    exchange = download()
    steps = drive(exchange, [(0.1, count(0))])
    assert exchange.result() == ()
    assert steps[-1].names == ["MISSION_ACK"]


def test_items_keep_float32_precision_and_nan_equals_nan() -> None:
    a = MissionItem.waypoint(47.123456789, 8.5, 100.1)
    b = MissionItem.waypoint(47.123456789, 8.5, 100.1)
    assert math.isnan(a.params[3])
    assert a == b
    assert hash(a) == hash(b)
    assert (a.x, a.latitude_deg, a.longitude_deg) == (471234568, 47.1234568, 8.5)
    assert a.z == pytest.approx(100.1, abs=1e-5)
    assert a.z != 100.1
    assert a != MissionItem.waypoint(47.123456789, 8.5, 100.2)


@pytest.mark.parametrize(
    "make", [lambda: MissionItem(16, params=(0.0,) * 5), lambda: MissionItem(16, x=2**31)]
)
def test_impossible_items_are_refused(make: Any) -> None:
    with pytest.raises(ValueError):
        make()
