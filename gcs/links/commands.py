"""The command protocol as a pure core: COMMAND_LONG or COMMAND_INT, its COMMAND_ACK, retries, progress.

Rules (https://mavlink.io/en/services/command.html):

* Each attempt waits ``timeout_s`` for an ACK; without one the command is sent again, a
  COMMAND_LONG with ``confirmation`` one higher (COMMAND_INT has no such field and is resent as
  is), up to ``retries`` more times. Then :class:`~gcs.errors.CommandTimeoutError`.
* ``MAV_RESULT_IN_PROGRESS`` means "working on it": each such ACK moves the deadline to
  ``in_progress_timeout_s`` from then, without using up a retry. If the progress reports stop
  and that wait runs out, the command is resent (a vehicle answers a repeat of a command it has
  finished with its final result, and of one still running with IN_PROGRESS).
* ``MAV_RESULT_ACCEPTED`` succeeds; every other result becomes
  :class:`~gcs.errors.CommandRejectedError` carrying the result and the last STATUSTEXT the
  vehicle sent while the command was open (autopilots say why there: "PreArm: ...").
* Only an ACK for the same command, from the target system, addressed to us (or to 0, as older
  autopilots send) counts.

Knows nothing of sockets, clocks or which commands a rocket has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from gcs.errors import CommandRejectedError, CommandTimeoutError
from gcs.links.enums import MavResult, as_enum, command_name
from gcs.links.exchange import Exchange, Outgoing, Peer
from gcs.links.statustext import StatusText
from gcs.protocol.dialect import seaport

MAX_CONFIRMATION = 255


@dataclass(frozen=True, slots=True)
class CommandPolicy:
    """How long to wait and how often to retry.

    Raises:
        ValueError: a non-positive time or a negative retry count.
    """

    timeout_s: float = 1.0
    retries: int = 3
    in_progress_timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if not (self.timeout_s > 0 and self.in_progress_timeout_s > 0 and self.retries >= 0):
            raise ValueError(f"CommandPolicy needs positive timeouts and retries >= 0, got {self!r}")

    @property
    def longest_wait_s(self) -> float:
        """The longest a command with no answer at all can take before it fails."""
        return self.timeout_s * (self.retries + 1)


@dataclass(frozen=True, slots=True)
class CommandLong:
    """A COMMAND_LONG: a MAV_CMD and up to seven float parameters (missing ones are 0)."""

    command: int
    params: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if len(self.params) > 7:
            raise ValueError(f"COMMAND_LONG has 7 parameters, got {len(self.params)}")
        if not 0 <= self.command <= 0xFFFF:
            raise ValueError(f"MAV_CMD must fit 16 bits, got {self.command}")


@dataclass(frozen=True, slots=True)
class CommandInt:
    """A COMMAND_INT: a MAV_CMD with four float parameters and a position (x, y as int, z float).

    ``x``/``y`` are latitude/longitude in 1e-7 degrees for global frames; ``z`` is altitude in
    metres in ``frame``.
    """

    command: int
    frame: int = seaport.MAV_FRAME_GLOBAL_INT
    params: tuple[float, ...] = ()
    x: int = 0
    y: int = 0
    z: float = 0.0
    current: int = 0
    autocontinue: int = 0

    def __post_init__(self) -> None:
        if len(self.params) > 4:
            raise ValueError(f"COMMAND_INT has 4 float parameters, got {len(self.params)}")
        if not 0 <= self.command <= 0xFFFF:
            raise ValueError(f"MAV_CMD must fit 16 bits, got {self.command}")


CommandRequest = CommandLong | CommandInt


@dataclass(frozen=True, slots=True)
class CommandAck:
    """The vehicle accepted a command.

    Attributes:
        command: the MAV_CMD.
        result: always ``MavResult.ACCEPTED`` (anything else raised).
        progress: the last progress % reported while in progress (0 if none).
        result_param2: the ACK's command-specific detail.
        attempts: how many times the command was sent.
        elapsed_s: from the first send to the ACK.
    """

    command: int
    result: MavResult
    progress: int
    result_param2: int
    attempts: int
    elapsed_s: float


class CommandExchange(Exchange[CommandAck]):
    """One command until its final ACK, its rejection or its last timeout."""

    def __init__(self, peer: Peer, request: CommandRequest, policy: CommandPolicy) -> None:
        super().__init__(peer)
        self.request = request
        self.policy = policy
        self.attempts = 0
        self.in_progress = False
        self.progress = 0
        self._started_s = 0.0
        self._reason: str | None = None

    @property
    def command(self) -> int:
        return self.request.command

    def start(self, now_s: float) -> Outgoing:
        self._started_s = now_s
        return self._send(now_s)

    def on_status_text(self, text: StatusText, now_s: float) -> None:
        if not self._done:
            self._reason = text.text

    def _handle(self, msg: Any, now_s: float) -> Outgoing:
        if (
            msg.get_msgId() != seaport.MAVLINK_MSG_ID_COMMAND_ACK
            or msg.command != self.command
            or not self.peer.is_for_us(msg.target_system)
        ):
            return []
        result = as_enum(MavResult, msg.result)
        if result == MavResult.IN_PROGRESS:
            self.in_progress = True
            self.progress = msg.progress if msg.progress <= 100 else self.progress
            self._deadline_s = now_s + self.policy.in_progress_timeout_s
        elif result == MavResult.ACCEPTED:
            self._succeed(
                CommandAck(
                    self.command,
                    MavResult.ACCEPTED,
                    self.progress,
                    msg.result_param2,
                    self.attempts,
                    now_s - self._started_s,
                )
            )
        else:
            self._fail(
                CommandRejectedError(
                    self.command,
                    result,
                    self._reason,
                    command_name=command_name(self.command),
                    result_param2=msg.result_param2,
                )
            )
        return []

    def on_timeout(self, now_s: float) -> Outgoing:
        if self._done:
            return []
        if self.attempts > self.policy.retries:
            self._fail(
                CommandTimeoutError(
                    self.command,
                    self.attempts,
                    now_s - self._started_s,
                    command_name=command_name(self.command),
                )
            )
            return []
        return self._send(now_s)

    def _send(self, now_s: float) -> Outgoing:
        self.attempts += 1
        self.in_progress = False
        self._deadline_s = now_s + self.policy.timeout_s
        return [encode_command(self.peer, self.request, confirmation=self.attempts - 1)]


def encode_command(peer: Peer, request: CommandRequest, *, confirmation: int = 0) -> Any:
    """The COMMAND_LONG or COMMAND_INT message for ``request`` addressed to ``peer``'s target."""
    if isinstance(request, CommandLong):
        p = _floats(request.params, 7)
        return seaport.MAVLink_command_long_message(
            peer.target_system,
            peer.target_component,
            request.command,
            min(confirmation, MAX_CONFIRMATION),
            *p,
        )
    p = _floats(request.params, 4)
    return seaport.MAVLink_command_int_message(
        peer.target_system,
        peer.target_component,
        request.frame,
        request.command,
        request.current,
        request.autocontinue,
        *p,
        request.x,
        request.y,
        request.z,
    )


def _floats(params: tuple[float, ...], count: int) -> list[float]:
    # NaN is meaningful in MAVLink ("use the default"), so it passes; only the length is fixed here.
    values = [float(v) for v in params] + [0.0] * (count - len(params))
    for value in values:
        if math.isinf(value):
            raise ValueError("command parameters must be finite (or NaN for 'default')")
    return values
