"""The sea-platform link without its I/O: received bytes in, raw lines and platform values out. Pure.

``SeaPlatformCore`` owns one platform's decoder (NMEA 0183 and TSS1 on one port), the raw-line
splitter for the recorder, the platform's latest inputs and deck motion tracker, and the feed's
counters. The async shell (``gcs.links.sea_platform``) only reads bytes, stamps them, hands the
raw lines to the recorder and the values to the hub. Time is an argument, so everything here is
tested as tables, without sockets or sleeping. Knows nothing of sockets, the hub or asyncio.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from gcs.domain.platform import DeckState
from gcs.links.sea_platform_deck import deck_motion_and_state, deck_state
from gcs.links.sea_platform_health import SentenceRates
from gcs.links.sea_platform_inputs import InputValue, Item, PlatformInputs, Stamp
from gcs.links.sea_platform_raw import RawLineSplitter
from gcs.links.sea_platform_settings import SeaPlatformSettings
from gcs.links.sea_platform_values import DeckMotion, PlatformFeedHealth, PlatformLinkEvent
from gcs.protocol.nmea import StreamCounters, UnknownSentence
from gcs.protocol.nmea_tss1 import NmeaTss1Decoder
from gcs.transport.link import LinkState

PlatformValue = InputValue | DeckMotion | DeckState | PlatformFeedHealth | PlatformLinkEvent
"""Everything the link publishes, each under the platform's name."""


@dataclass(frozen=True, slots=True)
class Received:
    """What one chunk of bytes gave: raw lines for the recorder, values for the hub."""

    raw_lines: list[bytes] = field(default_factory=list)
    values: list[PlatformValue] = field(default_factory=list)


def _type_name(item: Item) -> str | None:
    return None if isinstance(item, UnknownSentence) else item.sentence_type.value


class SeaPlatformCore:
    """One platform's feed as a pure state machine; see the module docstring."""

    def __init__(self, settings: SeaPlatformSettings) -> None:
        self.settings = settings
        self.inputs = PlatformInputs(settings)
        self._decoder = NmeaTss1Decoder(
            require_checksum=settings.require_checksum, max_line_chars=settings.max_line_chars
        )
        self._splitter = RawLineSplitter(settings.max_raw_line_bytes)
        self._rates = SentenceRates()
        self._last_rates: Mapping[str, float] = MappingProxyType({})  # until the first tick
        self._next_publish_s = -math.inf
        self.link_up = False
        self.link_ups = 0
        self.link_downs = 0
        self.bytes_in = 0
        self.raw_lines_recorded = 0
        """Raw lines the recorder took (the shell counts them)."""
        self.record_failures = 0
        """Raw lines the recorder refused (the shell counts them)."""
        self.internal_errors = 0
        """Chunks the shell dropped because deriving values from them failed (a bug of ours)."""

    @property
    def counters(self) -> StreamCounters:
        return self._decoder.counters

    def feed(self, data: bytes, stamp: Stamp) -> Received:
        """Consume bytes received at ``stamp``. Never raises on any input."""
        self.bytes_in += len(data)
        received = Received(raw_lines=self._splitter.feed(data))
        motion = False
        for item in self._decoder.feed(data):
            name = _type_name(item)
            if name is not None:
                self._rates.count(name)
            values, moved = self.inputs.observe(item, stamp)
            received.values.extend(values)
            motion = motion or moved
        if motion and stamp.monotonic_s >= self._next_publish_s:
            self._next_publish_s = stamp.monotonic_s + self.settings.publish_interval_s
            received.values.extend(deck_motion_and_state(self.inputs, stamp))
        return received

    def link_event(self, state: LinkState, reason: str, stamp: Stamp) -> list[PlatformValue]:
        """The byte link went up or down: the event, the health, and on a drop an all-unknown deck."""
        up = state is LinkState.UP
        self.link_up = up
        if up:
            self.link_ups += 1
        else:
            self.link_downs += 1
        out: list[PlatformValue] = [
            PlatformLinkEvent(self.settings.name, state, reason, stamp.unix_time_s, stamp.monotonic_s),
            self.health(stamp),
        ]
        if not up:
            out.append(deck_state(self.inputs, stamp, link_up=False))
        return out

    def tick(self, stamp: Stamp) -> list[PlatformValue]:
        """The periodic publication: health with fresh rates, and the deck state as it stands now.

        The deck state goes out on ticks too, so a sensor that stops while the link stays up turns
        its quantities to NaN within one health interval instead of leaving the last values up.
        """
        self._last_rates = self._rates.snapshot(stamp.monotonic_s)
        return [self.health(stamp), deck_state(self.inputs, stamp, link_up=self.link_up)]

    def health(self, stamp: Stamp) -> PlatformFeedHealth:
        now = stamp.monotonic_s
        ages = self.inputs.ages
        return PlatformFeedHealth(
            platform=self.settings.name,
            link_up=self.link_up,
            link_ups=self.link_ups,
            link_downs=self.link_downs,
            bytes_in=self.bytes_in,
            sentence_rates_hz=self._last_rates,
            sentences_by_type=self._rates.totals,
            ages_s=ages.ages(now),
            stale=ages.stale(now),
            counters=self._decoder.counters,
            ignored=self.inputs.ignored,
            raw_lines_recorded=self.raw_lines_recorded,
            record_failures=self.record_failures,
            internal_errors=self.internal_errors,
            unix_time_s=stamp.unix_time_s,
            monotonic_s=now,
        )

    def close(self) -> bytes | None:
        """The partial raw line still waiting for its end, to record when the link closes for good."""
        return self._splitter.flush()
