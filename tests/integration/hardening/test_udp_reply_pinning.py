"""A ``udpin`` link replies to the last sender until one is trusted, then only to that one (real sockets).

The layer above trusts a sender whose bytes carried a valid signature; the transport only keeps
the address. Without the trust step, a stranger's datagram would turn the replies towards itself.
"""

from __future__ import annotations

from gcs.clock import WallClock
from gcs.transport.link import Backoff, Link, open_link
from tests.support.waits import within

FAST_BACKOFF = Backoff(base_s=0.01, factor=1.5, max_s=0.1)


async def _read(link: Link, what: str) -> bytes:
    return await within(link.read(), timeout_s=5, what=what)


async def test_replies_follow_each_sender_until_one_is_trusted_then_stay_with_it() -> None:
    clock = WallClock()
    async with open_link("udpin:127.0.0.1:0", clock=clock, backoff=FAST_BACKOFF) as ground:
        await ground.wait_up()
        target = f"udpout:127.0.0.1:{ground.endpoint.port}"
        async with open_link(target, clock=clock, backoff=FAST_BACKOFF) as vehicle, \
                open_link(target, clock=clock, backoff=FAST_BACKOFF) as stranger:
            await vehicle.wait_up()
            await stranger.wait_up()

            # Untrusted: MAVProxy's rule, the reply goes to whoever spoke last.
            await stranger.write(b"hello from the stranger")
            assert await _read(ground, "the stranger's datagram") == b"hello from the stranger"
            await ground.write(b"reply 1")
            assert await _read(stranger, "reply 1 at the stranger") == b"reply 1"

            # The vehicle speaks and is trusted; the stranger speaks again and is not.
            await vehicle.write(b"signed frame from the vehicle")
            assert await _read(ground, "the vehicle's datagram") == b"signed frame from the vehicle"
            ground.trust_last_sender()
            await stranger.write(b"noise")
            assert await _read(ground, "the stranger's noise") == b"noise"
            await ground.write(b"reply 2")
            assert await _read(vehicle, "reply 2 at the vehicle") == b"reply 2"

            # The stranger got nothing more; to be sure, it is still reachable and hears the end.
            await vehicle.write(b"again")
            assert await _read(ground, "the vehicle again") == b"again"
            await stranger.write(b"noise again")
            assert await _read(ground, "more noise") == b"noise again"
            ground.trust_last_sender()  # a caller that trusts the stranger (it has the key)...
            await ground.write(b"reply 3")
            assert await _read(stranger, "reply 3 at the now trusted stranger") == b"reply 3"
            assert stranger.stats.chunks_in == 2  # reply 1 and reply 3: never reply 2
