"""The mission (flight plan) protocol as pure cores: upload and download with ``_INT`` items.

Upload (https://mavlink.io/en/services/mission.html)::

    GCS  MISSION_COUNT(n) ->
         <- MISSION_REQUEST_INT(0)      GCS  MISSION_ITEM_INT(0) ->
         ...                                 ...
         <- MISSION_REQUEST_INT(n-1)    GCS  MISSION_ITEM_INT(n-1) ->
         <- MISSION_ACK(ACCEPTED)

Download is the mirror image (MISSION_REQUEST_LIST, MISSION_COUNT, MISSION_REQUEST_INT(seq) for
each item, then our MISSION_ACK). Each step waits ``timeout_s``; without an answer the last message
is sent again, up to ``retries`` times in a row, and then the transfer fails and the vehicle is
told (MISSION_ACK with OPERATION_CANCELLED). A transfer is refused, never half-taken, when:

* the vehicle accepts an upload before it has asked for every item (a short transfer);
* it asks for, or sends, an item outside ``0..count-1``, or changes the count midway (corrupt);
* it answers a download with float MISSION_ITEMs (their float lat/lon lose precision);
* it ends the transfer with any MISSION_ACK other than ACCEPTED.

A vehicle that asks with the older MISSION_REQUEST is still sent MISSION_ITEM_INT, which every
current autopilot accepts. Knows nothing of sockets, clocks or what the items mean.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gcs.errors import MissionError, MissionTimeoutError
from gcs.links.enums import MissionResult, MissionType, as_enum
from gcs.links.exchange import Exchange, Outgoing, Peer
from gcs.links.param_values import float32
from gcs.protocol.dialect import seaport

MAX_ITEMS = 0xFFFF - 1
_INT32 = (-(2**31), 2**31 - 1)


@dataclass(frozen=True, slots=True)
class MissionPolicy:
    """Timing of the mission protocol: per-step timeout, and retries of one step in a row.

    Raises:
        ValueError: a non-positive timeout or negative retries.
    """

    timeout_s: float = 1.5
    retries: int = 5

    def __post_init__(self) -> None:
        if not (self.timeout_s > 0 and self.retries >= 0):
            raise ValueError(f"MissionPolicy needs timeout_s > 0 and retries >= 0, got {self!r}")


@dataclass(frozen=True, slots=True, eq=False)
class MissionItem:
    """One mission item as MISSION_ITEM_INT carries it; its ``seq`` is its place in the list.

    ``params`` are param1-4; ``x``/``y`` are latitude/longitude in 1e-7 degrees for global frames
    (plain integers otherwise) and ``z`` the altitude in metres in ``frame``. Floats are kept at
    float32 precision, as they travel, and NaN ("leave unchanged") equals NaN, so an item compares
    equal to itself after a round trip.

    Raises:
        ValueError: more than four params, or x/y outside int32.
    """

    command: int
    frame: int = seaport.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
    params: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0)
    x: int = 0
    y: int = 0
    z: float = 0.0
    current: int = 0
    autocontinue: int = 1

    def __post_init__(self) -> None:
        if len(self.params) > 4:
            raise ValueError(f"a mission item has 4 params, got {len(self.params)}")
        for name in ("x", "y"):
            value = getattr(self, name)
            if not _INT32[0] <= value <= _INT32[1]:
                raise ValueError(f"{name} must fit int32, got {value}")
        padded = tuple(float32(p) for p in self.params) + (0.0,) * (4 - len(self.params))
        object.__setattr__(self, "params", padded)
        object.__setattr__(self, "z", float32(self.z))

    @classmethod
    def waypoint(
        cls,
        latitude_deg: float,
        longitude_deg: float,
        altitude_m: float,
        *,
        frame: int = seaport.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
        hold_s: float = 0.0,
    ) -> MissionItem:
        """A MAV_CMD_NAV_WAYPOINT at a position (degrees, metres in ``frame``)."""
        return cls(
            seaport.MAV_CMD_NAV_WAYPOINT,
            frame,
            (hold_s, 0.0, 0.0, math.nan),
            round(latitude_deg * 1e7),
            round(longitude_deg * 1e7),
            altitude_m,
        )

    @property
    def latitude_deg(self) -> float:
        return self.x / 1e7

    @property
    def longitude_deg(self) -> float:
        return self.y / 1e7

    def _key(self) -> tuple[Any, ...]:
        # NaN is MAVLink's "leave unchanged"; two items that both say so are the same item.
        def norm(value: float) -> float | str:
            return "nan" if math.isnan(value) else value

        return (
            self.command,
            self.frame,
            tuple(norm(p) for p in self.params),
            self.x,
            self.y,
            norm(self.z),
            self.current,
            self.autocontinue,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MissionItem):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


def item_message(peer: Peer, seq: int, item: MissionItem, mission_type: int) -> Any:
    """The MISSION_ITEM_INT for ``item`` at ``seq``."""
    return seaport.MAVLink_mission_item_int_message(
        peer.target_system,
        peer.target_component,
        seq,
        item.frame,
        item.command,
        item.current,
        item.autocontinue,
        *item.params,
        item.x,
        item.y,
        item.z,
        mission_type,
    )


def item_from_message(msg: Any) -> MissionItem:
    """The :class:`MissionItem` a MISSION_ITEM_INT carries."""
    return MissionItem(
        msg.command,
        msg.frame,
        (msg.param1, msg.param2, msg.param3, msg.param4),
        msg.x,
        msg.y,
        msg.z,
        msg.current,
        msg.autocontinue,
    )


class _Transfer(Exchange[Any]):
    """What upload and download share: the mission type, resending the last step, cancelling."""

    def __init__(self, peer: Peer, mission_type: MissionType | int, policy: MissionPolicy) -> None:
        super().__init__(peer)
        self.mission_type = int(mission_type)
        self.policy = policy
        self.attempts = 0
        self.resends = 0
        self._last: Any = None
        self._step = "start"

    def _ours(self, msg: Any) -> bool:
        return msg.mission_type == self.mission_type and self.peer.is_for_us(msg.target_system)

    def _send(self, msg: Any, step: str, now_s: float) -> Outgoing:
        """Send a new step: the retry count starts again, since the vehicle moved on."""
        self._last, self._step, self.attempts = msg, step, 1
        self._deadline_s = now_s + self.policy.timeout_s
        return [msg]

    def on_timeout(self, now_s: float) -> Outgoing:
        if self._done:
            return []
        if self.attempts > self.policy.retries:
            self._fail(
                MissionTimeoutError(
                    f"no answer to {self._step} after {self.attempts} tries",
                    result=MissionResult.OPERATION_CANCELLED,
                    mission_type=self.mission_type,
                )
            )
            return [self._ack(MissionResult.OPERATION_CANCELLED)]
        self.attempts += 1
        self.resends += 1
        self._deadline_s = now_s + self.policy.timeout_s
        return [self._last]

    def _refuse(self, detail: str, result: MissionResult | int, *, tell_vehicle: bool = True) -> Outgoing:
        self._fail(MissionError(detail, result=result, mission_type=self.mission_type))
        return [self._ack(result)] if tell_vehicle else []

    def _ack(self, result: MissionResult | int) -> Any:
        return seaport.MAVLink_mission_ack_message(
            self.peer.target_system, self.peer.target_component, int(result), self.mission_type
        )


class MissionUpload(_Transfer):
    """Send a list of items; done when the vehicle has asked for each and accepted the whole.

    Raises (from the constructor):
        ValueError: more items than MISSION_COUNT can announce.
    """

    def __init__(
        self, peer: Peer, items: Sequence[MissionItem], mission_type: MissionType | int, policy: MissionPolicy
    ) -> None:
        super().__init__(peer, mission_type, policy)
        if len(items) > MAX_ITEMS:
            raise ValueError(f"at most {MAX_ITEMS} mission items, got {len(items)}")
        self.items = tuple(items)
        self.requested: set[int] = set()

    def start(self, now_s: float) -> Outgoing:
        count = seaport.MAVLink_mission_count_message(
            self.peer.target_system, self.peer.target_component, len(self.items), self.mission_type
        )
        return self._send(count, "MISSION_COUNT", now_s)

    def _handle(self, msg: Any, now_s: float) -> Outgoing:
        if isinstance(
            msg, seaport.MAVLink_mission_request_int_message | seaport.MAVLink_mission_request_message
        ):
            if not self._ours(msg):
                return []
            seq = msg.seq
            if seq >= len(self.items):
                return self._refuse(
                    f"the vehicle asked for item {seq} of {len(self.items)}", MissionResult.INVALID_SEQUENCE
                )
            self.requested.add(seq)
            item = item_message(self.peer, seq, self.items[seq], self.mission_type)
            return self._send(item, f"MISSION_ITEM_INT {seq}", now_s)
        if isinstance(msg, seaport.MAVLink_mission_ack_message) and self._ours(msg):
            result = as_enum(MissionResult, msg.type)
            if result != MissionResult.ACCEPTED:
                return self._refuse("the vehicle refused the upload", result, tell_vehicle=False)
            if len(self.requested) < len(self.items):
                return self._refuse(
                    f"the vehicle accepted after asking for {len(self.requested)} of {len(self.items)} items",
                    MissionResult.ACCEPTED,
                    tell_vehicle=False,
                )
            self._succeed(len(self.items))
        return []


class MissionDownload(_Transfer):
    """Fetch the vehicle's list; done when every announced item has arrived, in order."""

    def __init__(self, peer: Peer, mission_type: MissionType | int, policy: MissionPolicy) -> None:
        super().__init__(peer, mission_type, policy)
        self.count: int | None = None
        self.items: list[MissionItem] = []

    def start(self, now_s: float) -> Outgoing:
        request = seaport.MAVLink_mission_request_list_message(
            self.peer.target_system, self.peer.target_component, self.mission_type
        )
        return self._send(request, "MISSION_REQUEST_LIST", now_s)

    def _handle(self, msg: Any, now_s: float) -> Outgoing:
        if isinstance(msg, seaport.MAVLink_mission_count_message) and self._ours(msg):
            if self.count is None:
                self.count = msg.count
                if self.count == 0:
                    self._succeed(())
                    return [self._ack(MissionResult.ACCEPTED)]
                return self._request(0, now_s)
            if msg.count != self.count:
                return self._refuse(
                    f"the vehicle changed the count from {self.count} to {msg.count}",
                    MissionResult.INVALID_SEQUENCE,
                )
            return []  # the same count again: our request list was repeated
        if isinstance(msg, seaport.MAVLink_mission_item_int_message) and self._ours(msg):
            if self.count is None:
                return []
            seq, expected = msg.seq, len(self.items)
            if seq >= self.count:
                return self._refuse(
                    f"the vehicle sent item {seq} of {self.count}", MissionResult.INVALID_SEQUENCE
                )
            if seq < expected:
                return []  # a repeat of an item we have
            if seq > expected:
                # Out of order: ask again for the one we need, as a retry, so that a vehicle that
                # keeps skipping ahead ends the transfer instead of looping forever.
                return self.on_timeout(now_s)
            self.items.append(item_from_message(msg))
            if len(self.items) == self.count:
                self._succeed(tuple(self.items))
                return [self._ack(MissionResult.ACCEPTED)]
            return self._request(len(self.items), now_s)
        if (
            isinstance(msg, seaport.MAVLink_mission_item_message)
            and self._ours(msg)
            and self.count is not None
        ):
            return self._refuse(
                "the vehicle sent float MISSION_ITEMs, not MISSION_ITEM_INT", MissionResult.UNSUPPORTED
            )
        if isinstance(msg, seaport.MAVLink_mission_ack_message) and self._ours(msg):
            if msg.type == MissionResult.ACCEPTED:
                # A vehicle ends a download only with an error; ACCEPTED here is the late, repeated
                # ACK of an upload just finished (its last item was retried over a lossy link).
                return []
            return self._refuse(
                "the vehicle ended the download", as_enum(MissionResult, msg.type), tell_vehicle=False
            )
        return []

    def _request(self, seq: int, now_s: float) -> Outgoing:
        request = seaport.MAVLink_mission_request_int_message(
            self.peer.target_system, self.peer.target_component, seq, self.mission_type
        )
        return self._send(request, f"MISSION_REQUEST_INT {seq}", now_s)
