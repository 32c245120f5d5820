"""A pure, seeded model of a bad link: loss, bit flips, duplicates, reordering, delay, blackouts.

No asyncio, no sockets, no clock: time comes in as ``now_s`` and delivery times go out, so the same
seed and the same chunks give the same result every time. The proxies in
:mod:`gcs.transport.proxy` put it between real sockets and ptys. Knows nothing of what the bytes mean.

Each chunk that :meth:`FaultInjector.apply` receives goes through these steps, in this order:

1. **blackout**: inside a blackout window (relative to ``start_s``) the chunk is dropped;
2. **loss**: dropped with ``loss_probability``;
3. **bit flips**: each byte has one random bit flipped with ``bit_flip_probability``; the gaps
   between flips are drawn over the byte stream, not per chunk, so a stream's flips do not depend
   on how it was cut into chunks;
4. **duplicate**: with ``duplicate_probability`` the chunk is sent twice, back to back;
5. **reorder**: with ``reorder_probability`` the chunk (with its duplicate) is held back until
   1..``reorder_depth`` later chunks have been sent, or until ``reorder_max_hold_s`` has passed
   (ask :meth:`FaultInjector.release_due` at :meth:`FaultInjector.next_release_s`);
6. **delay**: delivered at ``now_s + delay_s + uniform(0, jitter_s)``, but never before the chunk
   sent ahead of it: jitter alone does not reorder, as on a serial line or a single network path.

So deliveries come out in non-decreasing time order: a proxy can deliver them first in, first out.
"""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """What one direction of a link does to the chunks crossing it. The default is a perfect link.

    Raises:
        ValueError: a probability outside [0, 1], a negative time, a depth below 1, or a blackout
            window with a negative start or a non-positive duration.
    """

    loss_probability: float = 0.0
    bit_flip_probability: float = 0.0
    """Per byte: the chance that one of its bits is flipped."""
    duplicate_probability: float = 0.0
    reorder_probability: float = 0.0
    reorder_depth: int = 1
    """A reordered chunk is held behind 1..reorder_depth later chunks."""
    reorder_max_hold_s: float = 0.2
    """A held chunk is released after this long even if no later chunk came."""
    delay_s: float = 0.0
    jitter_s: float = 0.0
    """Extra delay drawn uniformly from [0, jitter_s] for each chunk."""
    blackout_windows_s: tuple[tuple[float, float], ...] = ()
    """(start_s, duration_s) windows, relative to the injector's start, in which everything is lost."""

    def __post_init__(self) -> None:
        for name in (
            "loss_probability",
            "bit_flip_probability",
            "duplicate_probability",
            "reorder_probability",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"FaultSpec.{name} must be within [0, 1], got {value!r}")
        for name in ("reorder_max_hold_s", "delay_s", "jitter_s"):
            value = getattr(self, name)
            if not (value >= 0.0 and math.isfinite(value)):
                raise ValueError(f"FaultSpec.{name} must be a finite number of seconds >= 0, got {value!r}")
        if self.reorder_depth < 1:
            raise ValueError(f"FaultSpec.reorder_depth must be >= 1, got {self.reorder_depth!r}")
        # Accept any sequence of pairs but store tuples, so a spec stays hashable and comparable.
        windows = tuple(tuple(window) for window in self.blackout_windows_s)
        object.__setattr__(self, "blackout_windows_s", windows)
        for window in windows:
            if len(window) != 2 or window[0] < 0.0 or window[1] <= 0.0:
                raise ValueError(
                    "FaultSpec.blackout_windows_s entries must be (start_s >= 0, duration_s > 0), "
                    f"got {window!r}"
                )

    @property
    def is_perfect(self) -> bool:
        """True if this spec changes nothing (every chunk delivered at once, untouched)."""
        return self == FaultSpec(reorder_depth=self.reorder_depth, reorder_max_hold_s=self.reorder_max_hold_s)


PERFECT_LINK = FaultSpec()
"""A spec that changes nothing: every chunk delivered at once, untouched."""


@dataclass(frozen=True, slots=True)
class FaultCounters:
    """What an injector did so far. ``chunks_out`` counts duplicates; the rest count input chunks."""

    chunks_in: int = 0
    bytes_in: int = 0
    chunks_out: int = 0
    bytes_out: int = 0
    blacked_out: int = 0
    dropped: int = 0
    bits_flipped: int = 0
    duplicated: int = 0
    reordered: int = 0
    released_by_timeout: int = 0

    def __add__(self, other: FaultCounters) -> FaultCounters:
        return FaultCounters(
            *(getattr(self, f.name) + getattr(other, f.name) for f in dataclasses.fields(FaultCounters))
        )


class Delivery(NamedTuple):
    """One chunk to deliver, and when."""

    at_s: float
    data: bytes


@dataclass(slots=True)
class _Held:
    copies: list[bytes]
    chunks_to_wait: int
    release_by_s: float


