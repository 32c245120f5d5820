"""Received bytes cut into raw lines for the raw NMEA log: everything, exactly as it came. Pure.

The decoder only hands back the sentences it accepted; the log must also keep what it rejected
(bad checksums, noise, cut-short lines), so that a replay meets the same bytes and counts the same
losses. So the link splits the same bytes a second time, at CR and LF only, and records every
non-empty piece: a sentence, a sentence with noise in front of it, a lone run of noise. Line ends
are framing, not content, and are dropped (empty lines cost nothing, as in the decoder). A partial
line waits for its end, across a reconnection too, as it does in the decoder.

A piece longer than ``max_line_bytes`` (a stream that lost its line ends) is recorded in parts;
only there can a replay's counts differ, and only for that piece. Knows nothing of NMEA or sockets.
"""

from __future__ import annotations

import re

_LINE_END = re.compile(rb"[\r\n]")


class RawLineSplitter:
    """Splits a byte stream at CR/LF into non-empty raw lines.

    Raises:
        ValueError: ``max_line_bytes`` < 1.
    """

    def __init__(self, max_line_bytes: int = 4096) -> None:
        if max_line_bytes < 1:
            raise ValueError(f"max_line_bytes must be >= 1, got {max_line_bytes}")
        self._max = max_line_bytes
        self._partial = bytearray()

    @property
    def pending_bytes(self) -> int:
        return len(self._partial)

    def feed(self, data: bytes) -> list[bytes]:
        """The raw lines ``data`` completed (without line ends); the rest waits for the next call."""
        lines: list[bytes] = []
        pieces = _LINE_END.split(data)
        for i, piece in enumerate(pieces):
            self._partial += piece
            last = i == len(pieces) - 1
            while len(self._partial) > self._max:
                lines.append(bytes(self._partial[: self._max]))
                del self._partial[: self._max]
            if not last and self._partial:
                lines.append(bytes(self._partial))
                self._partial.clear()
        return lines

    def flush(self) -> bytes | None:
        """The partial line, if any (when the link closes for good), and forget it."""
        if not self._partial:
            return None
        line = bytes(self._partial)
        self._partial.clear()
        return line
