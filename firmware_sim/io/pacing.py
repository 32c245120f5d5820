"""Serial line pacing: when a chunk of bytes may go out so a stream keeps to its baud rate. Pure.

A pty or a USB adapter's buffer takes bytes as fast as they come; a real 38400-baud line does not.
``BaudPacer`` serialises chunks at 10 bits per byte (8N1), so the receiving end sees the timing of a
real line, and a talker configured beyond its line's capacity falls behind visibly instead of
silently delivering more than the wire could. Knows nothing of what the bytes are, or of clocks.
"""

from __future__ import annotations

BITS_PER_BYTE = 10
"""One start bit, eight data bits, one stop bit."""


class BaudPacer:
    def __init__(self, baud: int) -> None:
        if baud <= 0:
            raise ValueError(f"baud rate must be > 0, got {baud}")
        self.bytes_per_s = baud / BITS_PER_BYTE
        self._line_free_at_s = float("-inf")

    def delay_s(self, now_s: float, nbytes: int) -> float:
        """How long to wait before writing ``nbytes`` at ``now_s`` (the line is then booked for them)."""
        start = max(now_s, self._line_free_at_s)
        self._line_free_at_s = start + nbytes / self.bytes_per_s
        return start - now_s
