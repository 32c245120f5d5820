"""Typed in-process publish/subscribe: the latest value per topic and bounded subscriber queues.

A topic is a value's type plus an optional key (a vehicle's sysid, a platform's name). Publishing
never blocks and never fails: a subscriber whose queue is full loses its oldest item, and the loss is
counted on that subscription (telemetry wants the newest sample; a subscriber that must see every
event asks for a deep queue and watches ``dropped``). Knows nothing of what the values mean.

    async with hub.subscribe(VehicleState, key=1) as states:
        async for state in states:
            ...
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Hashable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, Generic, TypeVar, cast

T = TypeVar("T")


class _AnyKey:
    def __repr__(self) -> str:
        return "ANY_KEY"


ANY_KEY: Final = _AnyKey()
"""Subscribe to every key of a type (all vehicles, all platforms)."""


@dataclass(frozen=True, slots=True)
class Keyed(Generic[T]):
    """A value with the key it was published under, for subscribers to ``ANY_KEY``."""

    key: Hashable | None
    value: T


class Subscription(Generic[T]):
    """One subscriber's bounded queue. Iterate it; close it (or leave its ``async with``) when done."""

    def __init__(
        self, hub: Hub, kind: type[T], key: Hashable | _AnyKey | None, maxsize: int,
        keys: frozenset[Hashable] | None = None,
    ) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be >= 1, got {maxsize}")
        self.kind = kind
        self.key = key
        self.keys = keys
        """With ``key=ANY_KEY``: only these keys (None: every key)."""
        self.maxsize = maxsize
        self.dropped = 0
        self.delivered = 0
        self._hub = hub
        self._items: deque[Any] = deque()
        # The waiting readers' futures (almost always one), resolved by the next offer. Bare futures
        # rather than an asyncio.Event: every telemetry frame wakes a reader, and the Event's wait()
        # costs several times the future it wraps (its loop check and clear/set bookkeeping). One
        # future per reader, so that one cancelled reader cancels no other.
        self._waiters: list[asyncio.Future[None]] = []
        self._closed = False

    def _wake(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():  # (a reader cancelled while it waited left its future cancelled)
                waiter.set_result(None)
        self._waiters.clear()

    def _offer(self, item: Any) -> None:
        if len(self._items) >= self.maxsize:
            self._items.popleft()
            self.dropped += 1
        self._items.append(item)
        if self._waiters:
            self._wake()

    async def get(self) -> T:
        """The next value; waits for one. Raises ``StopAsyncIteration`` once closed and drained."""
        items = self._items
        while not items:
            if self._closed:
                raise StopAsyncIteration
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter
        self.delivered += 1
        return cast(T, items.popleft())

    def get_nowait(self) -> T | None:
        if not self._items:
            return None
        self.delivered += 1
        return cast(T, self._items.popleft())

    def pending(self) -> int:
        return len(self._items)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._hub._unsubscribe(self)
            self._wake()

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    def __anext__(self) -> Awaitable[T]:
        return self.get()  # (get's own coroutine: no second frame per item)

    async def __aenter__(self) -> Subscription[T]:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class Hub:
    """Latest value per (type, key) and fan-out to subscriptions."""

    def __init__(self) -> None:
        self._latest: dict[tuple[type, Hashable | None], Any] = {}
        self._subs: dict[type, list[Subscription[Any]]] = {}
        self.published = 0

    def publish(self, value: object, *, key: Hashable | None = None) -> None:
        """Store ``value`` as the latest of its topic and offer it to every matching subscriber."""
        kind = type(value)
        self._latest[(kind, key)] = value
        self.published += 1
        keyed: Keyed[object] | None = None  # one wrapper for every ANY_KEY subscriber: it is frozen
        for sub in self._subs.get(kind, ()):
            if sub.key is ANY_KEY:
                if sub.keys is not None and key not in sub.keys:
                    continue
                if keyed is None:
                    keyed = Keyed(key, value)
                sub._offer(keyed)
            elif sub.key == key:
                sub._offer(value)

    def forget_latest(self) -> None:
        """Drop every retained value (subscriptions stay): the hub as a freshly started process has it."""
        self._latest.clear()

    def latest(self, kind: type[T], key: Hashable | None = None) -> T | None:
        return cast(T | None, self._latest.get((kind, key)))

    def latest_all(self, kind: type[T]) -> dict[Hashable | None, T]:
        return {k: v for (t, k), v in self._latest.items() if t is kind}

    def subscribe(
        self, kind: type[T], *, key: Hashable | _AnyKey | None = None, maxsize: int = 256,
        replay_latest: bool = False, keys: Iterable[Hashable] | None = None,
    ) -> Subscription[T]:
        """Start receiving values of ``kind`` published under ``key`` from now on.

        With ``key=ANY_KEY`` each item is a ``Keyed`` wrapper. ``replay_latest`` first delivers the
        stored latest value(s), so a late subscriber starts from the current state. ``keys`` (with
        ``key=ANY_KEY`` only) narrows it to those keys, in one queue in publication order: a reader
        that wants a few topics of a busy type is not woken for the others.
        """
        if keys is not None and key is not ANY_KEY:
            raise ValueError("keys= narrows a subscription to ANY_KEY; with one key, pass key=")
        key_set = None if keys is None else frozenset(keys)
        sub: Subscription[T] = Subscription(self, kind, key, maxsize, key_set)
        self._subs.setdefault(kind, []).append(sub)
        if replay_latest:
            for (t, k), v in self._latest.items():
                if t is not kind:
                    continue
                if key is ANY_KEY:
                    if key_set is None or k in key_set:
                        sub._offer(Keyed(k, v))
                elif k == key:
                    sub._offer(v)
        return sub

    def subscribe_keyed(
        self, kind: type[T], *, maxsize: int = 256, replay_latest: bool = False,
        keys: Iterable[Hashable] | None = None,
    ) -> Subscription[Keyed[T]]:
        """``subscribe(kind, key=ANY_KEY)`` with the ``Keyed`` wrapper in its type."""
        sub = self.subscribe(kind, key=ANY_KEY, maxsize=maxsize, replay_latest=replay_latest, keys=keys)
        return cast(Subscription[Keyed[T]], sub)

    def _unsubscribe(self, sub: Subscription[Any]) -> None:
        subs = self._subs.get(sub.kind)
        if subs and sub in subs:
            subs.remove(sub)

    def subscriber_count(self, kind: type) -> int:
        return len(self._subs.get(kind, ()))

    def subscriptions(self) -> list[Subscription[Any]]:
        """Every live subscription, of every kind (for instrumentation: queue depths, drops)."""
        return [sub for group in self._subs.values() for sub in group]
