"""STATUSTEXT assembly: single messages pass through, chunked ones (``id`` != 0) are joined. Pure.

MAVLink 2 splits a text longer than the 50-byte field into chunks sharing one ``id`` with rising
``chunk_seq``; the last chunk is the one shorter than the field (NUL-terminated). A chunk lost on
the way leaves a ``…`` in its place rather than holding the text back forever. Knows nothing of
links, commands or the hub.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

FIELD_BYTES = 50
MISSING_CHUNK = "…"
MAX_PENDING_TEXTS = 16
"""Chunked texts still waiting for their last chunk, per assembler; the oldest is dropped beyond."""


@dataclass(frozen=True, slots=True)
class StatusText:
    """A complete text from one component; ``severity`` is MAV_SEVERITY (0 emergency .. 7 debug)."""

    compid: int
    severity: int
    text: str


class StatusTextAssembler:
    """Joins the STATUSTEXT chunks of one system."""

    def __init__(self) -> None:
        self._pending: OrderedDict[tuple[int, int], dict[int, bytes]] = OrderedDict()

    def feed(self, msg: Any) -> StatusText | None:
        """Take one STATUSTEXT; return the text it completes, if any."""
        raw = getattr(msg, "_text_raw", None)
        if not isinstance(raw, bytes):
            raw = str(msg.text).encode("utf-8", errors="replace")
        raw = raw.split(b"\x00", 1)[0]
        compid = msg.get_srcComponent()
        if msg.id == 0:
            return StatusText(compid, msg.severity, _decode(raw))
        key = (compid, msg.id)
        chunks = self._pending.setdefault(key, {})
        chunks[msg.chunk_seq] = raw
        if len(raw) >= FIELD_BYTES:
            while len(self._pending) > MAX_PENDING_TEXTS:
                self._pending.popitem(last=False)
            return None
        del self._pending[key]
        parts = [_decode(chunks[i]) if i in chunks else MISSING_CHUNK for i in range(max(chunks) + 1)]
        return StatusText(compid, msg.severity, "".join(parts))


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")
