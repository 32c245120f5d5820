"""The console's live state and its per-browser stream: latest item per key, coalesced, rate-limited.

How a slow browser is kept from slowing anything else:

- One ``ConsoleFeed`` subscribes to the hub (bounded queues) and keeps the latest value of every
  key on a ``Board``. Values are turned into JSON lazily, once per change that a browser is sent,
  never once per browser and never for changes nobody is sent.
- Each browser has a ``ClientQueue``: an ordered set of the keys that changed since its last
  message (a key that changes again meanwhile is coalesced: latest value only) and a cursor into
  the board's journal ring. It never grows beyond the number of keys.
- ``pump`` sends one browser its messages: an ``update`` (changed keys) and a ``journal`` message
  at most ``max_update_hz`` times a second, a ``tick`` 4 times a second (wall time), each send
  waiting on the socket's bounded buffer (aiohttp's writer limit plus the transport's high-water
  mark). A send that cannot finish within ``stall_s`` raises ``ClientTooSlow``: the server closes
  that browser (1013). Publishing on the hub never waits for any of this.

Knows nothing of HTTP or aiohttp: ``pump`` sends through a callable.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from gcs.clock import Clock
from gcs.console.launch_parts import LaunchParts
from gcs.console.views import (
    ExpectedPeriods,
    VehicleView,
    cargo_view,
    delivery_view,
    fleet_view,
    heartbeat_view,
    journal_entry,
    link_view,
    platform_feed_view,
)
from gcs.domain.delivery import CargoStatus, DeliveryStatus
from gcs.domain.platform import DeckState
from gcs.fleet.station import FleetStatusUpdate
from gcs.hub import Hub
from gcs.launch.runner import LaunchStatusUpdate
from gcs.links.sea_platform_values import PlatformFeedHealth
from gcs.links.values import MavlinkTelemetry, VehicleHeartbeat, VehicleLinkHealth
from gcs.recorder.journal import JournalRecord
from gcs.tasks import background
from gcs.views import encode, payload_of, plain

_log = logging.getLogger(__name__)

TICK_S = 0.25
"""The stream's tick: 4 Hz of wall time, so the page ages values even when nothing changes."""
JOURNAL_KEEP = 2000
"""Journal entries kept in memory for new browsers and ``GET journal`` (the file has them all)."""
SNAPSHOT_JOURNAL = 200
JOURNAL_BATCH = 500
"""At most this many journal entries in one message; the rest follow in the next."""

Render = Callable[[Any], Any]
T = TypeVar("T")


def _identity(value: Any) -> Any:
    return value


class Entry:
    """The latest value of one key and its JSON, made on first use."""

    __slots__ = ("_json", "key", "period_s", "raw", "render", "t_s")

    def __init__(self, key: str, t_s: float, period_s: float | None, raw: Any, render: Render) -> None:
        self.key = key
        self.t_s = t_s
        self.period_s = period_s
        self.raw = raw
        self.render = render
        self._json: bytes | None = None

    def json(self) -> bytes:
        if self._json is None:
            self._json = encode({"t": self.t_s, "period_s": self.period_s, "v": self.render(self.raw)})
        return self._json


class ClientQueue:
    """What one browser has not been sent yet: changed keys (coalesced) and new journal entries."""

    def __init__(self, name: str, journal_seq: int) -> None:
        self.name = name
        self.dirty: dict[str, None] = {}
        self.journal_seq = journal_seq
        """The last journal seq this browser was given."""
        self.journal_waiting = False
        self.coalesced = 0
        self.ready = asyncio.Event()

    def mark(self, key: str) -> None:
        if key in self.dirty:
            self.coalesced += 1
        else:
            self.dirty[key] = None
        self.ready.set()

    def journal_ready(self) -> None:
        self.journal_waiting = True
        self.ready.set()

    @property
    def pending(self) -> bool:
        return bool(self.dirty) or self.journal_waiting

    def take_keys(self) -> list[str]:
        keys = list(self.dirty)
        self.dirty.clear()
        return keys


@dataclass(frozen=True, slots=True)
class ConsoleStats:
    """The console at one instant (``gcs/console`` on the stream; also published on the hub)."""

    clients: int
    messages_sent: int
    bytes_sent: int
    updates_coalesced: int
    frames_refused: int
    clients_closed_slow: int
    journal_skipped: int
    logins_ok: int
    logins_failed: int
    logins_limited: int
    commands_ok: int
    commands_refused: int
    commands_invalid: int
    unix_time_s: float


