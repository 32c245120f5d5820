"""Each byte stream on its own, over real loopback sockets and real pty pairs: the semantics the
link and the proxies build on, and the translation of OS errors into LinkDownError."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

import pytest

from gcs.errors import EndpointError, LinkDownError
from gcs.transport.connect import open_stream
from gcs.transport.endpoint import Endpoint
from gcs.transport.pty import OUTBOX_LIMIT_BYTES, PtyMasterStream, open_pty
from gcs.transport.serial import SerialStream
from gcs.transport.tcp import TcpServerStream, TcpStream
from gcs.transport.udp import RECEIVE_BUFFER_BYTES, UdpStream
from tests.support.waits import wait_until, within

EVERY_BYTE = bytes(range(256))


async def test_udpin_replies_to_the_last_peer_that_sent() -> None:
    async with open_stream("udpin:127.0.0.1:0") as listener:
        with pytest.raises(LinkDownError, match="no peer has sent"):
            await listener.write(b"to whom?")
        target = Endpoint.udp_out("127.0.0.1", listener.endpoint.port)
        async with open_stream(target) as first, open_stream(target) as second:
            await first.write(b"from first")
            assert await within(listener.read(), what="first datagram") == b"from first"
            await second.write(b"from second")
            assert await within(listener.read(), what="second datagram") == b"from second"
            await listener.write(b"reply")
            assert await within(second.read(), what="reply at the second sender") == b"reply"


async def test_udpout_to_a_port_nobody_listens_on_goes_down_with_the_cause_kept() -> None:
    async with open_stream("udpin:127.0.0.1:0") as probe:
        port = probe.endpoint.port
    async with open_stream(Endpoint.udp_out("127.0.0.1", port)) as sender:
        await sender.write(b"anyone?")
        with pytest.raises(LinkDownError, match="nothing listens") as caught:
            await within(sender.read(), what="the ICMP port unreachable")
        assert isinstance(caught.value.__cause__, ConnectionRefusedError)
        with pytest.raises(LinkDownError):
            await sender.write(b"still nobody")


async def test_udpin_on_a_port_in_use_refuses_to_open() -> None:
    async with open_stream("udpin:127.0.0.1:0") as holder:
        with pytest.raises(LinkDownError, match="cannot open UDP socket") as caught:
            async with open_stream(holder.endpoint):
                pass
        assert isinstance(caught.value.__cause__, OSError)
        assert caught.value.__cause__.errno == errno.EADDRINUSE


async def test_tcp_connect_refused_is_link_down_with_the_cause_kept() -> None:
    async with open_stream("tcpin:127.0.0.1:0") as probe:
        port = probe.endpoint.port
    with pytest.raises(LinkDownError, match="cannot connect") as caught:
        await TcpStream.open(Endpoint.tcp("127.0.0.1", port))
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)


async def test_tcpin_serves_one_peer_and_a_newer_peer_replaces_the_older() -> None:
    # The older peer falls silent after its first bytes, so the newer one replaces it once it has
    # been silent this long (a live peer is not replaced: tests/unit/transport/test_peer_gate.py).
    server = await TcpServerStream.open(Endpoint.tcp_in("127.0.0.1", 0), silence_for_takeover_s=0.2)
    try:
        with pytest.raises(LinkDownError, match="no peer connected"):
            await server.write(b"nobody yet")
        target = Endpoint.tcp("127.0.0.1", server.endpoint.port)
        async with open_stream(target) as older:
            await older.write(b"older")
            assert await within(server.read(), what="data from the older peer") == b"older"
            async with open_stream(target) as newer:
                with pytest.raises(LinkDownError, match="peer closed"):
                    await within(older.read(), what="the older peer being closed")
                await newer.write(b"newer")
                assert await within(server.read(), what="data from the newer peer") == b"newer"
                await server.write(b"to newer")
                assert await within(newer.read(), what="reply at the newer peer") == b"to newer"
            # The listener outlives its peers: once the newer one has left, the next one is served.
            async with open_stream(target) as third:
                await third.write(b"third")
                assert await within(server.read(), what="data from a third peer") == b"third"
    finally:
        await server.aclose()


async def test_a_tcp_peer_closing_is_link_down_for_the_client() -> None:
    server = await TcpServerStream.open(Endpoint.tcp_in("127.0.0.1", 0))
    async with open_stream(Endpoint.tcp("127.0.0.1", server.endpoint.port)) as client:
        await wait_until(lambda: server.has_peer, what="the server accepting")
        await server.aclose()
        with pytest.raises(LinkDownError, match="peer closed"):
            await within(client.read(), what="the client seeing the close")


async def test_a_pty_carries_every_byte_value_unchanged_both_ways(tmp_path: Path) -> None:
    # Raw mode matters: a cooked tty would turn \r into \n, eat ^C and ^S, and echo everything back.
    with open_pty(link=tmp_path / "ttyRAW") as pty:
        master = PtyMasterStream(pty)
        try:
            async with open_stream(pty.endpoint(921600)) as serial:
                await serial.write(EVERY_BYTE)
                got = b""
                while len(got) < 256:
                    got += await within(master.read(), what="bytes at the master")
                assert got == EVERY_BYTE
                await master.write(EVERY_BYTE)
                got = b""
                while len(got) < 256:
                    got += await within(serial.read(), what="bytes at the serial port")
                assert got == EVERY_BYTE
        finally:
            await master.aclose()


async def test_a_vanishing_pty_is_link_down_for_the_serial_port_with_the_os_error_kept() -> None:
    with open_pty() as pty:
        serial = await SerialStream.open(pty.endpoint())
    try:
        with pytest.raises(LinkDownError, match="device lost") as caught:
            await within(serial.read(), what="the serial port noticing the pty closed")
        assert isinstance(caught.value.__cause__, OSError)
        assert caught.value.__cause__.errno == errno.EIO
        with pytest.raises(LinkDownError):
            await serial.write(b"hello?")
    finally:
        await serial.aclose()


async def test_an_absent_serial_device_refuses_to_open_with_the_cause_kept(tmp_path: Path) -> None:
    with pytest.raises(LinkDownError, match="cannot open serial port") as caught:
        await SerialStream.open(Endpoint.serial(str(tmp_path / "ttyNONE")))
    assert isinstance(caught.value.__cause__, FileNotFoundError)


def test_a_pty_link_points_at_the_newest_pair_and_goes_with_it(tmp_path: Path) -> None:
    link = tmp_path / "ttyGPS"
    with open_pty(link=link) as first:
        assert os.readlink(link) == first.device_path
        assert first.path == str(link)
        with open_pty(link=link) as second:
            assert os.readlink(link) == second.device_path != first.device_path
        assert not link.exists()  # the newer pair took it and removed it
    assert not link.exists()


async def test_a_pty_master_drops_what_nobody_takes_and_counts_it() -> None:
    with open_pty() as pty:
        master = PtyMasterStream(pty)
        try:
            flood = bytes(4 * OUTBOX_LIMIT_BYTES)
            await master.write(flood)  # never waits: a UART without flow control
            assert 0 < master.overrun_bytes < len(flood)
        finally:
            await master.aclose()


async def test_a_mem_endpoint_needs_a_network() -> None:
    with pytest.raises(EndpointError, match="MemoryNetwork"):
        async with open_stream("mem:nowhere"):
            pass


async def test_a_udp_burst_while_the_loop_is_busy_is_not_lost_in_the_kernel() -> None:
    """Telemetry-sized datagrams arrive while the event loop is stuck for a moment (a GC pause, a
    slow consumer): the socket's receive buffer must hold them. The kernel's default (208 KiB,
    about 270 such datagrams) lost most of a burst in accelerated SITL, so the socket asks for
    RECEIVE_BUFFER_BYTES, of which the kernel grants at most net.core.rmem_max."""
    rmem_max = int(Path("/proc/sys/net/core/rmem_max").read_text())
    async with open_stream("udpin:127.0.0.1:0") as listener:
        assert isinstance(listener, UdpStream)
        # The kernel reports twice what it grants; it grants the request up to rmem_max.
        granted = listener.receive_buffer_bytes // 2
        assert granted >= min(RECEIVE_BUFFER_BYTES, rmem_max)
        # As many datagrams as the granted buffer holds by the kernel's count (about 1.5 kB each
        # for a small one), at most 2,000: all of them must arrive.
        count = min(2000, granted // 1536)
        port = listener.endpoint.port
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            # The loop is blocked (no await) while the burst goes out: only the kernel holds it.
            for i in range(count):
                sender.sendto(i.to_bytes(4, "big") + bytes(60), ("127.0.0.1", port))
        received = 0
        while received < count:
            chunk = await within(listener.read(), timeout_s=2.0, what=f"datagram {received + 1} of {count}")
            received += 1 if chunk else 0
    assert received == count
