"""The WebSocket stream over a real loopback port: hello and snapshot, updates of what changed
(latest value per key, coalesced), the journal as it is written, ticks, and the refusals: frames
from the browser, and a browser too slow to keep up, which is closed while the others go on."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import socket
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from gcs.links.values import VehicleHeartbeat
from gcs.protocol.dialect import seaport
from tests.integration.console.harness import Console, console_server, login
from tests.support.waits import wait_until, within


def heartbeat(custom_mode: int, t_s: float = 1_800_000_000.0) -> VehicleHeartbeat:
    return VehicleHeartbeat(1, 1, seaport.MAV_TYPE_ROCKET, 0, 0, custom_mode, 3, 3, t_s, 0.0)


class Reader:
    """A stream client: every message it received, by type."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.messages: list[dict[str, Any]] = []
        self.closed_code: int | None = None

    async def run(self) -> None:
        async for msg in self.ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                self.messages.append(orjson.loads(msg.data))
        self.closed_code = self.ws.close_code

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == kind]

    def values(self, key: str) -> list[Any]:
        return [m["values"][key]["v"] for m in self.of("update") if key in m["values"]]


async def _stream(
    session: aiohttp.ClientSession, console: Console, name: str
) -> aiohttp.ClientWebSocketResponse:
    headers = await login(session, console, name)
    return await session.ws_connect(f"{console.url}/api/v1/stream",
                                    headers={**headers, "Origin": console.url})


async def test_hello_snapshot_updates_journal_and_ticks(tmp_path: Path) -> None:
    async with console_server(tmp_path) as console, aiohttp.ClientSession() as session:
        console.hub.publish(heartbeat(0), key=1)
        await wait_until(lambda: console.server.board.entry("vehicle/1/heartbeat") is not None,
                         what="the heartbeat on the board")
        ws = await _stream(session, console, "dana")
        reader = Reader(ws)
        task = asyncio.create_task(reader.run())
        try:
            await wait_until(lambda: len(reader.messages) >= 2, what="hello and snapshot")
            hello, snapshot = reader.messages[:2]
            assert hello["type"] == "hello"
            assert hello["user"]["user"] == "dana"
            config = hello["config"]
            assert config["vehicle_sysid"] == 1
            assert config["sites"]["landing"]["name"] == "landing-barge"
            assert [s["name"] for s in config["stations"]][:2] == ["launch_director", "vehicle"]
            assert config["recycle_points"] == [{"name": "T-2", "t_s": -120.0}]
            ring = config["corridor"][0]
            assert ring[0] == ring[-1]
            assert len(ring) > 40
            assert config["deck_limits"]["pitch_max_10min_deg"] > 0
            assert snapshot["type"] == "snapshot"
            beat = snapshot["values"]["vehicle/1/heartbeat"]
            assert (beat["t"], beat["period_s"], beat["v"]["phase"]) == (1_800_000_000.0, 1.0, "safe")
            assert any(e["kind"] == "session_start" for e in snapshot["journal"])

            console.hub.publish(heartbeat(1, 1_800_000_001.0), key=1)  # STANDBY
            await wait_until(lambda: "standby" in [v["phase"] for v in reader.values("vehicle/1/heartbeat")],
                             what="the new heartbeat in an update")
            async with session.post(f"{console.url}/api/v1/commands/poll/open",
                                    headers=await login(session, console, "dana")) as r:
                assert r.status == 200
            await wait_until(lambda: any(e["payload"].get("action") == "poll_opened"
                                         for m in reader.of("journal") for e in m["entries"]),
                             what="the poll's journal entry on the stream")
            seqs = [e["seq"] for m in reader.of("journal") for e in m["entries"]]
            assert seqs == sorted(set(seqs))  # in order, none twice
            await wait_until(lambda: len(reader.of("tick")) >= 2, what="ticks")
            assert all(isinstance(m["server_time_s"], float) for m in reader.of("tick"))
        finally:
            await ws.close()
            await within(task, timeout_s=5, what="the reader to end")


