"""The sea-platform link: one platform's NMEA 0183 / TSS1 sensor feed, over serial or UDP, onto the hub.

This is the async shell around :class:`~gcs.links.sea_platform_core.SeaPlatformCore`. It owns only
wiring: it reads chunks from a reconnecting byte link, stamps each with the injected clock, hands
every raw line (accepted or not) to the recorder's narrow "record this sentence" callable, and
publishes the core's values on the hub under the platform's name (the table of topics is in
:mod:`gcs.links.sea_platform_values`). A dropped serial port is a ``PlatformLinkEvent`` and an
all-unknown ``DeckState``, never an exception; garbage is counted in the feed's health. Several
platforms (launch, landing, alternate) are several of these side by side, one per name.

Usage, inside the caller's TaskGroup or ``async with`` stack::

    async with open_sea_platform(config.connection, SeaPlatformSettings.from_config(config),
                                 clock=clock, hub=hub, record_nmea=recorder.record_nmea) as platform:
        ...  # hub.latest(DeckState, key=config.name), hub.subscribe(DeckMotion, key=...)

Knows nothing of the recorder, the console or the launch cores: it reports through the hub and the
:class:`NmeaSink` it is given.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from gcs.clock import Clock
from gcs.config import PlatformLinkConfig
from gcs.errors import LinkDownError
from gcs.hub import Hub
from gcs.links.sea_platform_core import PlatformValue, SeaPlatformCore
from gcs.links.sea_platform_inputs import Stamp
from gcs.links.sea_platform_settings import SeaPlatformSettings
from gcs.links.sea_platform_values import PlatformFeedHealth
from gcs.protocol.nmea import StreamCounters
from gcs.tasks import background
from gcs.transport.endpoint import Endpoint
from gcs.transport.link import Backoff, LinkEvent, open_link

_log = logging.getLogger(__name__)


class NmeaSink(Protocol):
    """Takes one raw line as received from a platform, without its line end, with its receive time.

    ``SessionRecorder.record_nmea`` already is one.
    """

    def __call__(self, platform: str, sentence: bytes, *, unix_time_s: float) -> None: ...


class ByteLink(Protocol):
    """What the link needs of a transport: ``gcs.transport.link.Link`` or any twin.

    ``read`` raises ``LinkDownError`` only once the link itself is closed for good.
    """

    async def read(self) -> bytes: ...


class SeaPlatformLink:
    """One platform's sensor feed; see the module docstring.

    Args:
        settings: the platform's name and how its feed is decoded, derived and judged.
        clock: stamps every chunk received (monotonic for ages, Unix time for displays and logs)
            and paces the health publication.
        hub: where the platform's values are published, keyed by ``settings.name``.
        record_nmea: given every raw line received; failures are counted, never raised.
    """

    def __init__(
        self,
        settings: SeaPlatformSettings,
        *,
        clock: Clock,
        hub: Hub,
        record_nmea: NmeaSink | None = None,
    ) -> None:
        self.core = SeaPlatformCore(settings)
        self._clock = clock
        self._hub = hub
        self._record_nmea = record_nmea

    @property
    def name(self) -> str:
        return self.core.settings.name

    @property
    def counters(self) -> StreamCounters:
        """The decoder's counters: every line lost to framing, checksums or parsing."""
        return self.core.counters

    def health(self) -> PlatformFeedHealth:
        """The feed's health now (also published every ``health_interval_s``)."""
        return self.core.health(self._stamp())

    def on_link_event(self, event: LinkEvent) -> None:
        """Pass this as ``open_link(on_event=...)``: link up/down reaches the hub at once."""
        stamp = Stamp(event.monotonic_s, self._clock.unix_time_s())
        self._publish(self.core.link_event(event.state, event.reason, stamp))

    async def run(self, link: ByteLink) -> None:
        """Read ``link`` and publish until cancelled or until the link is closed."""
        async with background((f"sea platform {self.name}: health", self._publish_health())):
            try:
                await self._read(link)
            finally:
                partial = self.core.close()
                if partial is not None:
                    self._record(partial, self._stamp())

    async def _read(self, link: ByteLink) -> None:
        while True:
            try:
                data = await link.read()
            except LinkDownError:
                return  # the link was closed: whoever owns it is shutting down
            stamp = self._stamp()
            try:
                received = self.core.feed(data, stamp)
            except Exception:  # a bug in a derivation must cost one chunk, never the feed
                self.core.internal_errors += 1
                _log.exception("%s: could not derive values from %d bytes", self.name, len(data))
                continue
            for line in received.raw_lines:
                self._record(line, stamp)
            self._publish(received.values)

    async def _publish_health(self) -> None:
        self._publish([self.core.health(self._stamp())])
        while True:
            await self._clock.sleep(self.core.settings.health_interval_s)
            self._publish(self.core.tick(self._stamp()))

    def _record(self, line: bytes, stamp: Stamp) -> None:
        if self._record_nmea is None:
            return
        try:
            self._record_nmea(self.name, line, unix_time_s=stamp.unix_time_s)
        except Exception as exc:  # the recorder reports its own troubles; the feed must go on
            self.core.record_failures += 1
            level = logging.WARNING if self.core.record_failures == 1 else logging.DEBUG
            _log.log(
                level, "%s: raw line not recorded (%d so far): %r", self.name, self.core.record_failures, exc
            )
        else:
            self.core.raw_lines_recorded += 1

    def _publish(self, values: list[PlatformValue]) -> None:
        for value in values:
            self._hub.publish(value, key=self.name)

    def _stamp(self) -> Stamp:
        return Stamp(self._clock.monotonic_s(), self._clock.unix_time_s())


@asynccontextmanager
async def open_sea_platform(
    connection: Endpoint | str,
    settings: SeaPlatformSettings,
    *,
    clock: Clock,
    hub: Hub,
    record_nmea: NmeaSink | None = None,
    backoff: Backoff | None = None,
    rng: random.Random | None = None,
    on_event: Callable[[LinkEvent], None] | None = None,
) -> AsyncIterator[SeaPlatformLink]:
    """Open the platform's byte link and run its feed for the length of the block.

    The block starts at once, whether or not the port can be opened yet; the link reconnects by
    itself (``backoff``, ``rng`` as for ``open_link``). ``on_event`` also gets every link event.

    Raises:
        EndpointError: a connection string that cannot be parsed.
    """
    platform = SeaPlatformLink(settings, clock=clock, hub=hub, record_nmea=record_nmea)

    def link_event(event: LinkEvent) -> None:
        platform.on_link_event(event)
        if on_event is not None:
            on_event(event)

    async with (
        open_link(connection, clock=clock, on_event=link_event, backoff=backoff, rng=rng) as link,
        background((f"sea platform {settings.name}", platform.run(link))),
    ):
        yield platform


def open_sea_platform_from_config(
    config: PlatformLinkConfig,
    *,
    clock: Clock,
    hub: Hub,
    record_nmea: NmeaSink | None = None,
    backoff: Backoff | None = None,
) -> AbstractAsyncContextManager[SeaPlatformLink]:
    """``open_sea_platform`` for one ``[[platforms]]`` entry of the ground station's config."""
    return open_sea_platform(
        config.connection,
        SeaPlatformSettings.from_config(config),
        clock=clock,
        hub=hub,
        record_nmea=record_nmea,
        backoff=backoff,
    )
