"""The two narrow callables the link reports to: "record this frame" and "journal this event".

The link must not know the recorder (the recorder sits above it), only these shapes.
``SessionRecorder.record_frame`` already is a :class:`FrameSink`; the composition root adapts
``SessionRecorder.journal`` with ``JournalKind(entry.value)``, and the values of
:class:`JournalEntry` are the recorder's ``kind`` strings (a unit test keeps them in step).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Protocol


class FrameSink(Protocol):
    """Takes one whole raw MAVLink frame, received or sent, with its time."""

    def __call__(self, frame: bytes, *, unix_time_s: float, critical: bool) -> None: ...


class JournalEntry(enum.Enum):
    """What the link journals; values are the journal's ``kind`` strings."""

    COMMAND_SENT = "command_sent"
    COMMAND_ACK = "command_ack"
    PARAM_CHANGE = "param_change"
    LINK_EVENT = "link_event"


class JournalSink(Protocol):
    """Takes one journal event: what happened, and JSON-able details."""

    def __call__(self, entry: JournalEntry, payload: Mapping[str, Any]) -> None: ...