async def test_changes_between_sends_coalesce_to_the_latest_value(tmp_path: Path) -> None:
    async with console_server(tmp_path, max_update_hz=1.0) as console, aiohttp.ClientSession() as session:
        ws = await _stream(session, console, "vic")
        reader = Reader(ws)
        task = asyncio.create_task(reader.run())
        try:
            await wait_until(lambda: len(reader.messages) >= 2, what="hello and snapshot")
            # A burst in one turn of the loop: the stream sends the last value, not 200 of them.
            for i in range(200):
                console.hub.publish(heartbeat(i % 12, 1_800_000_000.0 + i), key=1)
            await wait_until(lambda: 1_800_000_199.0 in [
                m["values"]["vehicle/1/heartbeat"]["t"] for m in reader.of("update")
                if "vehicle/1/heartbeat" in m["values"]], what="the last heartbeat of the burst")
            sent = reader.values("vehicle/1/heartbeat")
            assert len(sent) <= 2, len(sent)
            # Coalesced on the board for this browser (the hub's short latest-value queue drops the
            # oldest of a burst before that, by design).
            assert console.server.stats().updates_coalesced > 0
        finally:
            await ws.close()
            await within(task, timeout_s=5, what="the reader to end")


@pytest.mark.parametrize(("frame", "code"), [("text", 1003), ("binary", 1003), ("huge", 1009)])
async def test_frames_from_the_browser_close_the_stream(tmp_path: Path, frame: str, code: int) -> None:
    async with console_server(tmp_path) as console, aiohttp.ClientSession() as session:
        ws = await _stream(session, console, "vic")
        reader = Reader(ws)
        task = asyncio.create_task(reader.run())
        await wait_until(lambda: len(reader.messages) >= 2, what="hello and snapshot")
        if frame == "text":
            await ws.send_str('{"type": "command"}')
        elif frame == "binary":
            await ws.send_bytes(b"\x00\x01")
        else:
            await ws.send_str("x" * 10_000)
        await within(task, timeout_s=10, what="the server to close the stream")
        assert reader.closed_code == code
        assert console.server.stats().frames_refused == 1


async def _raw_websocket(console: Console, headers: dict[str, str]) -> tuple[asyncio.StreamReader,
                                                                                asyncio.StreamWriter]:
    """A WebSocket client that completes the handshake and then never reads: a hung browser."""
    host, port = console.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /api/v1/stream HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               f"Authorization: {headers['Authorization']}\r\n\r\n")
    writer.write(request.encode())
    await writer.drain()
    status = await reader.readline()
    assert b" 101 " in status, status
    return reader, writer


async def test_a_browser_that_cannot_keep_up_is_closed_and_the_others_go_on(tmp_path: Path) -> None:
    async with console_server(tmp_path, client_stall_s=0.5, max_update_hz=100.0) as console, \
            aiohttp.ClientSession() as session:
        headers = await login(session, console, "vic")
        stuck_reader, stuck_writer = await _raw_websocket(console, headers)
        ws = await _stream(session, console, "vic")
        healthy = Reader(ws)
        task = asyncio.create_task(healthy.run())
        try:
            await wait_until(lambda: console.server.board.client_count == 2, what="two browsers")
            # Big, ever-changing values until the hung browser's buffers are full and it is dropped.
            flood = asyncio.create_task(_flood(console))
            try:
                await wait_until(lambda: console.server.stats().clients_closed_slow == 1, timeout_s=60,
                                 what="the hung browser to be closed", show=console.server.stats)
                before = len(healthy.of("update"))
                await wait_until(lambda: len(healthy.of("update")) > before + 5,
                                 what="the healthy browser to go on receiving")
            finally:
                flood.cancel()
            assert console.server.board.client_count == 1
            assert healthy.closed_code is None
            # The hung browser's connection is gone (reset: what it never read is dropped, not trickled).
            await within(_drain(stuck_reader), timeout_s=30, what="the hung browser's connection to end")
        finally:
            stuck_writer.close()
            await ws.close()
            await within(task, timeout_s=5, what="the healthy reader to end")
            with contextlib.suppress(ConnectionError):
                await stuck_writer.wait_closed()


async def _drain(reader: asyncio.StreamReader) -> None:
    with contextlib.suppress(ConnectionError):
        while await reader.read(65536):
            pass


async def _flood(console: Console) -> None:
    # Straight onto the board, as the feed puts converted hub values there: 50 keys of 20 kB each.
    padding = "p" * 20_000
    i = 0
    while True:
        i += 1
        console.server.board.set(f"platform/p{i % 50}/feed", float(i), 1.0, {"i": i, "padding": padding})
        await asyncio.sleep(0.001)
