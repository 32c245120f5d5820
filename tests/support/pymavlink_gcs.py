"""An independent ground station for testing the simulator: stock pymavlink classes over plain sockets.

It speaks through the generated dialect's own ``seaport.MAVLink`` (no ``mavutil``, none of the
ground station's codec, transport or link code), over a UDP socket or the master side of a pty
that it drives itself, so the simulator and this client are independent implementations of the
same wire definition. It does what a stock GCS does, in the MAVLink spec's terms: heartbeats,
commands with ``confirmation`` retries, the parameter list, read and set, mission upload and
download with ``_INT`` items. Signing uses pymavlink's own implementation (``signing.secret_key``
and friends); ``forge`` builds frames with another key, or none, or replays captured bytes.

Every wait has a time limit and fails naming what it waited for (``WaitTimeout``).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from gcs.protocol.dialect import seaport
from tests.support.waits import WaitTimeout, wait_until

S = seaport
MISSION = S.MAV_MISSION_TYPE_MISSION
_SIGNING_EPOCH_UNIX_S = 1_420_070_400


class Stream(Protocol):
    async def read(self) -> bytes: ...

    def write(self, data: bytes) -> None: ...


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()
        self.peer: tuple[str, int] | None = None

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.peer = addr  # reply to whoever spoke last, as udpin does
        self.queue.put_nowait(data)

    def error_received(self, exc: Exception) -> None:
        pass  # the vehicle is not listening yet


class UdpStream:
    """A UDP socket bound to a local port: the ground station side of ``udpout`` on the vehicle."""

    def __init__(self, transport: asyncio.DatagramTransport, protocol: _UdpProtocol) -> None:
        self._transport = transport
        self._protocol = protocol

    @property
    def port(self) -> int:
        return int(self._transport.get_extra_info("sockname")[1])

    async def read(self) -> bytes:
        return await self._protocol.queue.get()

    def write(self, data: bytes) -> None:
        if self._protocol.peer is not None:
            self._transport.sendto(data, self._protocol.peer)


@asynccontextmanager
async def udp_stream(port: int = 0) -> AsyncIterator[UdpStream]:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(_UdpProtocol, local_addr=("127.0.0.1", port))
    try:
        yield UdpStream(transport, protocol)
    finally:
        transport.close()


class FdStream:
    """A non-blocking file descriptor (a pty master) read through the event loop."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        os.set_blocking(fd, False)
        self._loop.add_reader(fd, self._readable)

    def _readable(self) -> None:
        try:
            data = os.read(self._fd, 65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""  # EIO: nobody has the other side open right now
        if data:
            self._queue.put_nowait(data)

    async def read(self) -> bytes:
        return await self._queue.get()

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + 2.0
        while view:
            try:
                view = view[os.write(self._fd, view) :]
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.001)  # a full tty buffer drains within milliseconds

    def close(self) -> None:
        self._loop.remove_reader(self._fd)


def new_mav(key: bytes | None = None, link_id: int = 0, sysid: int = 255, compid: int = 190) -> Any:
    """A stock codec; with ``key`` it signs what it packs and refuses unsigned frames."""
    mav = S.MAVLink(None, srcSystem=sysid, srcComponent=compid)
    mav.robust_parsing = True
    if key is not None:
        mav.signing.secret_key = key
        mav.signing.link_id = link_id
        mav.signing.sign_outgoing = True
        mav.signing.timestamp = int((time.time() - _SIGNING_EPOCH_UNIX_S) * 100_000)
    return mav


def pack(mav: Any, msg: Any) -> bytes:
    frame = bytes(msg.pack(mav))
    mav.seq = (mav.seq + 1) % 256
    return frame


@dataclass
class Received:
    msg: Any
    at_s: float