@dataclass(slots=True)
class Counters:
    """The console's running counts (mutable; snapshotted into ``ConsoleStats``)."""

    messages_sent: int = 0
    bytes_sent: int = 0
    updates_coalesced: int = 0
    frames_refused: int = 0
    clients_closed_slow: int = 0
    journal_skipped: int = 0
    logins_ok: int = 0
    logins_failed: int = 0
    logins_limited: int = 0
    commands_ok: int = 0
    commands_refused: int = 0
    commands_invalid: int = 0


class Board:
    """The latest item of every key, the journal's recent entries, and the browsers to tell."""

    def __init__(self, counters: Counters, journal_keep: int = JOURNAL_KEEP) -> None:
        self.counters = counters
        self._entries: dict[str, Entry] = {}
        self._journal_seqs: deque[int] = deque()
        self._journal: deque[bytes] = deque()
        self._journal_keep = journal_keep
        self._clients: set[ClientQueue] = set()

    # --- writing ----------------------------------------------------------------------------

    def set(self, key: str, t_s: float, period_s: float | None, raw: Any, render: Render = _identity) -> None:
        self._entries[key] = Entry(key, t_s, period_s, raw, render)
        for client in self._clients:
            client.mark(key)

    def add_journal(self, record: JournalRecord) -> None:
        line = encode(journal_entry(record))
        seqs = self._journal_seqs
        if not seqs or record.seq > seqs[-1]:
            seqs.append(record.seq)
            self._journal.append(line)
        else:
            # Replayed latest values at start come by kind, not in order: put each in its place.
            i = bisect.bisect_left(seqs, record.seq)
            if i < len(seqs) and seqs[i] == record.seq:
                return
            seqs.insert(i, record.seq)
            self._journal.insert(i, line)
        while len(seqs) > self._journal_keep:
            seqs.popleft()
            self._journal.popleft()
        for client in self._clients:
            client.journal_ready()

    # --- reading ----------------------------------------------------------------------------

    @property
    def keys(self) -> list[str]:
        return sorted(self._entries)

    def entry(self, key: str) -> Entry | None:
        return self._entries.get(key)

    def last_journal_seq(self) -> int:
        return self._journal_seqs[-1] if self._journal_seqs else -1

    def journal_after(self, seq: int, limit: int) -> tuple[list[bytes], int]:
        """The oldest ``limit`` entries after ``seq`` (for a browser catching up, in order), and the
        seq of the last of them (``seq`` itself if there are none)."""
        i = bisect.bisect_right(self._journal_seqs, seq)
        entries = _slice(self._journal, i, i + limit)
        return entries, (self._journal_seqs[i + len(entries) - 1] if entries else seq)

    def journal_newest_after(self, seq: int, limit: int) -> list[bytes]:
        """The newest ``limit`` entries after ``seq``, oldest first (``GET journal``)."""
        i = bisect.bisect_right(self._journal_seqs, seq)
        start = max(i, len(self._journal) - limit)
        return list(_slice(self._journal, start, len(self._journal)))

    def journal_skipped_for(self, seq: int) -> int:
        """Entries after ``seq`` that fell out of the ring before they could be sent."""
        if not self._journal_seqs or seq >= self._journal_seqs[0] - 1:
            return 0
        return self._journal_seqs[0] - 1 - seq

    def values_json(self, keys: list[str]) -> bytes:
        """``{"key": ITEM, ...}`` for ``keys`` that exist."""
        parts = []
        for key in keys:
            entry = self._entries.get(key)
            if entry is not None:
                parts.append(encode(key) + b":" + entry.json())
        return b"{" + b",".join(parts) + b"}"

    def snapshot_json(self, server_time_s: float, journal_count: int = SNAPSHOT_JOURNAL) -> bytes:
        journal = self.journal_newest_after(-1, journal_count)
        return (b'{"type":"snapshot","server_time_s":' + encode(server_time_s)
                + b',"values":' + self.values_json(self.keys)
                + b',"journal":[' + b",".join(journal) + b"]}")

    # --- browsers ---------------------------------------------------------------------------

    def register(self, name: str) -> ClientQueue:
        """A new browser, up to date as of now (its snapshot is built before anything else runs)."""
        client = ClientQueue(name, self.last_journal_seq())
        self._clients.add(client)
        return client

    def unregister(self, client: ClientQueue) -> None:
        self._clients.discard(client)
        self.counters.updates_coalesced += client.coalesced
        client.coalesced = 0

    @property
    def client_count(self) -> int:
        return len(self._clients)

    def coalesced_total(self) -> int:
        return self.counters.updates_coalesced + sum(c.coalesced for c in self._clients)


