"""Message-rate requests: config's ``[[vehicle.message_rates]]`` as SET_MESSAGE_INTERVAL commands. Pure.

Knows nothing of sockets or of when the requests are sent (the link sends them each time a
vehicle is found or recovered, since a vehicle that rebooted meanwhile has forgotten them).
"""

from __future__ import annotations

from dataclasses import dataclass

from gcs.links.commands import CommandLong
from gcs.protocol.dialect import seaport

STOP_INTERVAL_US = -1
"""SET_MESSAGE_INTERVAL's interval that means "stop sending"."""


@dataclass(frozen=True, slots=True)
class MessageRate:
    """Send message ``msg_id`` (``name``) at ``rate_hz``; 0 Hz asks the vehicle to stop it."""

    msg_id: int
    name: str
    rate_hz: float

    @property
    def interval_us(self) -> int:
        return STOP_INTERVAL_US if self.rate_hz == 0 else max(1, round(1e6 / self.rate_hz))

    def command(self) -> CommandLong:
        return CommandLong(
            seaport.MAV_CMD_SET_MESSAGE_INTERVAL, (float(self.msg_id), float(self.interval_us))
        )


def resolve_rate(message: str, rate_hz: float) -> MessageRate:
    """The :class:`MessageRate` for a message name (``"ATTITUDE"``) or id (``"30"``).

    Raises:
        ValueError: the dialect has no such message, or the rate is negative.
    """
    if rate_hz < 0:
        raise ValueError(f"message rate must be >= 0 Hz, got {rate_hz}")
    if message.isdigit():
        cls = seaport.mavlink_map.get(int(message))
        if cls is None:
            raise ValueError(f"message id {message} is not in the seaport dialect")
        return MessageRate(int(message), str(cls.msgname), rate_hz)
    msg_id = getattr(seaport, f"MAVLINK_MSG_ID_{message}", None)
    if not isinstance(msg_id, int):
        raise ValueError(f"message {message!r} is not in the seaport dialect")
    return MessageRate(msg_id, message, rate_hz)
