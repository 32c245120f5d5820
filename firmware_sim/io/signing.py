"""MAVLink 2 signing for the simulator's endpoints: the key file, and a stock codec that verifies first.

Every simulated system (vehicle, platform, HIL bridge) speaks through the stock pymavlink class
generated from our dialect, so the ground station's own codec and this one are independent
implementations of the same XML. One fix is applied here as on the ground: pymavlink 2.4.50 commits
a stream's signing timestamp before it checks the signature, so a single forged frame with a huge
timestamp would lock the real ground station out; ``VerifyFirstMAVLink`` checks the tag first and
only then the replay window. Signing time always follows the wall clock given (never simulation or
GNSS time): an accelerated or spoofed clock must not be able to exhaust or rewind it.

Knows nothing of sockets, asyncio or what the messages mean.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gcs.protocol.dialect import seaport

SIGNING_EPOCH_UNIX_S = 1_420_070_400
"""MAVLink signing time counts 10 µs units since 2015-01-01T00:00:00Z."""

NEW_STREAM_MAX_AGE_10US = 60 * 100_000
"""A stream never heard before may be at most one minute behind our clock (mavlink.io)."""

KEY_BYTES = 32


class SigningKeyError(ValueError):
    """A key file that does not hold a 32-byte key."""


def read_signing_key(path: Path) -> bytes:
    """A key file holds 32 raw bytes or 64 hexadecimal characters (with optional whitespace).

    Raises:
        SigningKeyError: anything else.
        OSError: the file cannot be read.
    """
    raw = path.read_bytes()
    if len(raw) == KEY_BYTES:
        return raw
    text = raw.decode("ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise SigningKeyError(f"{path}: expected 32 raw bytes or 64 hex characters")
    return key


def signing_time_10us(unix_time_s: float) -> int:
    return int((unix_time_s - SIGNING_EPOCH_UNIX_S) * 100_000)


class VerifyFirstMAVLink(seaport.MAVLink):  # type: ignore[misc]
    """The stock codec, whose signature check verifies the tag before trusting the timestamp."""

    def check_signature(self, msgbuf: bytearray, srcSystem: int, srcComponent: int) -> bool:  # noqa: N803
        signing = self.signing
        digest = hashlib.sha256(signing.secret_key + bytes(msgbuf[:-6])).digest()[:6]
        if digest != bytes(msgbuf[-6:]):
            return False
        link_id = msgbuf[-13]
        timestamp = int.from_bytes(msgbuf[-12:-6], "little")
        stream_key = (link_id, srcSystem, srcComponent)
        last = signing.stream_timestamps.get(stream_key)
        if last is not None:
            if timestamp <= last:  # a replay, or a frame older than one already taken
                return False
        elif timestamp + NEW_STREAM_MAX_AGE_10US < signing.timestamp:
            return False
        signing.stream_timestamps[stream_key] = timestamp
        signing.timestamp = max(signing.timestamp, timestamp)
        return True


@dataclass(frozen=True, slots=True)
class SigningSettings:
    key: bytes
    link_id: int = 1

    def __post_init__(self) -> None:
        if len(self.key) != KEY_BYTES:
            raise SigningKeyError("a MAVLink signing key is 32 bytes")
        if not 0 <= self.link_id <= 255:
            raise SigningKeyError(f"link id {self.link_id} outside 0-255")


def new_codec(
    system_id: int,
    component_id: int,
    signing: SigningSettings | None = None,
    *,
    unix_time_s: Callable[[], float] = time.time,
) -> Any:
    """A stock codec for one system, robust to garbage; signed (and refusing unsigned) with a key.

    With a key the stock decoder refuses MAVLink 1 and unsigned MAVLink 2 frames: no unsigned
    message id is allowed, not even harmless ones, so nothing can be injected without the key.
    """
    mav = VerifyFirstMAVLink(None, srcSystem=system_id, srcComponent=component_id)
    mav.robust_parsing = True
    if signing is not None:
        mav.signing.secret_key = signing.key
        mav.signing.link_id = signing.link_id
        mav.signing.sign_outgoing = True
        mav.signing.timestamp = signing_time_10us(unix_time_s())
    return mav


def pack(mav: Any, msg: Any, *, unix_time_s: Callable[[], float] = time.time) -> bytes:
    """Encode ``msg`` as the next frame of ``mav`` (sequence number and signature included)."""
    signing = mav.signing
    if signing.sign_outgoing:
        # Never let the signing clock fall behind the wall clock (a restart must not reuse stamps).
        signing.timestamp = max(signing.timestamp, signing_time_10us(unix_time_s()))
    frame = bytes(msg.pack(mav))
    mav.seq = (mav.seq + 1) % 256
    return frame