class PymavlinkGcs:
    """The ground station: reads everything into ``received``; helpers wait on what arrived."""

    def __init__(
        self, stream: Stream, *, key: bytes | None = None, link_id: int = 0, target: int = 1
    ) -> None:
        self.stream = stream
        self.mav = new_mav(key, link_id)
        self.target = target
        self.received: list[Received] = []
        self.sent_frames: list[bytes] = []

    # --- plumbing --------------------------------------------------------------------------------

    async def receive(self) -> None:
        while True:
            data = await self.stream.read()
            now = time.monotonic()
            for msg in self.mav.parse_buffer(data) or ():
                if msg.get_type() != "BAD_DATA":
                    self.received.append(Received(msg, now))

    async def heartbeats(self, rate_hz: float = 1.0) -> None:
        """Our heartbeat: how a vehicle on udpout learns nothing, one on serial or udpin where we are,
        and how the flight computer knows its ground link is up."""
        while True:
            self.send(S.MAVLink_heartbeat_message(
                S.MAV_TYPE_GCS, S.MAV_AUTOPILOT_INVALID, 0, 0, S.MAV_STATE_ACTIVE, 3))
            await asyncio.sleep(1.0 / rate_hz)

    def send(self, msg: Any, mav: Any = None) -> bytes:
        frame = pack(mav or self.mav, msg)
        self.sent_frames.append(frame)
        self.stream.write(frame)
        return frame

    def send_raw(self, frame: bytes) -> None:
        self.stream.write(frame)

    def of_type(self, kind: str, since: int = 0) -> list[Any]:
        return [r.msg for r in self.received[since:] if r.msg.get_type() == kind]

    def mark(self) -> int:
        """A position in ``received``: pass it as ``since`` to look only at what came later."""
        return len(self.received)

    async def wait_for(
        self,
        kind: str,
        predicate: Callable[[Any], bool] = lambda m: True,
        *,
        since: int = 0,
        timeout_s: float = 5.0,
    ) -> Any:
        found: list[Any] = []

        def seen() -> bool:
            found[:] = [m for m in self.of_type(kind, since) if predicate(m)]
            return bool(found)

        await wait_until(seen, timeout_s=timeout_s, what=f"{kind} matching {predicate}",
                         show=lambda: self.of_type(kind, since)[-3:])
        return found[0]

    def heartbeat(self) -> Any | None:
        beats = [m for m in self.of_type("HEARTBEAT") if m.get_srcSystem() == self.target]
        return beats[-1] if beats else None

    def texts(self, since: int = 0) -> list[str]:
        return [m.text for m in self.of_type("STATUSTEXT", since)]

    # --- commands --------------------------------------------------------------------------------

    async def command(
        self, command: int, *params: float, tries: int = 5, timeout_s: float = 1.0, mav: Any = None
    ) -> Any:
        """COMMAND_LONG with retries (confirmation 0, 1, ...); returns the final ACK (not IN_PROGRESS)."""
        full = [*params, *[0.0] * (7 - len(params))]
        mark = self.mark()
        for confirmation in range(tries):
            self.send(S.MAVLink_command_long_message(self.target, 1, command, confirmation, *full), mav)
            try:
                return await self.wait_for(
                    "COMMAND_ACK",
                    lambda m: m.command == command and m.result != S.MAV_RESULT_IN_PROGRESS,
                    since=mark, timeout_s=timeout_s,
                )
            except WaitTimeout:
                continue
        raise WaitTimeout(f"no final COMMAND_ACK for command {command} after {tries} tries")

    async def no_ack(self, command: int, *, since: int, quiet_s: float = 1.0) -> None:
        """Wait ``quiet_s`` and check no ACK for ``command`` arrived since ``since`` (a refused frame)."""
        await asyncio.sleep(quiet_s)
        acks = [m for m in self.of_type("COMMAND_ACK", since) if m.command == command]
        assert acks == [], f"the vehicle answered command {command}: {acks}"

    # --- parameters ------------------------------------------------------------------------------

    async def param_list(self, timeout_s: float = 10.0) -> dict[str, Any]:
        """Every PARAM_VALUE after PARAM_REQUEST_LIST, by name; fails unless counts and indices agree."""
        mark = self.mark()
        self.send(S.MAVLink_param_request_list_message(self.target, 1))

        def complete() -> bool:
            values = self.of_type("PARAM_VALUE", mark)
            return bool(values) and len({v.param_index for v in values}) == values[0].param_count

        await wait_until(complete, timeout_s=timeout_s, what="the whole parameter list",
                         show=lambda: len(self.of_type("PARAM_VALUE", mark)))
        values = self.of_type("PARAM_VALUE", mark)
        counts = {v.param_count for v in values}
        assert len(counts) == 1, f"param_count changed during the list: {counts}"
        by_index = {v.param_index: v for v in values}
        assert sorted(by_index) == list(range(counts.pop())), "indices are not 0..count-1"
        names = [by_index[i].param_id for i in sorted(by_index)]
        assert len(set(names)) == len(names), "a name appears at two indices"
        return {v.param_id: v for v in by_index.values()}

    async def param_set(self, name: str, value: float, param_type: int = S.MAV_PARAM_TYPE_REAL32) -> Any:
        """PARAM_SET; returns the PARAM_VALUE echo of ``name``."""
        mark = self.mark()
        self.send(S.MAVLink_param_set_message(self.target, 1, name.encode(), value, param_type))
        return await self.wait_for("PARAM_VALUE", lambda m: m.param_id == name, since=mark)

    async def param_read(self, name: str) -> Any:
        mark = self.mark()
        self.send(S.MAVLink_param_request_read_message(self.target, 1, name.encode(), -1))
        return await self.wait_for("PARAM_VALUE", lambda m: m.param_id == name, since=mark)

    # --- missions --------------------------------------------------------------------------------

    async def mission_upload(self, items: list[Any], timeout_s: float = 10.0) -> Any:
        """Upload MISSION_ITEM_INTs (their seq is set here); returns the vehicle's MISSION_ACK."""
        mark = self.mark()
        self.send(S.MAVLink_mission_count_message(self.target, 1, len(items), S.MAV_MISSION_TYPE_MISSION))
        handled = 0
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            acks = self.of_type("MISSION_ACK", mark)
            if acks:
                return acks[0]
            requests = self.of_type("MISSION_REQUEST_INT", mark)
            for request in requests[handled:]:
                item = items[request.seq]
                item.seq = request.seq
                item.target_system, item.target_component = self.target, 1
                self.send(item)
            handled = len(requests)
            await asyncio.sleep(0.002)
        raise WaitTimeout(f"no MISSION_ACK within {timeout_s} s of uploading {len(items)} items")

    async def mission_download(self) -> list[Any]:
        mark = self.mark()
        self.send(S.MAVLink_mission_request_list_message(self.target, 1, S.MAV_MISSION_TYPE_MISSION))
        count = (await self.wait_for("MISSION_COUNT", since=mark)).count
        items = []
        for seq in range(count):
            mark = self.mark()
            self.send(S.MAVLink_mission_request_int_message(self.target, 1, seq, MISSION))
            item = await self.wait_for("MISSION_ITEM_INT", lambda m, seq=seq: m.seq == seq, since=mark)
            items.append(item)
        self.send(S.MAVLink_mission_ack_message(self.target, 1, S.MAV_MISSION_ACCEPTED, MISSION))
        return items


def mission_item(
    command: int,
    lat_deg: float = 0.0,
    lon_deg: float = 0.0,
    z: float = 0.0,
    *,
    frame: int = S.MAV_FRAME_GLOBAL_INT,
    p1: float = 0.0,
    p2: float = 0.0,
    p3: float = 0.0,
) -> Any:
    """A MISSION_ITEM_INT (seq and target are filled in on upload)."""
    return S.MAVLink_mission_item_int_message(
        0, 0, 0, frame, command, 0, 1, p1, p2, p3, 0.0, round(lat_deg * 1e7), round(lon_deg * 1e7), z,
        S.MAV_MISSION_TYPE_MISSION)