def _slice(items: deque[bytes], start: int, stop: int) -> list[bytes]:
    if start >= stop:
        return []
    if start == 0 and stop >= len(items):
        return list(items)
    return [items[i] for i in range(start, min(stop, len(items)))]


# --- one browser -----------------------------------------------------------------------------


class ClientTooSlow(Exception):
    """A browser that could not take a message within the stall limit."""


Send = Callable[[bytes], Awaitable[None]]


async def pump(
    client: ClientQueue,
    board: Board,
    send: Send,
    *,
    server_time_s: Callable[[], float],
    max_update_hz: float,
    stall_s: float,
    tick_s: float = TICK_S,
) -> None:
    """Send ``client`` its updates, journal entries and ticks until cancelled.

    Raises:
        ClientTooSlow: a send did not complete within ``stall_s``.
    """
    loop = asyncio.get_running_loop()
    min_interval_s = 1.0 / max_update_hz
    counters = board.counters
    last_update = float("-inf")
    next_tick = loop.time() + tick_s

    async def out(message: bytes) -> None:
        try:
            async with asyncio.timeout(stall_s):
                await send(message)
        except TimeoutError:
            raise ClientTooSlow(f"{client.name}: a message waited more than {stall_s:g} s") from None
        counters.messages_sent += 1
        counters.bytes_sent += len(message)

    while True:
        now = loop.time()
        if client.pending and now >= last_update + min_interval_s:
            last_update = now
            for message in _messages(client, board, server_time_s()):
                await out(message)
            continue
        if now >= next_tick:
            await out(b'{"type":"tick","server_time_s":' + encode(server_time_s()) + b"}")
            next_tick = max(next_tick + tick_s, loop.time())
            continue
        wake = next_tick if not client.pending else min(next_tick, last_update + min_interval_s)
        client.ready.clear()
        if client.pending:
            await asyncio.sleep(wake - now)  # rate limit: changes keep coalescing meanwhile
        else:
            try:
                async with asyncio.timeout(wake - now):
                    await client.ready.wait()
            except TimeoutError:
                pass


def _messages(client: ClientQueue, board: Board, server_time_s: float) -> list[bytes]:
    messages = []
    keys = client.take_keys()
    if keys:
        messages.append(b'{"type":"update","server_time_s":' + encode(server_time_s)
                        + b',"values":' + board.values_json(keys) + b"}")
    if client.journal_waiting:
        client.journal_waiting = False
        board.counters.journal_skipped += board.journal_skipped_for(client.journal_seq)
        entries, client.journal_seq = board.journal_after(client.journal_seq, JOURNAL_BATCH)
        if entries:
            messages.append(b'{"type":"journal","entries":[' + b",".join(entries) + b"]}")
        if client.journal_seq < board.last_journal_seq():
            client.journal_waiting = True  # the rest in the next message
    return messages


# --- the hub side ------------------------------------------------------------------------------