class FaultInjector:
    """Applies a :class:`FaultSpec` to a sequence of chunks, deterministically for a seed.

    Args:
        spec: what to do to the chunks.
        seed: any int or str; the same seed and the same calls give the same deliveries.
        start_s: the time blackout windows are counted from (a proxy passes its start time);
            None: not yet known (windows counted from an event such as liftoff), no blackout until
            :meth:`count_windows_from` is called.
    """

    def __init__(self, spec: FaultSpec, seed: int | str, start_s: float | None = 0.0) -> None:
        self._spec = spec
        # Random(str) hashes with SHA-512, so string seeds are stable across processes.
        self._rng = random.Random(f"fault-injector:{seed}")
        self._start_s = start_s
        self._last_at_s = -math.inf
        self._held: list[_Held] = []
        self._bytes_to_next_flip = self._draw_flip_gap()
        self._counts = dict.fromkeys((f.name for f in dataclasses.fields(FaultCounters)), 0)

    @property
    def spec(self) -> FaultSpec:
        return self._spec

    @property
    def counters(self) -> FaultCounters:
        return FaultCounters(**self._counts)

    def count_windows_from(self, start_s: float) -> None:
        """Count the blackout windows from ``start_s`` from now on."""
        self._start_s = start_s

    @property
    def held_chunks(self) -> int:
        """Chunks held back for reordering and not yet released."""
        return len(self._held)

    def apply(self, chunk: bytes, now_s: float) -> list[Delivery]:
        """Put one chunk through the link at ``now_s``; returns what comes out, in delivery order."""
        spec, counts = self._spec, self._counts
        counts["chunks_in"] += 1
        counts["bytes_in"] += len(chunk)
        if self._in_blackout(now_s):
            counts["blacked_out"] += 1
            return []
        if spec.loss_probability and self._rng.random() < spec.loss_probability:
            counts["dropped"] += 1
            return []
        data = self._flip_bits(chunk)
        copies = [data]
        if spec.duplicate_probability and self._rng.random() < spec.duplicate_probability:
            counts["duplicated"] += 1
            copies.append(data)
        if spec.reorder_probability and self._rng.random() < spec.reorder_probability:
            counts["reordered"] += 1
            wait = self._rng.randint(1, spec.reorder_depth)
            self._held.append(_Held(copies, wait, now_s + spec.reorder_max_hold_s))
            return []
        at_s = self._delivery_time(now_s)
        out = [Delivery(at_s, copy) for copy in copies]
        out.extend(Delivery(at_s, copy) for copy in self._count_down_held())
        self._count_out(out)
        return out

    def next_release_s(self) -> float | None:
        """When the earliest held chunk must be released if no later chunk frees it first."""
        return min((held.release_by_s for held in self._held), default=None)

    def release_due(self, now_s: float) -> list[Delivery]:
        """Release held chunks whose ``reorder_max_hold_s`` has passed by ``now_s``."""
        due = [held for held in self._held if held.release_by_s <= now_s]
        if not due:
            return []
        self._held = [held for held in self._held if held.release_by_s > now_s]
        self._counts["released_by_timeout"] += len(due)
        at_s = self._delivery_time(now_s)
        out = [Delivery(at_s, copy) for held in due for copy in held.copies]
        self._count_out(out)
        return out

    def _in_blackout(self, now_s: float) -> bool:
        if self._start_s is None:
            return False
        elapsed_s = now_s - self._start_s
        return any(start <= elapsed_s < start + length for start, length in self._spec.blackout_windows_s)

    def _flip_bits(self, chunk: bytes) -> bytes:
        if not self._spec.bit_flip_probability:
            return chunk
        if self._bytes_to_next_flip >= len(chunk):
            self._bytes_to_next_flip -= len(chunk)
            return chunk
        data = bytearray(chunk)
        index = self._bytes_to_next_flip
        while index < len(data):
            data[index] ^= 1 << self._rng.randrange(8)
            self._counts["bits_flipped"] += 1
            index += 1 + self._draw_flip_gap()
        self._bytes_to_next_flip = index - len(data)
        return bytes(data)

    def _draw_flip_gap(self) -> int:
        """Bytes untouched before the next flip: geometric, so the per-byte chance is exact."""
        probability = self._spec.bit_flip_probability
        if probability >= 1.0:
            return 0
        if probability <= 0.0:
            return 0  # unused: _flip_bits returns early
        return int(math.log(1.0 - self._rng.random()) / math.log(1.0 - probability))

    def _delivery_time(self, now_s: float) -> float:
        jitter_s = self._rng.uniform(0.0, self._spec.jitter_s) if self._spec.jitter_s else 0.0
        self._last_at_s = max(self._last_at_s, now_s + self._spec.delay_s + jitter_s)
        return self._last_at_s

    def _count_down_held(self) -> list[bytes]:
        released: list[bytes] = []
        still_held: list[_Held] = []
        for held in self._held:
            held.chunks_to_wait -= 1
            if held.chunks_to_wait <= 0:
                released.extend(held.copies)
            else:
                still_held.append(held)
        self._held = still_held
        return released

    def _count_out(self, out: list[Delivery]) -> None:
        self._counts["chunks_out"] += len(out)
        self._counts["bytes_out"] += sum(len(delivery.data) for delivery in out)
