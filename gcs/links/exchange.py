"""The shape of every request/response core: messages and time in, messages out, then one outcome.

An exchange (a command, a parameter download, a mission upload...) is a pure state machine: no
I/O, no clock, no asyncio. Its runner calls :meth:`Exchange.start` once, :meth:`Exchange.on_message`
for every message from the target system, and :meth:`Exchange.on_timeout` whenever ``now_s`` has
reached :attr:`Exchange.deadline_s`; each returns the messages to send. Once :attr:`Exchange.done`,
:meth:`Exchange.result` gives the value or raises the typed error. So every protocol rule is
tested as a table of (time, event) rows. Knows nothing of sockets, the hub or rockets.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from gcs.errors import GcsError
from gcs.links.statustext import StatusText

T = TypeVar("T")

Outgoing = list[Any]
"""Messages of the generated dialect to send, in order."""


@dataclass(frozen=True, slots=True)
class Peer:
    """The two ends of an exchange: our (system, component) and the vehicle's."""

    own_system: int
    own_component: int
    target_system: int
    target_component: int

    def is_for_us(self, target_system: int) -> bool:
        """Whether a reply addressed to ``target_system`` is ours (0 is a broadcast)."""
        return target_system in (0, self.own_system)


class Exchange(Generic[T], abc.ABC):
    """Base of the pure cores; subclasses implement ``start``, ``_handle`` and ``on_timeout``."""

    def __init__(self, peer: Peer) -> None:
        self.peer = peer
        self._deadline_s: float | None = None
        self._done = False
        self._value: T | None = None
        self._error: GcsError | None = None

    @property
    def deadline_s(self) -> float | None:
        """When ``on_timeout`` must be called next; ``None`` once done."""
        return None if self._done else self._deadline_s

    @property
    def done(self) -> bool:
        return self._done

    @property
    def error(self) -> GcsError | None:
        return self._error

    def result(self) -> T:
        """The outcome.

        Raises:
            GcsError: the exchange's typed failure (a ``ServiceError`` subclass).
            RuntimeError: if it has not finished.
        """
        if not self._done:
            raise RuntimeError(f"{type(self).__name__} has not finished")
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]  # set by _succeed with a T

    @abc.abstractmethod
    def start(self, now_s: float) -> Outgoing:
        raise NotImplementedError

    def on_message(self, msg: Any, now_s: float) -> Outgoing:
        """Take one message; those from another system than the target are ignored."""
        if self._done or msg.get_srcSystem() != self.peer.target_system:
            return []
        return self._handle(msg, now_s)

    def on_status_text(self, text: StatusText, now_s: float) -> None:
        """A complete STATUSTEXT from the target system (commands keep it as the reason)."""

    @abc.abstractmethod
    def on_timeout(self, now_s: float) -> Outgoing:
        raise NotImplementedError

    @abc.abstractmethod
    def _handle(self, msg: Any, now_s: float) -> Outgoing:
        raise NotImplementedError

    def _succeed(self, value: T) -> None:
        self._value = value
        self._done = True

    def _fail(self, error: GcsError) -> None:
        self._error = error
        self._done = True
