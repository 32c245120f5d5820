"""Two processes exchange signed MAVLink through the fault proxy, over pty serial, UDP and TCP.

The near end is this test: the ground station's transport link and codec. The far end is the real
``firmware-sim vehicle`` process, which uses stock pymavlink classes of the same dialect, so the two
sides are independent implementations of one wire definition. The same body runs for every link
kind; only the way the proxy and the far end are wired differs.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from gcs.clock import WallClock
from gcs.protocol.dialect import FlightPhase, seaport
from gcs.protocol.mavlink import MavlinkCodec, SigningConfig
from gcs.tasks import background
from gcs.transport.endpoint import Endpoint
from gcs.transport.faults import FaultSpec
from gcs.transport.link import Backoff, Link, open_link
from gcs.transport.proxy import PtyFaultProxy, TcpFaultProxy, UdpFaultProxy
from tests.support.waits import wait_until, within

KINDS = ["pty", "udp", "tcp"]
VEHICLE_SYSID = 1
FAST_BACKOFF = Backoff(base_s=0.01, factor=1.5, max_s=0.2)
# A lossy, noisy radio both ways: every frame kind must still get through with retries.
DOWN_FAULTS = FaultSpec(loss_probability=0.05, bit_flip_probability=0.0005, duplicate_probability=0.02)
UP_FAULTS = FaultSpec(loss_probability=0.05, bit_flip_probability=0.0005)


def _free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Far:
    """The far end as seen from the test: where the proxy forwards to and what the process says."""

    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)


@asynccontextmanager
async def vehicle_process(connect: str, key_file: Path) -> AsyncIterator[Far]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "firmware_sim", "vehicle", "--connect", connect,
        "--signing-key-file", str(key_file), "--telemetry-hz", "20",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env,
    )
    far = Far(process)
    try:
        assert process.stdout is not None
        first = await within(process.stdout.readline(), timeout_s=20, what="firmware-sim to start serving")
        far.lines.append(first.decode())
        assert "serving" in far.lines[-1], far.lines
        yield far
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
        if process.stdout is not None:
            far.lines.extend(line.decode() for line in (await process.stdout.read()).splitlines())
        assert process.returncode in (0, -15), far.lines


@asynccontextmanager
async def wired(kind: str, key_file: Path, seed: int) -> AsyncIterator[tuple[Endpoint, Any, Far]]:
    """Proxy plus far process for ``kind``; yields the endpoint the near end opens."""
    async with AsyncExitStack() as stack:
        proxy: Any
        if kind == "pty":
            proxy = await stack.enter_async_context(PtyFaultProxy(up=UP_FAULTS, down=DOWN_FAULTS, seed=seed))
            far_connect = f"serial:{proxy.target_endpoint.device}:115200"
            far = await stack.enter_async_context(vehicle_process(far_connect, key_file))
        elif kind == "udp":
            port = _free_port(socket.SOCK_DGRAM)
            far = await stack.enter_async_context(vehicle_process(f"udpin:127.0.0.1:{port}", key_file))
            proxy = await stack.enter_async_context(UdpFaultProxy(
                target=f"udpout:127.0.0.1:{port}", up=UP_FAULTS, down=DOWN_FAULTS, seed=seed))
        else:
            port = _free_port(socket.SOCK_STREAM)
            far = await stack.enter_async_context(vehicle_process(f"tcpin:127.0.0.1:{port}", key_file))
            proxy = await stack.enter_async_context(TcpFaultProxy(
                target=f"tcp:127.0.0.1:{port}", up=UP_FAULTS, down=DOWN_FAULTS, seed=seed))
        yield proxy.client_endpoint, proxy, far


class GroundEnd:
    """The ground station's side: a link, a signed codec, and everything it has decoded."""

    def __init__(self, link: Link, codec: MavlinkCodec) -> None:
        self.link = link
        self.codec = codec
        self.received: list[Any] = []

    async def receive(self) -> None:
        while True:
            self.received.extend(self.codec.feed(await self.link.read()))

    async def heartbeat(self) -> None:
        # A ground station announces itself; on udpin the vehicle learns where to send from this.
        while True:
            await self.send(seaport.MAVLink_heartbeat_message(
                seaport.MAV_TYPE_GCS, seaport.MAV_AUTOPILOT_INVALID, 0, 0, seaport.MAV_STATE_ACTIVE, 3))
            await asyncio.sleep(0.1)

    async def send(self, msg: Any, codec: MavlinkCodec | None = None) -> None:
        await self.link.write((codec or self.codec).encode(msg))

    def of_type(self, name: str) -> list[Any]:
        return [m for m in self.received if m.get_type() == name]

    def acks(self, command: int) -> list[Any]:
        return [m for m in self.of_type("COMMAND_ACK") if m.command == command]


