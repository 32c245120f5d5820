"""The vehicle side of the mission protocol: upload with requests and retries, download, clear, refusals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from firmware_sim.firmware.flight_plan import MissionItem
from firmware_sim.io.mission_protocol import MissionProtocol
from firmware_sim.io.statustext import StatusTexts
from gcs.protocol.dialect import seaport
from tests.unit.sim_io.mav_roundtrip import names, received, text_of

S = seaport
M = S.MAV_MISSION_TYPE_MISSION


class Judge:
    def __init__(self) -> None:
        self.offered: list[list[MissionItem]] = []
        self.verdict = (S.MAV_MISSION_ACCEPTED, "")

    def __call__(self, items: Sequence[MissionItem]) -> tuple[int, str]:
        self.offered.append(list(items))
        return self.verdict


def _protocol(judge: Judge, retries: int = 2) -> MissionProtocol:
    return MissionProtocol(judge, StatusTexts(), timeout_s=1.0, retries=retries)


def _item(seq: int, mission_type: int = M) -> Any:
    return received(
        S.MAVLink_mission_item_int_message(
            1,
            1,
            seq,
            S.MAV_FRAME_GLOBAL_INT,
            S.MAV_CMD_NAV_WAYPOINT,
            0,
            1,
            0,
            0,
            0,
            0,
            100_000_000 + seq,
            200_000_000 + seq,
            10.0 * seq,
            mission_type,
        )
    )


def _feed(protocol: MissionProtocol, msg: Any, now_s: float = 0.0) -> list[Any]:
    return [received(m, (1, 1)) for m in protocol.handle(msg, now_s)]


def _upload(protocol: MissionProtocol, count: int) -> list[Any]:
    out = _feed(protocol, received(S.MAVLink_mission_count_message(1, 1, count, M)))
    for seq in range(count):
        assert [(m.get_type(), m.seq) for m in out] == [("MISSION_REQUEST_INT", seq)]
        out = _feed(protocol, _item(seq))
    return out


def test_an_upload_asks_for_every_item_in_turn_and_reads_back_the_same() -> None:
    judge = Judge()
    protocol = _protocol(judge)
    final = _upload(protocol, 3)
    assert [(m.get_type(), m.type, m.target_system, m.target_component) for m in final] == [
        ("MISSION_ACK", S.MAV_MISSION_ACCEPTED, 255, 190)
    ]
    assert [item.x for item in judge.offered[0]] == [100_000_000, 100_000_001, 100_000_002]

    (count,) = _feed(protocol, received(S.MAVLink_mission_request_list_message(1, 1, M)))
    assert count.count == 3
    for seq in range(3):
        (item,) = _feed(protocol, received(S.MAVLink_mission_request_int_message(1, 1, seq, M)))
        sent = _item(seq)
        assert (item.seq, item.x, item.y, item.z, item.command, item.frame) == (
            sent.seq,
            sent.x,
            sent.y,
            sent.z,
            sent.command,
            sent.frame,
        )
    (bad,) = _feed(protocol, received(S.MAVLink_mission_request_int_message(1, 1, 3, M)))
    assert (bad.get_type(), bad.type) == ("MISSION_ACK", S.MAV_MISSION_INVALID_SEQUENCE)


def test_a_refused_plan_keeps_the_old_one_and_says_why() -> None:
    judge = Judge()
    protocol = _protocol(judge)
    _upload(protocol, 2)
    judge.verdict = (S.MAV_MISSION_INVALID, "item 1: expected NAV_LAND")
    final = _upload(protocol, 1)
    assert names(final) == ["STATUSTEXT", "MISSION_ACK"]
    assert "expected NAV_LAND" in text_of(final)
    assert final[-1].type == S.MAV_MISSION_INVALID
    assert len(protocol.items) == 2


def test_unanswered_requests_are_repeated_then_the_upload_is_cancelled() -> None:
    protocol = _protocol(Judge(), retries=2)
    _feed(protocol, received(S.MAVLink_mission_count_message(1, 1, 2, M)), 0.0)
    assert protocol.on_timer(0.5) == []
    assert [(m.get_type(), m.seq) for m in map(received, protocol.on_timer(1.0))] == [
        ("MISSION_REQUEST_INT", 0)
    ]
    assert len(protocol.on_timer(2.0)) == 1
    cancelled = [received(m) for m in protocol.on_timer(3.0)]
    assert names(cancelled) == ["STATUSTEXT", "MISSION_ACK"]
    assert cancelled[-1].type == S.MAV_MISSION_OPERATION_CANCELLED
    assert not protocol.uploading
    assert protocol.on_timer(10.0) == []


def test_a_repeated_last_item_gets_the_ack_again_and_strays_get_the_needed_request() -> None:
    judge = Judge()
    protocol = _protocol(judge)
    _feed(protocol, received(S.MAVLink_mission_count_message(1, 1, 2, M)))
    (again,) = _feed(protocol, _item(1))  # out of order: ask for 0 again
    assert (again.get_type(), again.seq) == ("MISSION_REQUEST_INT", 0)
    _feed(protocol, _item(0))
    (dup,) = _feed(protocol, _item(0))  # a duplicate: ask for 1 again
    assert dup.seq == 1
    (ack,) = _feed(protocol, _item(1))
    (ack_again,) = _feed(protocol, _item(1))
    assert (ack.type, ack_again.type) == (S.MAV_MISSION_ACCEPTED, S.MAV_MISSION_ACCEPTED)
    assert len(judge.offered) == 1  # judged once


def test_float_items_from_older_ground_stations_are_taken_as_degE7() -> None:
    judge = Judge()
    protocol = _protocol(judge)
    _feed(protocol, received(S.MAVLink_mission_count_message(1, 1, 1, M)))
    _feed(
        protocol,
        received(
            S.MAVLink_mission_item_message(
                1,
                1,
                0,
                S.MAV_FRAME_GLOBAL_RELATIVE_ALT,
                S.MAV_CMD_NAV_TAKEOFF,
                0,
                1,
                0,
                0,
                0,
                0,
                21.5,
                112.25,
                5.0,
                M,
            )
        ),
    )
    (item,) = judge.offered[0]
    assert (item.x, item.y, item.frame) == (215_000_000, 1_122_500_000, S.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT)


def test_clear_and_the_other_mission_types() -> None:
    judge = Judge()
    protocol = _protocol(judge)
    _upload(protocol, 2)
    (cleared,) = _feed(protocol, received(S.MAVLink_mission_clear_all_message(1, 1, M)))
    assert cleared.type == S.MAV_MISSION_ACCEPTED
    assert protocol.items == ()
    assert judge.offered[-1] == []

    fence = S.MAV_MISSION_TYPE_FENCE
    (count,) = _feed(protocol, received(S.MAVLink_mission_request_list_message(1, 1, fence)))
    assert (count.count, count.mission_type) == (0, fence)
    (refused,) = _feed(protocol, received(S.MAVLink_mission_count_message(1, 1, 3, fence)))
    assert (refused.type, refused.mission_type) == (S.MAV_MISSION_UNSUPPORTED, fence)
    (too_many,) = _feed(protocol, received(S.MAVLink_mission_count_message(1, 1, 1000, M)))[-1:]
    assert too_many.type == S.MAV_MISSION_NO_SPACE
