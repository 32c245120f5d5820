"""The parameter protocol as pure cores: full download with gap filling, read by name, set with echo.

Rules (https://mavlink.io/en/services/parameter.html):

* **Download**: PARAM_REQUEST_LIST, then the vehicle streams PARAM_VALUE for every index. Once the
  stream pauses for ``quiet_s`` (or never starts), missing indices are asked for one by one with
  PARAM_REQUEST_READ, at most ``max_in_flight`` at a time, each re-asked after ``timeout_s`` up to
  ``retries`` times. Complete when every index below ``param_count`` is held; a value still
  missing after its retries fails the whole download (:class:`~gcs.errors.ParameterTimeoutError`
  naming how many and which), so a partial list is never taken for the vehicle's.
* **Set**: PARAM_SET, verified by the PARAM_VALUE echo of the same name. An echo with another value
  may be a stale one already on its way, so the set is sent once more; a second such echo means
  the vehicle kept its value (:class:`~gcs.errors.ParameterError`).
* **Read**: PARAM_REQUEST_READ by name, answered by the PARAM_VALUE of that name.

Knows nothing of sockets, clocks or files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gcs.errors import ParameterError, ParameterTimeoutError
from gcs.links.exchange import Exchange, Outgoing, Peer
from gcs.links.param_values import (
    ParamEncoding,
    ParamTable,
    ParamValue,
    decode_param_value,
    encode_param_name,
    encode_param_value,
    same_value,
)
from gcs.protocol.dialect import seaport

MAX_INDICES_SHOWN = 10


@dataclass(frozen=True, slots=True)
class ParamPolicy:
    """Timing of the parameter protocol.

    Attributes:
        timeout_s: wait for an answer to one request (list, read or set).
        retries: extra tries of each request.
        quiet_s: a pause in the listing after which missing indices are requested.
        max_in_flight: PARAM_REQUEST_READs outstanding at once while filling gaps.

    Raises:
        ValueError: a non-positive time or count, or negative retries.
    """

    timeout_s: float = 1.0
    retries: int = 5
    quiet_s: float = 0.3
    max_in_flight: int = 16

    def __post_init__(self) -> None:
        if not (self.timeout_s > 0 and self.quiet_s > 0 and self.retries >= 0 and self.max_in_flight >= 1):
            raise ValueError(f"ParamPolicy needs positive times and counts, got {self!r}")


class ParamDownload(Exchange[ParamTable]):
    """Every parameter of the vehicle, complete or not at all."""

    def __init__(self, peer: Peer, policy: ParamPolicy, encoding: ParamEncoding) -> None:
        super().__init__(peer)
        self.policy = policy
        self.encoding = encoding
        self.count: int | None = None
        self.list_requests = 0
        self.read_requests = 0
        self._by_index: dict[int, ParamValue] = {}
        self._asked: dict[int, tuple[float, int]] = {}  # index -> (last asked at, times asked)
        self._filling = False

    @property
    def received(self) -> int:
        return len(self._by_index)

    def start(self, now_s: float) -> Outgoing:
        return self._request_list(now_s)

    def _handle(self, msg: Any, now_s: float) -> Outgoing:
        if not isinstance(msg, seaport.MAVLink_param_value_message):
            return []
        count = msg.param_count
        if count != self.count:
            # The first value, or the vehicle's list changed size: keep what still fits.
            self.count = count
            self._by_index = {i: v for i, v in self._by_index.items() if i < count}
            self._asked = {i: a for i, a in self._asked.items() if i < count}
        value = decode_param_value(msg, self.encoding)
        if value.index is not None:
            self._by_index[value.index] = value
            self._asked.pop(value.index, None)
        if self._complete() or value.index is None:
            return []  # done, or an answer by name (a set or read elsewhere) outside the listing
        if self._filling:
            return self._ask_missing(now_s)
        self._deadline_s = now_s + self.policy.quiet_s
        return []

    def on_timeout(self, now_s: float) -> Outgoing:
        if self._done:
            return []
        if self.count is None:
            if self.list_requests > self.policy.retries:
                self._fail(
                    ParameterTimeoutError(
                        f"no PARAM_VALUE answered {self.list_requests} PARAM_REQUEST_LIST(s)"
                    )
                )
                return []
            return self._request_list(now_s)
        self._filling = True
        for index, (asked_s, times) in self._asked.items():
            if now_s >= asked_s + self.policy.timeout_s and times > self.policy.retries:
                missing = sorted(set(range(self.count)) - set(self._by_index))
                shown = ", ".join(map(str, missing[:MAX_INDICES_SHOWN]))
                more = ", ..." if len(missing) > MAX_INDICES_SHOWN else ""
                self._fail(
                    ParameterTimeoutError(
                        f"{len(missing)} of {self.count} still missing after {times} requests of index "
                        f"{index} (indices {shown}{more})"
                    )
                )
                return []
        return self._ask_missing(now_s)

    def _complete(self) -> bool:
        if self.count is not None and len(self._by_index) >= self.count:
            by_name = {v.name: v for _, v in sorted(self._by_index.items())}
            self._succeed(ParamTable(by_name))
            return True
        return False

    def _request_list(self, now_s: float) -> Outgoing:
        self.list_requests += 1
        self._deadline_s = now_s + self.policy.timeout_s
        return [
            seaport.MAVLink_param_request_list_message(self.peer.target_system, self.peer.target_component)
        ]

    def _ask_missing(self, now_s: float) -> Outgoing:
        """Re-ask overdue indices, then ask new missing ones, keeping ``max_in_flight`` outstanding."""
        assert self.count is not None
        out: Outgoing = []
        due = [i for i, (asked_s, _) in self._asked.items() if now_s >= asked_s + self.policy.timeout_s]
        fresh_needed = self.policy.max_in_flight - (len(self._asked) - len(due))
        for index in due[:fresh_needed]:
            out.append(self._ask(index, now_s))
        fresh_needed -= len(out)
        if fresh_needed > 0:
            for index in range(self.count):
                if fresh_needed <= 0:
                    break
                if index not in self._by_index and index not in self._asked:
                    out.append(self._ask(index, now_s))
                    fresh_needed -= 1
        self._deadline_s = (
            min(asked_s for asked_s, _ in self._asked.values()) + self.policy.timeout_s
            if self._asked
            else now_s + self.policy.timeout_s
        )
        return out

    def _ask(self, index: int, now_s: float) -> Any:
        _, times = self._asked.get(index, (now_s, 0))
        self._asked[index] = (now_s, times + 1)
        self.read_requests += 1
        return seaport.MAVLink_param_request_read_message(
            self.peer.target_system, self.peer.target_component, b"", index
        )


class ParamRead(Exchange[ParamValue]):
    """One parameter by name."""

    def __init__(self, peer: Peer, name: str, policy: ParamPolicy, encoding: ParamEncoding) -> None:
        super().__init__(peer)
        self.name = name
        self._raw_name = encode_param_name(name)
        self.policy = policy
        self.encoding = encoding
        self.attempts = 0

    def start(self, now_s: float) -> Outgoing:
        return self._send(now_s)

    def _handle(self, msg: Any, now_s: float) -> Outgoing:
        if isinstance(msg, seaport.MAVLink_param_value_message) and msg.param_id == self.name:
            self._succeed(decode_param_value(msg, self.encoding))
        return []

    def on_timeout(self, now_s: float) -> Outgoing:
        if self._done:
            return []
        if self.attempts > self.policy.retries:
            self._fail(ParameterTimeoutError(f"no answer to {self.attempts} read request(s)", name=self.name))
            return []
        return self._send(now_s)

    def _send(self, now_s: float) -> Outgoing:
        self.attempts += 1
        self._deadline_s = now_s + self.policy.timeout_s
        return [
            seaport.MAVLink_param_request_read_message(
                self.peer.target_system, self.peer.target_component, self._raw_name, -1
            )
        ]


class ParamWrite(Exchange[ParamValue]):
    """Set one parameter and confirm it by the vehicle's echo.

    Raises (from the constructor):
        ParameterError: a bad name, or a value that does not fit the type.
    """

    MISMATCHES_FOR_REFUSAL = 2

    def __init__(
        self,
        peer: Peer,
        name: str,
        value: float,
        param_type: int,
        policy: ParamPolicy,
        encoding: ParamEncoding,
    ) -> None:
        super().__init__(peer)
        self.name = name
        self.value = value
        self.param_type = param_type
        self.policy = policy
        self.encoding = encoding
        self._raw_name = encode_param_name(name)
        self._wire_value = encode_param_value(name, value, param_type, encoding)
        self.attempts = 0
        self.mismatches = 0

    def start(self, now_s: float) -> Outgoing:
        return self._send(now_s)

    def _handle(self, msg: Any, now_s: float) -> Outgoing:
        if not (isinstance(msg, seaport.MAVLink_param_value_message) and msg.param_id == self.name):
            return []
        echo = decode_param_value(msg, self.encoding)
        if same_value(echo.value, self.value, self.param_type):
            self._succeed(echo)
            return []
        self.mismatches += 1
        if self.mismatches >= self.MISMATCHES_FOR_REFUSAL or self.attempts > self.policy.retries:
            self._fail(
                ParameterError(f"the vehicle kept {echo.value!r} instead of {self.value!r}", name=self.name)
            )
            return []
        return self._send(now_s)

    def on_timeout(self, now_s: float) -> Outgoing:
        if self._done:
            return []
        if self.attempts > self.policy.retries:
            self._fail(
                ParameterTimeoutError(
                    f"no PARAM_VALUE echo after {self.attempts} PARAM_SET(s)", name=self.name
                )
            )
            return []
        return self._send(now_s)

    def _send(self, now_s: float) -> Outgoing:
        self.attempts += 1
        self._deadline_s = now_s + self.policy.timeout_s
        return [
            seaport.MAVLink_param_set_message(
                self.peer.target_system,
                self.peer.target_component,
                self._raw_name,
                self._wire_value,
                self.param_type,
            )
        ]
