"""STATUSTEXT messages from text: one message up to 50 characters, numbered chunks beyond. Pure.

Knows nothing of sockets or of who sends the text.
"""

from __future__ import annotations

import enum
from typing import Any

from gcs.protocol.dialect import seaport

CHUNK_CHARS = 50
"""STATUSTEXT.text is char[50]; a shorter text is NUL-terminated, a full one is not."""

MAX_CHUNKS = 8
"""Longer texts are cut: a status line is a headline, not a log."""


class Severity(enum.IntEnum):
    """MAV_SEVERITY values."""

    EMERGENCY = 0
    ALERT = 1
    CRITICAL = 2
    ERROR = 3
    WARNING = 4
    NOTICE = 5
    INFO = 6
    DEBUG = 7


class StatusTexts:
    """Builds STATUSTEXT messages for one sender, numbering multi-chunk texts."""

    def __init__(self) -> None:
        self._last_id = 0

    def __call__(self, severity: int, text: str) -> list[Any]:
        """The STATUSTEXT(s) for ``text``: one with ``id`` 0, or chunks sharing a non-zero ``id``."""
        data = text.encode("ascii", errors="replace")[: CHUNK_CHARS * MAX_CHUNKS]
        if len(data) <= CHUNK_CHARS:
            return [seaport.MAVLink_statustext_message(int(severity), data, 0, 0)]
        self._last_id = self._last_id % 65535 + 1
        chunks = [data[i : i + CHUNK_CHARS] for i in range(0, len(data), CHUNK_CHARS)]
        if len(chunks[-1]) == CHUNK_CHARS:
            chunks.append(b"")  # an empty final chunk ends a text that filled its last one exactly
        return [
            seaport.MAVLink_statustext_message(int(severity), chunk, self._last_id, seq)
            for seq, chunk in enumerate(chunks)
        ]