class ConsoleFeed:
    """Keeps the board up to date from the hub; one for all browsers. Run ``run()`` in a TaskGroup."""

    def __init__(self, hub: Hub, clock: Clock, board: Board, periods: ExpectedPeriods,
                 stats: Callable[[], ConsoleStats] | None = None) -> None:
        self._hub = hub
        self._clock = clock
        self._board = board
        self._periods = periods
        self._stats = stats
        self._vehicles: dict[int, VehicleView] = {}

    async def run(self) -> None:
        p = self._periods
        async with background(
            ("console launch", self._launch()),
            ("console heartbeats", self._latest(VehicleHeartbeat, lambda k: f"vehicle/{k}/heartbeat",
                                                p.heartbeat_s, lambda v: v.unix_time_s, heartbeat_view)),
            ("console link health", self._latest(VehicleLinkHealth, lambda k: f"vehicle/{k}/link", p.link_s,
                                                 lambda v: v.unix_time_s, link_view)),
            ("console decks", self._decks()),
            ("console platform feeds", self._latest(PlatformFeedHealth, lambda k: f"platform/{k}/feed",
                                                    p.platform_feed_s, lambda v: v.unix_time_s,
                                                    platform_feed_view)),
            ("console telemetry", self._telemetry()),
            # Published on change only (no period: as fresh as the station link); the two without a
            # time of their own are stamped when the console hears them.
            ("console cargo", self._latest(CargoStatus, lambda k: "cargo/manifest", None,
                                           self._heard_at, cargo_view)),
            ("console delivery", self._latest(DeliveryStatus, lambda k: "delivery/progress", None,
                                              self._heard_at, delivery_view)),
            ("console fleet", self._latest(FleetStatusUpdate, lambda k: "fleet/vehicle", None,
                                           lambda u: u.unix_time_s, fleet_view)),
            ("console journal", self._journal()),
            ("console stats", self._publish_stats()),
        ):
            await asyncio.Event().wait()

    def _heard_at(self, value: object) -> float:
        return self._clock.unix_time_s()

    async def _latest(
        self, kind: type[T], key_of: Callable[[Hashable | None], str], period_s: float | None,
        t_of: Callable[[T], float], render: Render,
    ) -> None:
        # Only the latest value per key matters: a short queue, and the board coalesces further.
        async with self._hub.subscribe_keyed(kind, maxsize=64, replay_latest=True) as feed:
            async for keyed in feed:
                self._board.set(key_of(keyed.key), t_of(keyed.value), period_s, keyed.value, render)

    async def _launch(self) -> None:
        # The status comes whole at every tick; only its parts that changed are set (and so sent).
        parts = LaunchParts(self._periods.launch_s)
        async with self._hub.subscribe_keyed(LaunchStatusUpdate, maxsize=64, replay_latest=True) as feed:
            async for keyed in feed:
                for part in parts.changed(keyed.value):
                    self._board.set(part.key, part.t_s, part.period_s, part.raw, part.render)

    async def _decks(self) -> None:
        async with self._hub.subscribe_keyed(DeckState, maxsize=64, replay_latest=True) as feed:
            async for keyed in feed:
                deck: DeckState = keyed.value
                name = str(keyed.key)
                self._board.set(f"platform/{name}/state", deck.t_s, self._periods.platform_state(name), deck,
                                _deck_view)

    async def _telemetry(self) -> None:
        # Every message counts here (engines come one message each): a deep queue; a loss is counted.
        async with self._hub.subscribe_keyed(MavlinkTelemetry, maxsize=8192, replay_latest=True) as feed:
            async for keyed in feed:
                telemetry: MavlinkTelemetry = keyed.value
                view = self._vehicles.get(telemetry.sysid)
                if view is None:
                    view = self._vehicles[telemetry.sysid] = VehicleView(telemetry.sysid)
                try:
                    produced = view.feed(telemetry)
                except (ValueError, TypeError, AttributeError):  # a malformed message must not end the feed
                    _log.warning("console: could not show %s from vehicle %s", telemetry.name,
                                 telemetry.sysid, exc_info=True)
                    continue
                if produced is not None:
                    period = {"state": self._periods.state_s, "bay": self._periods.bay_s}.get(
                        produced.suffix, self._periods.iip_s)
                    self._board.set(f"vehicle/{telemetry.sysid}/{produced.suffix}", produced.t_s, period,
                                    produced.payload)

    async def _journal(self) -> None:
        async with self._hub.subscribe_keyed(JournalRecord, maxsize=8192, replay_latest=True) as feed:
            async for keyed in feed:
                self._board.add_journal(keyed.value)

    async def _publish_stats(self) -> None:
        if self._stats is None:
            return
        while True:
            stats = self._stats()
            self._hub.publish(stats)
            self._board.set("gcs/console", stats.unix_time_s, self._periods.console_s, stats, _stats_view)
            await asyncio.sleep(self._periods.console_s)


def _deck_view(deck: DeckState) -> Any:
    return plain(deck)


def _stats_view(stats: ConsoleStats) -> Any:
    return plain(payload_of(stats))


__all__ = [
    "Board",
    "ClientQueue",
    "ClientTooSlow",
    "ConsoleFeed",
    "ConsoleStats",
    "Counters",
    "pump",
]
