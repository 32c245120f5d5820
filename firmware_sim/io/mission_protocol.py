"""The vehicle side of MAVLink's mission protocol with ``_INT`` items. Pure: messages and time in, out.

- Upload: MISSION_COUNT -> we ask MISSION_REQUEST_INT(seq) for each item in order -> the
  ground sends MISSION_ITEM_INT -> once all are in, the whole list is offered to ``accept`` and
  we answer MISSION_ACK: ACCEPTED, or INVALID / DENIED with the reason in a STATUSTEXT. A
  request left unanswered is repeated every ``timeout_s`` up to ``retries`` times, then the
  upload is cancelled (OPERATION_CANCELLED). A repeated last item (our ACK was lost) gets the ACK
  again; a new MISSION_COUNT restarts the upload. Float MISSION_ITEMs are taken too (converted
  to degE7), since older ground stations still send them.
- Download: MISSION_REQUEST_LIST -> MISSION_COUNT; MISSION_REQUEST_INT (or MISSION_REQUEST) ->
  MISSION_ITEM_INT; the ground's MISSION_ACK ends it. We keep no state for it: every request is
  answered from the stored list.
- Clear: MISSION_CLEAR_ALL offers an empty list to ``accept`` and ACKs the verdict.

Only MAV_MISSION_TYPE_MISSION holds anything (the flight plan). Fence and rally lists read back
empty, so ground stations that fetch them on connect are content, and uploads to them are
UNSUPPORTED. The stored list reads back exactly as it was uploaded.

Knows nothing of sockets, asyncio or what the items mean (``accept`` judges them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from firmware_sim.firmware.flight_plan import MissionItem
from firmware_sim.io.statustext import Severity, StatusTexts
from gcs.protocol.dialect import seaport

MISSION = seaport.MAV_MISSION_TYPE_MISSION

AcceptMission = Callable[[Sequence[MissionItem]], tuple[int, str]]
"""Judges a complete upload (or an empty list for a clear): (MAV_MISSION_RESULT, reason)."""


@dataclass(slots=True)
class _Upload:
    ground: tuple[int, int]
    count: int
    items: list[MissionItem] = field(default_factory=list)
    asked_at_s: float = 0.0
    tries: int = 1


@dataclass(frozen=True, slots=True)
class _Finished:
    ground: tuple[int, int]
    count: int
    result: int


class MissionProtocol:
    def __init__(
        self,
        accept: AcceptMission,
        texts: StatusTexts,
        *,
        system_id: int = 1,
        component_id: int = 1,
        timeout_s: float = 1.0,
        retries: int = 5,
        max_items: int = 256,
    ) -> None:
        self._accept = accept
        self._texts = texts
        self._ids = (system_id, component_id)
        self._timeout_s = timeout_s
        self._retries = retries
        self._max_items = max_items
        self._items: list[MissionItem] = []
        self._upload: _Upload | None = None
        self._finished: _Finished | None = None

    @property
    def items(self) -> tuple[MissionItem, ...]:
        """The accepted mission, as uploaded."""
        return tuple(self._items)

    @property
    def uploading(self) -> bool:
        return self._upload is not None

    def addressed_to_us(self, msg: Any) -> bool:
        return msg.target_system == self._ids[0] and msg.target_component in (0, self._ids[1])

    def handle(self, msg: Any, now_s: float) -> list[Any]:
        """The answer to one mission-protocol message addressed to us."""
        kind = msg.get_type()
        ground = (int(msg.get_srcSystem()), int(msg.get_srcComponent()))
        mission_type = int(getattr(msg, "mission_type", MISSION))
        if kind == "MISSION_REQUEST_LIST":
            count = len(self._items) if mission_type == MISSION else 0
            return [seaport.MAVLink_mission_count_message(*ground, count, mission_type)]
        if kind in ("MISSION_REQUEST_INT", "MISSION_REQUEST"):
            return self._send_item(ground, int(msg.seq), mission_type)
        if kind == "MISSION_COUNT":
            return self._start_upload(ground, int(msg.count), mission_type, now_s)
        if kind in ("MISSION_ITEM_INT", "MISSION_ITEM"):
            return self._take_item(ground, msg, mission_type, now_s)
        if kind == "MISSION_CLEAR_ALL":
            if mission_type not in (MISSION, seaport.MAV_MISSION_TYPE_ALL):
                return [self._ack(ground, seaport.MAV_MISSION_ACCEPTED, mission_type)]  # already empty
            self._upload = None
            return self._judge(ground, [], mission_type)
        return []  # the ground's MISSION_ACK ends a download; nothing to keep

    def on_timer(self, now_s: float) -> list[Any]:
        """Repeat an unanswered item request, or give the upload up after ``retries`` tries."""
        upload = self._upload
        if upload is None or now_s - upload.asked_at_s < self._timeout_s:
            return []
        if upload.tries > self._retries:
            self._upload = None
            return [
                *self._texts(Severity.WARNING, f"Mission upload cancelled: no item {len(upload.items)}"),
                self._ack(upload.ground, seaport.MAV_MISSION_OPERATION_CANCELLED, MISSION),
            ]
        upload.tries += 1
        upload.asked_at_s = now_s
        return [self._request(upload)]

    # --- upload ----------------------------------------------------------------------------------

    def _start_upload(
        self, ground: tuple[int, int], count: int, mission_type: int, now_s: float
    ) -> list[Any]:
        if mission_type != MISSION:
            if count == 0:
                return [self._ack(ground, seaport.MAV_MISSION_ACCEPTED, mission_type)]
            return [self._ack(ground, seaport.MAV_MISSION_UNSUPPORTED, mission_type)]
        if count > self._max_items:
            return [
                *self._texts(Severity.WARNING, f"Mission of {count} items: room for {self._max_items}"),
                self._ack(ground, seaport.MAV_MISSION_NO_SPACE, mission_type),
            ]
        self._finished = None
        if count == 0:
            self._upload = None
            return self._judge(ground, [], mission_type)
        self._upload = _Upload(ground, count, asked_at_s=now_s)
        return [self._request(self._upload)]

    def _take_item(self, ground: tuple[int, int], msg: Any, mission_type: int, now_s: float) -> list[Any]:
        upload = self._upload
        seq = int(msg.seq)
        if upload is None or upload.ground != ground or mission_type != MISSION:
            finished = self._finished
            if finished is not None and finished.ground == ground and seq == finished.count - 1:
                return [self._ack(ground, finished.result, mission_type)]  # our ACK was lost
            return []
        if seq == len(upload.items):
            upload.items.append(_item_of(msg))
            if len(upload.items) == upload.count:
                self._upload = None
                return self._judge(ground, upload.items, mission_type)
        # The next one (or, after a stray item, the one we still need), with a fresh retry budget.
        upload.asked_at_s, upload.tries = now_s, 1
        return [self._request(upload)]

    def _judge(self, ground: tuple[int, int], items: list[MissionItem], mission_type: int) -> list[Any]:
        result, reason = self._accept(items)
        out: list[Any] = []
        if result == seaport.MAV_MISSION_ACCEPTED:
            self._items = list(items)
            if reason:
                out.extend(self._texts(Severity.INFO, reason))
        else:
            out.extend(self._texts(Severity.WARNING, f"Flight plan refused: {reason}"))
        self._finished = _Finished(ground, len(items), result) if items else None
        out.append(self._ack(ground, result, mission_type))
        return out

    def _request(self, upload: _Upload) -> Any:
        return seaport.MAVLink_mission_request_int_message(*upload.ground, len(upload.items), MISSION)

    # --- download --------------------------------------------------------------------------------

    def _send_item(self, ground: tuple[int, int], seq: int, mission_type: int) -> list[Any]:
        if mission_type != MISSION or not 0 <= seq < len(self._items):
            return [self._ack(ground, seaport.MAV_MISSION_INVALID_SEQUENCE, mission_type)]
        item = self._items[seq]
        return [
            seaport.MAVLink_mission_item_int_message(
                *ground, seq, item.frame, item.command, 1 if seq == 0 else 0, item.autocontinue,
                item.param1, item.param2, item.param3, item.param4, item.x, item.y, item.z, MISSION,
            )
        ]  # fmt: skip

    def _ack(self, ground: tuple[int, int], result: int, mission_type: int) -> Any:
        return seaport.MAVLink_mission_ack_message(*ground, result, mission_type)


def _item_of(msg: Any) -> MissionItem:
    if msg.get_type() == "MISSION_ITEM":
        x, y = round(msg.x * 1e7), round(msg.y * 1e7)
        frame = {
            seaport.MAV_FRAME_GLOBAL: seaport.MAV_FRAME_GLOBAL_INT,
            seaport.MAV_FRAME_GLOBAL_RELATIVE_ALT: seaport.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
        }.get(msg.frame, msg.frame)
    else:
        x, y, frame = int(msg.x), int(msg.y), int(msg.frame)
    return MissionItem(
        command=int(msg.command), frame=frame, param1=msg.param1, param2=msg.param2, param3=msg.param3,
        param4=msg.param4, x=x, y=y, z=msg.z, autocontinue=int(msg.autocontinue),
    )  # fmt: skip