def _command(command: int, confirmation: int, param1: float = 0.0, param2: float = 0.0) -> Any:
    return seaport.MAVLink_command_long_message(
        VEHICLE_SYSID, 1, command, confirmation, param1, param2, 0, 0, 0, 0, 0)


@pytest.mark.parametrize("kind", KINDS)
async def test_signed_mavlink_between_two_processes_through_the_proxy(kind: str, tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    key_file = tmp_path / "vehicle.key"
    key_file.write_text(key.hex())
    clock = WallClock()
    codec = MavlinkCodec(255, 190, signing=SigningConfig(key, link_id=7))
    forger = MavlinkCodec(255, 190)  # same identity, no key: what an intruder on the radio can send

    async with wired(kind, key_file, seed=KINDS.index(kind) + 1) as (near, proxy, far), \
            open_link(near, clock=clock, backoff=FAST_BACKOFF) as link:
        ground = GroundEnd(link, codec)
        async with background(("ground receive", ground.receive()), ("ground heartbeat", ground.heartbeat())):
            # 1. The vehicle is found: signed heartbeats of a rocket, on the pad, in SAFE.
            await wait_until(lambda: len(ground.of_type("HEARTBEAT")) >= 3, timeout_s=20,
                             what="three heartbeats from the vehicle", show=lambda: far.lines)
            beat = ground.of_type("HEARTBEAT")[0]
            assert (beat.get_srcSystem(), beat.type, beat.custom_mode) == (
                VEHICLE_SYSID, seaport.MAV_TYPE_ROCKET, FlightPhase.SAFE)
            assert all(m._signed for m in ground.received), "only signed frames may be delivered"

            # 2. An unsigned command is ignored by the vehicle; a signed one is acknowledged, with
            #    retries that bump `confirmation` as the command protocol says.
            for _ in range(5):
                await ground.send(_command(seaport.MAV_CMD_SET_MESSAGE_INTERVAL, 0, 0, 1e6), forger)
            confirmation = 0
            while not ground.acks(seaport.MAV_CMD_REQUEST_MESSAGE):
                assert confirmation < 20, "no ACK after 20 tries"
                await ground.send(_command(seaport.MAV_CMD_REQUEST_MESSAGE, confirmation,
                                           seaport.MAVLINK_MSG_ID_HEARTBEAT))
                confirmation += 1
                try:
                    await wait_until(lambda: bool(ground.acks(seaport.MAV_CMD_REQUEST_MESSAGE)),
                                     timeout_s=0.3)
                except AssertionError:
                    continue
            assert ground.acks(seaport.MAV_CMD_REQUEST_MESSAGE)[0].result == seaport.MAV_RESULT_ACCEPTED
            assert ground.acks(seaport.MAV_CMD_SET_MESSAGE_INTERVAL) == [], "an unsigned command got through"

            # 3. Telemetry keeps flowing, and the statistics see what the proxy did to it.
            await wait_until(lambda: len(ground.of_type("SYSTEM_TIME")) >= 60, timeout_s=20,
                             what="60 telemetry frames")

        stats = codec.stats()[(VEHICLE_SYSID, 1)]
        counters = codec.counters()
        faults = proxy.down.faults
        assert faults.dropped > 0  # the proxy really did its damage
        assert faults.bits_flipped > 0
        assert stats.frames_received >= 60
        assert stats.frames_lost > 0, (stats, faults)  # 5% loss cannot go unseen
        assert 0 < stats.loss_pct < 30
        assert counters.rejected_unsigned == 0  # the vehicle's own frames are all signed
        assert counters.bad_signatures + counters.crc_errors + counters.bytes_skipped > 0  # bit flips seen
        assert all(m._signed for m in ground.received)
