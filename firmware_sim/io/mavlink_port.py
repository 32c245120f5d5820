"""One simulated system's MAVLink on one byte stream: frames out, decoded messages in, counted.

The thin I/O shell every simulated system shares (vehicle, platform, HIL bridge): it packs
messages with the system's stock codec and writes them, and turns incoming bytes into messages,
counting what the codec refused (bad CRC, bad or missing signature, replays) instead of raising.
Knows nothing of what the messages mean.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from firmware_sim.io.signing import pack
from firmware_sim.io.wire import SimStream


@dataclass(slots=True)
class PortStats:
    frames_in: int = 0
    frames_rejected: int = 0
    """Frames the codec refused: CRC errors, unsigned or badly signed frames, replays, garbage."""
    frames_out: int = 0


class MavlinkPort:
    def __init__(self, stream: SimStream, mav: Any, *, unix_time_s: Callable[[], float] = time.time) -> None:
        self._stream = stream
        self.mav = mav
        self._unix_time_s = unix_time_s
        self.stats = PortStats()

    @property
    def system_id(self) -> int:
        return int(self.mav.srcSystem)

    async def send(self, msg: Any) -> None:
        frame = pack(self.mav, msg, unix_time_s=self._unix_time_s)
        self.stats.frames_out += 1
        await self._stream.write(frame)

    async def write(self, frames: bytes) -> None:
        """Bytes already framed (by this codec or another system's sharing the stream)."""
        await self._stream.write(frames)

    async def send_all(self, msgs: list[Any]) -> None:
        for msg in msgs:
            await self.send(msg)

    async def messages(self) -> AsyncIterator[Any]:
        """Decoded messages as they arrive, forever (until the stream fails or the task is cancelled)."""
        while True:
            chunk = await self._stream.read()
            for msg in self.mav.parse_buffer(chunk) or ():
                if msg.get_type() == "BAD_DATA":
                    self.stats.frames_rejected += 1
                    continue
                self.stats.frames_in += 1
                yield msg
