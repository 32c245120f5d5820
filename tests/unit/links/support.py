"""Helpers for the links' table tests: real decoded messages from a "vehicle", and an exchange driver.

``says(msg)`` packs a message with stock pymavlink as system 1 (component 1 unless told) and
decodes it with our codec, so cores see exactly what the link would hand them. ``drive`` runs an
exchange through rows of ``(time, event)``: a message, ``TIMEOUT`` (call ``on_timeout``; the row's
time must have reached the deadline) or a ``StatusText``, and returns what it sent at each row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from gcs.links.exchange import Exchange, Peer
from gcs.links.statustext import StatusText
from gcs.protocol.dialect import seaport
from gcs.protocol.mavlink import MavlinkCodec

GCS: Final = (255, 190)
VEHICLE: Final = (1, 1)
PEER: Final = Peer(GCS[0], GCS[1], VEHICLE[0], VEHICLE[1])
TIMEOUT: Final = "timeout"


def says(msg: Any, *, sysid: int = VEHICLE[0], compid: int = VEHICLE[1]) -> Any:
    """``msg`` as the link would receive it from (sysid, compid)."""
    mav = seaport.MAVLink(None, srcSystem=sysid, srcComponent=compid)
    (decoded,) = MavlinkCodec(GCS[0], GCS[1]).feed(bytes(msg.pack(mav)))
    return decoded


@dataclass(frozen=True, slots=True)
class Step:
    """What one row of a drive did: when, what it fed, what the exchange sent back."""

    at_s: float
    event: Any
    sent: list[Any]

    @property
    def names(self) -> list[str]:
        return [m.get_type() for m in self.sent]


def drive(
    exchange: Exchange[Any], rows: Sequence[tuple[float, Any]], *, start_s: float | None = 0.0
) -> list[Step]:
    """Start ``exchange`` at ``start_s`` and feed it ``rows``; the first step is the start.

    With ``start_s=None`` the exchange is not started (it was, by an earlier ``drive``).
    """
    steps = [] if start_s is None else [Step(start_s, "start", exchange.start(start_s))]
    for at_s, event in rows:
        if event == TIMEOUT:
            deadline = exchange.deadline_s
            assert deadline is not None, f"timeout at {at_s} of a finished exchange"
            assert at_s >= deadline, f"timeout at {at_s} before deadline {deadline}"
            steps.append(Step(at_s, event, exchange.on_timeout(at_s)))
        elif isinstance(event, StatusText):
            exchange.on_status_text(event, at_s)
            steps.append(Step(at_s, event, []))
        else:
            steps.append(Step(at_s, event, exchange.on_message(event, at_s)))
    return steps


def sent_names(steps: Sequence[Step]) -> list[list[str]]:
    return [step.names for step in steps]
