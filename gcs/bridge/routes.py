"""Which hub values go to which MQTT topics, how (state, stream or event), and as what JSON.

A ``Route`` maps one hub value type to a topic template relative to the prefix
(``"vehicle/{key}/link"``), a ``TopicClass`` and a serializer to a JSON-able dict. A ``RouteTable``
collects routes; the composition root (``gcs/app.py``) builds one from ``gcs.bridge.catalog`` and adds
whatever later modules need, so a new value type never means editing the bridge's machinery.

Payloads are JSON objects written by orjson with units in field names: the default serializer takes
a dataclass's fields, drops ``monotonic_s`` (a process-local clock means nothing to another site)
and adds ``time_utc`` (ISO 8601, microseconds, ``Z``) beside any ``unix_time_s``. Those conversions
(``payload_of``, ``encode``, ``utc_text``) live in ``gcs.views``, shared with the console.
Knows nothing of aiomqtt, sockets or the hub's mechanics.
"""

from __future__ import annotations

import enum
import string
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from gcs.bridge.settings import topic_problem
from gcs.errors import RouteError
from gcs.views import encode, payload_of, utc_text

__all__ = [
    "CompiledRoute",
    "Route",
    "RouteTable",
    "Serializer",
    "TopicClass",
    "TopicTemplate",
    "encode",
    "payload_of",
    "utc_text",
]

T = TypeVar("T")

Serializer = Callable[[Any], Mapping[str, Any]]
"""Turns a hub value into a JSON-able mapping (orjson also takes enums, dataclasses, None, nested lists)."""


class TopicClass(enum.Enum):
    """How a topic is published; fixed by the topic tree in docs/mqtt.md."""

    STATE = "state"
    """Retained, QoS 1, MQTT 5 message expiry. Latest value per topic wins; rate-limited with the
    newest value always sent in the end; republished after every reconnect."""
    STREAM = "stream"
    """QoS 0, not retained. Rate-limited per topic by skipping samples; queued while the broker is
    away, oldest dropped first."""
    EVENT = "event"
    """QoS 1, not retained. Never rate-limited or coalesced; kept in order while the broker is away."""


_FIELDS: Final = frozenset({"key", "value"})
_formatter = string.Formatter()


@dataclass(frozen=True, slots=True)
class _Piece:
    literal: str
    field: str | None
    spec: str
    conversion: str | None


class TopicTemplate:
    """A topic template relative to the prefix, checked once and rendered per value.

    Fields are ``{key}`` (the hub key; ``{key[0]}`` indexes a tuple key) and ``{value.attr}``
    (an attribute of the value), with optional format specs. A rendered field must be one whole,
    non-empty topic level: a value that would add a level or a wildcard is refused (``render`` gives
    None), never published somewhere unexpected.
    """

    __slots__ = ("_by_key", "_pieces", "_uses_value", "text")

    _MAX_CACHED = 4096

    def __init__(self, text: str) -> None:
        self.text = text
        try:
            parsed = list(_formatter.parse(text))
        except ValueError as exc:
            raise RouteError(f"topic template {text!r}: {exc}") from None
        pieces: list[_Piece] = []
        uses_value = False
        for literal, field_name, spec, conversion in parsed:
            if field_name is not None:
                root = field_name.split(".", 1)[0].split("[", 1)[0]
                if root not in _FIELDS:
                    raise RouteError(f"topic template {text!r}: field {{{field_name}}} must start with "
                                     f"'key' or 'value'")
                uses_value = uses_value or root == "value"
            pieces.append(_Piece(literal, field_name, spec or "", conversion))
        # The literal skeleton must itself be a valid relative topic once fields are filled with 'x'.
        skeleton = "".join(p.literal + ("x" if p.field is not None else "") for p in pieces)
        problem = topic_problem(skeleton) if skeleton else "an empty topic"
        if problem:
            raise RouteError(f"topic template {text!r}: {problem}")
        self._pieces = tuple(pieces)
        self._uses_value = uses_value
        self._by_key: dict[Hashable, str | None] = {}

    def render(self, prefix: str, key: Hashable, value: object) -> str | None:
        """The full topic ``prefix/...`` for this key and value, or None if a field is unfit."""
        if not self._uses_value:
            try:
                return self._by_key[key]
            except KeyError:
                pass
            except TypeError:  # an unhashable key: render each time
                return self._render(prefix, key, value)
            topic = self._render(prefix, key, value)
            if len(self._by_key) >= self._MAX_CACHED:
                self._by_key.clear()
            self._by_key[key] = topic
            return topic
        return self._render(prefix, key, value)

    def _render(self, prefix: str, key: Hashable, value: object) -> str | None:
        out = [prefix, "/"]
        names = {"key": key, "value": value}
        for piece in self._pieces:
            out.append(piece.literal)
            if piece.field is None:
                continue
            try:
                obj, _ = _formatter.get_field(piece.field, (), names)
                if piece.conversion:
                    obj = _formatter.convert_field(obj, piece.conversion)
                text = format(obj.value if isinstance(obj, enum.Enum) else obj, piece.spec)
            except (AttributeError, IndexError, KeyError, TypeError, ValueError):
                return None
            if not text or "/" in text or "+" in text or "#" in text or "\x00" in text:
                return None
            out.append(text)
        return "".join(out)


