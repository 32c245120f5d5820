"""``gcs watch``: a terminal subscriber for someone who has only the broker, not the ground station.

Subscribes (QoS 1) to the topic filters given, relative to the URL's prefix (everything under it by
default), and prints one line per message: receive time (UTC), topic (relative to the prefix), an
``R`` for a retained message (the last known state, on subscribing), and the payload. A lost broker
is retried with backoff and said so on a ``#`` line. Reads only; publishes nothing.

    gcs watch --broker mqtt://viewer@broker:1883/seaport/v1/range --topic 'vehicle/+/events'

Knows nothing of the values behind the topics: it shows what the broker has.
"""

from __future__ import annotations

import contextlib
import random
import ssl
import time
from collections.abc import Sequence
from typing import TextIO

import aiomqtt

from gcs.bridge.mqtt import connect_shielded, raise_if_cancelling
from gcs.bridge.settings import BrokerCredentials, BrokerUrl, topic_problem
from gcs.clock import Clock, WallClock
from gcs.errors import BrokerUrlError
from gcs.transport.link import Backoff

WATCH_BACKOFF = Backoff(base_s=0.5, factor=1.5, max_s=10.0)


def topic_filters(url: BrokerUrl, topics: Sequence[str]) -> list[str]:
    """Absolute filters: each of ``topics`` under the URL's prefix (``#`` when none are given).

    Raises:
        BrokerUrlError: a filter with a wildcard inside a level, or ``#`` before the end.
    """
    wanted = list(topics) or ["#"]
    out = []
    for topic in wanted:
        levels = topic.strip("/").split("/")
        for i, level in enumerate(levels):
            if level in ("+", "#") and (level == "+" or i == len(levels) - 1):
                continue
            problem = topic_problem(level)
            if problem:
                raise BrokerUrlError(str(url), f"--topic {topic!r}: {problem}")
        relative = "/".join(levels)
        out.append(f"{url.prefix}/{relative}" if url.prefix else relative)
    return out


def format_line(
    topic: str, payload: bytes, *, retained: bool, prefix: str | None, unix_time_s: float
) -> str:
    """One line for the terminal: ``HH:MM:SS.mmm topic [R] payload`` (payload as text if it is)."""
    shown = topic[len(prefix) + 1:] if prefix and topic.startswith(prefix + "/") else topic
    clock = time.strftime("%H:%M:%S", time.gmtime(unix_time_s)) + f".{int(unix_time_s * 1000) % 1000:03d}"
    try:
        text = payload.decode()
    except UnicodeDecodeError:
        text = payload.hex()
    if not text.isprintable():
        text = text.encode("unicode_escape").decode()
    return f"{clock} {shown}{' R' if retained else ''} {text}"


async def watch(
    url: BrokerUrl,
    out: TextIO,
    *,
    topics: Sequence[str] = (),
    credentials: BrokerCredentials | None = None,
    tls: ssl.SSLContext | None = None,
    count: int | None = None,
    client_id: str | None = None,
    clock: Clock | None = None,
    backoff: Backoff = WATCH_BACKOFF,
) -> int:
    """Print what the broker has until cancelled (Ctrl-C), or until ``count`` messages were shown.

    ``tls`` defaults to the system's CAs for an ``mqtts://`` URL. Returns how many messages were shown.

    Raises:
        BrokerUrlError: a bad ``--topic`` filter.
    """
    filters = topic_filters(url, topics)
    creds = credentials or BrokerCredentials(url.username)
    if tls is None and url.tls:
        tls = ssl.create_default_context()
    wall: Clock = clock or WallClock()
    rng = random.Random()
    shown = 0
    attempt = 0
    while True:
        client = aiomqtt.Client(
            url.host, url.port, username=creds.username, password=creds.password, identifier=client_id,
            protocol=aiomqtt.ProtocolVersion.V5, tls_context=tls, timeout=10.0,
        )
        try:
            await connect_shielded(client)
            try:
                for topic_filter in filters:
                    await client.subscribe(topic_filter, qos=1)
                raise_if_cancelling()
                print(f"# watching {', '.join(filters)} on {url.host}:{url.port}", file=out, flush=True)
                attempt = 0
                async for message in client.messages:
                    raw = message.payload
                    payload = raw if isinstance(raw, bytes) else str(raw).encode()
                    line = format_line(str(message.topic), payload, retained=bool(message.retain),
                                       prefix=url.prefix, unix_time_s=wall.unix_time_s())
                    print(line, file=out, flush=True)
                    shown += 1
                    if count is not None and shown >= count:
                        return shown
            finally:
                with contextlib.suppress(aiomqtt.MqttError):
                    await client.__aexit__(None, None, None)
        except aiomqtt.MqttError as exc:
            reason = str(exc) or type(exc).__name__
            print(f"# broker {url.host}:{url.port}: {reason}; retrying", file=out, flush=True)
        await wall.sleep(backoff.delay_s(attempt, rng))
        attempt += 1
