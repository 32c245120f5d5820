"""What the proxies promise beyond carrying bytes: clock-driven delays, per-connection isolation,
honest counters, and refusing endpoints of the wrong kind."""

from __future__ import annotations

import pytest

from gcs.clock import SimClock
from gcs.errors import EndpointError, LinkDownError
from gcs.transport.connect import open_stream
from gcs.transport.endpoint import Endpoint
from gcs.transport.faults import FaultSpec
from gcs.transport.memory import MemoryNetwork
from gcs.transport.proxy import MemoryFaultProxy, PtyFaultProxy, TcpFaultProxy, UdpFaultProxy
from tests.support.waits import wait_until, within


async def test_a_proxy_delay_is_waited_out_on_the_injected_clock() -> None:
    clock = SimClock()
    async with open_stream("udpin:127.0.0.1:0") as far:
        target = Endpoint.udp_out("127.0.0.1", far.endpoint.port)
        async with (
            UdpFaultProxy(target=target, up=FaultSpec(delay_s=30.0), clock=clock) as proxy,
            open_stream(proxy.client_endpoint) as near,
        ):
            await near.write(b"thirty seconds late")
            await wait_until(lambda: proxy.up.pending_chunks == 1, what="the datagram held for its delay")
            clock.advance(29.9)
            assert proxy.up.delivered_chunks == 0  # no wall-clock sleep can release it early
            clock.advance_to(30.0)
            assert await within(far.read(), what="the delayed datagram") == b"thirty seconds late"


async def test_blackout_windows_may_count_from_an_event_the_proxy_is_told_of() -> None:
    clock = SimClock()
    async with open_stream("udpin:127.0.0.1:0") as far:
        target = Endpoint.udp_out("127.0.0.1", far.endpoint.port)
        spec = FaultSpec(blackout_windows_s=((5.0, 10.0),))
        async with (
            UdpFaultProxy(target=target, up=spec, clock=clock, windows_from_start=False) as proxy,
            open_stream(proxy.client_endpoint) as near,
        ):
            clock.advance(6.0)  # inside the window had it counted from the start
            await near.write(b"before the event")
            assert await within(far.read(), what="a datagram before the event") == b"before the event"
            proxy.count_windows_from()  # the event (a liftoff) at 6 s: the blackout is 11..21 s
            clock.advance(6.0)
            await near.write(b"in the blackout")
            await wait_until(lambda: proxy.up.faults.blacked_out == 1, what="the datagram blacked out")
            clock.advance(10.0)
            await near.write(b"after it")
            assert await within(far.read(), what="a datagram after the blackout") == b"after it"


async def test_tcp_clients_each_get_their_own_connection_and_the_counters_add_up() -> None:
    async with open_stream("tcpin:127.0.0.1:0") as probe:
        target = Endpoint.tcp("127.0.0.1", probe.endpoint.port)
        async with TcpFaultProxy(target=target) as proxy:
            for number in (1, 2):
                async with open_stream(proxy.client_endpoint) as client:
                    await client.write(b"client %d" % number)
                    assert (
                        await within(probe.read(), what=f"client {number}'s bytes") == b"client %d" % number
                    )
                    await probe.write(b"hello %d" % number)
                    assert await within(client.read(), what="the reply") == b"hello %d" % number
            assert proxy.connections == 2
            await wait_until(lambda: proxy.up.delivered_bytes == 16, what="both clients' bytes counted")
            assert proxy.down.delivered_bytes == 14


async def test_a_tcp_client_whose_target_is_down_is_closed_and_counted() -> None:
    async with open_stream("tcpin:127.0.0.1:0") as probe:
        target = Endpoint.tcp("127.0.0.1", probe.endpoint.port)
    async with TcpFaultProxy(target=target) as proxy, open_stream(proxy.client_endpoint) as client:
        with pytest.raises(LinkDownError, match="peer closed"):
            await within(client.read(), what="the proxy closing the client")
        await wait_until(lambda: proxy.target_failures == 1, what="the failure counted")


async def test_a_udp_proxy_sends_replies_to_the_client_that_sent_last() -> None:
    async with open_stream("udpin:127.0.0.1:0") as far:
        target = Endpoint.udp_out("127.0.0.1", far.endpoint.port)
        async with (
            UdpFaultProxy(target=target) as proxy,
            open_stream(proxy.client_endpoint) as first,
            open_stream(proxy.client_endpoint) as second,
        ):
            await first.write(b"from first")
            assert await within(far.read(), what="the first client's datagram") == b"from first"
            await second.write(b"from second")
            assert await within(far.read(), what="the second client's datagram") == b"from second"
            await far.write(b"reply")
            assert await within(second.read(), what="the reply at the second client") == b"reply"
            assert (proxy.up.delivered_chunks, proxy.down.delivered_chunks) == (2, 1)


@pytest.mark.parametrize(
    "make",
    [
        lambda: UdpFaultProxy(target="tcp:127.0.0.1:5760"),
        lambda: UdpFaultProxy(target="udpout:127.0.0.1:14550", listen="udpout:127.0.0.1:14551"),
        lambda: TcpFaultProxy(target="udpout:127.0.0.1:14550"),
        lambda: TcpFaultProxy(target="tcp:127.0.0.1:5760", listen="tcp:127.0.0.1:5761"),
        lambda: MemoryFaultProxy(MemoryNetwork(), client="mem:a", target="mem:a"),
        lambda: MemoryFaultProxy(MemoryNetwork(), client="tcp:127.0.0.1:1", target="mem:a"),
    ],
    ids=["udp-target", "udp-listen", "tcp-target", "tcp-listen", "same-wire", "not-mem"],
)
def test_endpoints_of_the_wrong_kind_are_refused_at_once(make: object) -> None:
    with pytest.raises(EndpointError):
        make()  # type: ignore[operator]


def test_a_pty_proxy_has_no_paths_before_it_is_entered() -> None:
    with pytest.raises(RuntimeError, match="until it is entered"):
        _ = PtyFaultProxy().client_endpoint