@dataclass(frozen=True, slots=True)
class Route(Generic[T]):
    """One hub value type to one topic.

    Attributes:
        kind: the hub value type (exactly this type: the hub routes by ``type(value)``).
        topic: template relative to the prefix, e.g. ``"vehicle/{key}/state"``; see ``TopicTemplate``.
        topic_class: state, stream or event.
        serialize: value to JSON-able mapping; ``payload_of`` for dataclasses by default.
        owner: template of the thing the topic belongs to (``"vehicle/{key}"``). Its
            ``<owner>/status`` topic says ``online`` while the bridge publishes it and ``offline``
            (the MQTT Will) when the ground station dies. None: only the station's own status.
    """

    kind: type[T]
    topic: str
    topic_class: TopicClass
    serialize: Callable[[T], Mapping[str, Any]] = payload_of
    owner: str | None = None


class CompiledRoute:
    """A route with its templates checked; what the bridge works from."""

    __slots__ = ("owner", "route", "topic")

    def __init__(self, route: Route[Any]) -> None:
        if not isinstance(route.kind, type):
            raise RouteError(f"route kind must be a type, got {route.kind!r}")
        if not isinstance(route.topic_class, TopicClass):
            raise RouteError(f"route for {route.kind.__name__}: topic_class must be a TopicClass")
        self.route = route
        self.topic = TopicTemplate(route.topic)
        self.owner = TopicTemplate(route.owner) if route.owner is not None else None


class RouteTable:
    """The routes the bridge publishes, by value type. Add to it before the bridge starts.

    A type may have several routes (a summary as state and a stream, say); the same type and
    template twice is refused, as is a template ending in ``/status`` (the bridge's own).
    """

    def __init__(self, routes: Iterable[Route[Any]] = ()) -> None:
        self._by_kind: dict[type, list[CompiledRoute]] = {}
        for route in routes:
            self.add(route)

    def add(self, route: Route[Any]) -> None:
        """Register ``route``.

        Raises:
            RouteError: a bad template, or this type already routed to this template.
        """
        compiled = CompiledRoute(route)
        if route.topic.split("/")[-1] == "status":
            raise RouteError(f"route for {route.kind.__name__}: topics named 'status' carry the bridge's "
                             f"online/offline and its Will")
        existing = self._by_kind.setdefault(route.kind, [])
        if any(c.route.topic == route.topic for c in existing):
            raise RouteError(f"{route.kind.__name__} is already routed to {route.topic!r}")
        existing.append(compiled)

    def extend(self, routes: Iterable[Route[Any]]) -> None:
        for route in routes:
            self.add(route)

    def kinds(self) -> list[type]:
        return list(self._by_kind)

    def for_kind(self, kind: type) -> list[CompiledRoute]:
        return list(self._by_kind.get(kind, ()))

    def __iter__(self) -> Iterator[Route[Any]]:
        for compiled in self._by_kind.values():
            for c in compiled:
                yield c.route

    def __len__(self) -> int:
        return sum(len(c) for c in self._by_kind.values())
