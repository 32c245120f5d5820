"""The console's JSON API and stream under hostile requests, over a real loopback port.

* A bounded fuzz run: random JSON values, random bytes, wrong content types and oversized bodies
  to every endpoint, as nobody, a viewer and the launch director. Nothing answers 5xx, every
  answer is JSON, and the server still serves a good request afterwards.
* Refusals are journaled: a cross-site POST or stream, a command or stream without a session (none,
  forged, expired), a frame from the browser (malformed, oversized); a flood of the same refusal
  is journaled once and counted.
* A malformed or oversized WebSocket frame closes that browser only; the others keep streaming.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import random
import struct
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from gcs.console.commands import COMMANDS
from gcs.console.server import MAX_BODY_BYTES
from tests.integration.console.harness import Console, console_server, login
from tests.support.waits import wait_until, within

FUZZ_REQUESTS = 400
"""Requests of the bounded fuzz run (about 2 s on the shared CI machine)."""


def random_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 1, 2**31, 2**63, -(2**64), 10**400 if rng.random() < 0.1 else 7])
    if kind == 3:
        return rng.choice([0.5, -1e308, 1e308, 1e-320, -0.0])
    if kind == 4:
        return rng.choice(["", "x" * rng.randrange(300), "count/start", "\u0000", "\ud7ff", "dana", "🚀"])
    if kind == 5:
        return rng.choice(["NaN", "Infinity", "-Infinity"])  # strings, not numbers
    if kind == 6:
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    fields = ["user", "password", "reason", "station", "vote", "minutes", "hold", "confirm", "t_s", "x"]
    return {rng.choice(fields): random_json(rng, depth + 1) for _ in range(rng.randrange(5))}


def random_body(rng: random.Random) -> tuple[bytes, str | None]:
    """A request body and its content type (None: no header)."""
    choice = rng.randrange(10)
    if choice < 5:
        return json.dumps(random_json(rng)).encode(), "application/json"
    if choice == 5:
        return rng.randbytes(rng.randrange(200)), rng.choice(["application/json", "application/octet-stream"])
    if choice == 6:
        return b"user=dana&password=x", "application/x-www-form-urlencoded"
    if choice == 7:
        return b'{"user": "dana", "password": NaN}', "text/plain"
    if choice == 8:
        return b"[" * 5000 + b"]" * 5000, "application/json"  # deep nesting
    return b'{"x": "' + b"a" * (MAX_BODY_BYTES + rng.randrange(1, 5000)) + b'"}', "application/json"


async def test_fuzzed_requests_never_get_a_server_error(tmp_path: Path) -> None:
    rng = random.Random(10)
    async with console_server(tmp_path) as console, aiohttp.ClientSession() as session:
        who = {"nobody": {}, "viewer": await login(session, console, "vic"),
               "director": await login(session, console, "dana")}
        posts = ["login", "logout", *(f"commands/{name}" for name in COMMANDS), "commands/no/such"]
        gets = ["me", "state", "links", "alerts", "countdown", "journal", "commands", "stream", "nothing"]
        statuses: dict[int, int] = {}
        for _ in range(FUZZ_REQUESTS):
            headers = dict(rng.choice(list(who.values())))
            if rng.random() < 0.75:
                path = rng.choice([p for p in posts if p != "logout"])  # keep the sessions alive
                body, content_type = random_body(rng)
                if content_type is not None:
                    headers["Content-Type"] = content_type
                request = session.post(f"{console.url}/api/v1/{path}", data=body, headers=headers)
            else:
                path = rng.choice(gets)
                query = {"after": str(random_json(rng)), "limit": str(random_json(rng))}
                request = session.get(f"{console.url}/api/v1/{path}", params=query, headers=headers)
            async with request as r:
                statuses[r.status] = statuses.get(r.status, 0) + 1
                assert r.status < 500 or r.status == 503, (path, r.status, await r.text())
                assert r.content_type == "application/json", (path, r.status)
                orjson.loads(await r.read())
        print(f"fuzz: {FUZZ_REQUESTS} requests, statuses {dict(sorted(statuses.items()))}")
        assert statuses.get(413, 0) > 0  # the oversized bodies really were refused as such
        async with session.get(f"{console.url}/api/v1/me", headers=who["viewer"]) as r:
            assert r.status == 200


def refusals(console: Console) -> list[dict[str, Any]]:
    return [dict(r.payload, who=r.who) for r in console.console_records()
            if r.payload.get("result") == "refused" and r.payload.get("action") != "command"]


async def test_cross_site_and_sessionless_requests_are_refused_and_journaled_once_per_flood(
    tmp_path: Path,
) -> None:
    clock = [1000.0]
    async with console_server(tmp_path, session_ttl_s=600.0) as console, aiohttp.ClientSession() as session:
        console.server._monotonic = lambda: clock[0]  # session expiry without waiting ten minutes
        headers = await login(session, console, "dana")
        evil = {"Origin": "http://evil.example"}
        start = f"{console.url}/api/v1/commands/count/start"
        for _ in range(20):  # a flood: journaled once, counted every time
            async with session.post(start, headers={**headers, **evil}) as r:
                assert r.status == 403
        async with session.post(start, headers={"Authorization": "Bearer forged-token"}) as r:
            assert r.status == 401
        clock[0] += 601.0  # the director's session has expired
        async with session.post(start, headers=headers) as r:
            assert r.status == 401
        async with session.get(f"{console.url}/api/v1/me", headers=headers) as r:
            assert r.status == 401  # reading without a session: refused, counted, not journaled
        await wait_until(lambda: len(refusals(console)) >= 3, what="the refusals in the journal")
        got = [(r["reason"], r["request"], r["who"]) for r in refusals(console)]
        # The forged token and, ten minutes later, the expired session: each first in its minute.
        assert got == [("cross_site", "POST /api/v1/commands/count/start", None),
                       ("no_session", "POST /api/v1/commands/count/start", None),
                       ("no_session", "POST /api/v1/commands/count/start", None)]
        assert console.commander.sent == []
        counts = console.server.refusals.counts
        assert (counts["cross_site"], counts["no_session"]) == (20, 3)


async def _raw_stream(console: Console, headers: dict[str, str]) -> tuple[asyncio.StreamReader,
                                                                            asyncio.StreamWriter]:
    """A WebSocket client on a bare socket, so that it can send frames no library would."""
    host, port = console.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write((f"GET /api/v1/stream HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                  f"Authorization: {headers['Authorization']}\r\n\r\n").encode())
    await writer.drain()
    assert b" 101 " in await reader.readline()
    return reader, writer


def _frame(opcode: int, payload: bytes, *, masked: bool = True, fin: bool = True, rsv: int = 0) -> bytes:
    head = bytes([(0x80 if fin else 0) | rsv << 4 | opcode])
    mask_bit = 0x80 if masked else 0
    if len(payload) < 126:
        head += bytes([mask_bit | len(payload)])
    elif len(payload) < 65536:
        head += bytes([mask_bit | 126]) + struct.pack(">H", len(payload))
    else:
        head += bytes([mask_bit | 127]) + struct.pack(">Q", len(payload))
    if not masked:
        return head + payload
    mask = os.urandom(4)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


MALFORMED = {
    "reserved_opcode": _frame(0x3, b"x"),
    "reserved_bits": _frame(0x1, b"x", rsv=0b100),
    "unmasked": _frame(0x1, b"hello", masked=False),
    "bad_utf8": _frame(0x1, b"\xff\xfe\xfd"),
    "fragmented_control": _frame(0x9, b"", fin=False),
    "oversized": _frame(0x2, b"\x00" * 70_000),
    "garbage": os.urandom(64),
}


async def test_a_malformed_or_oversized_frame_closes_that_browser_only_and_is_journaled(
    tmp_path: Path,
) -> None:
    async with console_server(tmp_path) as console, aiohttp.ClientSession() as session:
        good_headers = await login(session, console, "omar")
        good = await session.ws_connect(f"{console.url}/api/v1/stream", headers=good_headers)
        received: list[str] = []

        async def keep_reading() -> None:
            async for msg in good:
                if msg.type is aiohttp.WSMsgType.TEXT:
                    received.append(orjson.loads(msg.data)["type"])

        task = asyncio.create_task(keep_reading())
        try:
            await wait_until(lambda: len(received) >= 2, what="hello and snapshot on the good stream")
            headers = await login(session, console, "vic")
            for name, frame in MALFORMED.items():
                reader, writer = await _raw_stream(console, headers)
                try:
                    writer.write(frame)
                    # The server closes this connection: a close frame then EOF, or a reset.
                    with contextlib.suppress(ConnectionError):
                        await writer.drain()
                        await within(reader.read(), timeout_s=10, what=f"the server to close on {name}")
                finally:
                    writer.close()
                    with contextlib.suppress(ConnectionError):
                        await writer.wait_closed()
            ticks = len(received)
            await wait_until(lambda: len(received) > ticks, what="the good stream to go on")
            assert not good.closed
            await wait_until(lambda: len(refusals(console)) >= 1, what="the frame refusals in the journal")
            records = refusals(console)
            assert {r["reason"] for r in records} == {"ws_frame"}
            assert {r["who"] for r in records} == {"vic"}
            assert console.server.stats().frames_refused == len(MALFORMED)
            assert console.server.refusals.counts["ws_frame"] == len(MALFORMED)
        finally:
            await good.close()
            await within(task, timeout_s=5, what="the good reader to end")
