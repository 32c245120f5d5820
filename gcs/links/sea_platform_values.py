"""What a sea-platform link publishes on the hub: frozen, timestamped values keyed by platform name.

Every value carries ``unix_time_s`` (for logs and displays) and ``monotonic_s`` (on the link's
clock) of the moment its newest input was received, so a reader can tell its age; the link's
``PlatformFeedHealth`` also says, per kind of input, how old the newest one is and whether that is
older than its expected rate allows (stale). Units and sign conventions are in the names: heave
+up, roll +port up, pitch +bow up; wind angles are directions the wind blows *from*. A quantity
that is unknown (never received, or its input is stale) is None. Knows nothing of sockets,
sentences or the hub's mechanics.

Topics (``hub.publish(value, key=platform_name)``):

========================  ==========================================================================
type                      when
========================  ==========================================================================
``PlatformPosition``      every GNSS fix (GGA or RMC with a valid position)
``PlatformVelocity``      every speed/course over ground (RMC, VTG)
``PlatformHeading``       every heading (HDT; PSXN,23 and PASHR from the motion source)
``PlatformWind``          every valid MWV
``DeckMotion``            on motion samples, at most every ``publish_interval_s``
``StationKeeping``        every GNSS fix, when a station is assigned
``DeckState``             (gcs.domain.platform) with ``DeckMotion``, and at once when the link drops
``PlatformFeedHealth``    every ``health_interval_s``, and at once on link up/down
``PlatformLinkEvent``     the byte link went up or down
========================  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gcs.links.sea_platform_settings import FeedKind
from gcs.protocol.nmea import FixQuality, StreamCounters
from gcs.transport.link import LinkState


@dataclass(frozen=True, slots=True)
class PlatformPosition:
    """A GNSS fix of the platform. ``fix_quality`` and the rest are None when the sentence lacks them."""

    platform: str
    latitude_deg: float
    longitude_deg: float
    fix_quality: FixQuality | None
    satellites_used: int | None
    hdop: float | None
    altitude_msl_m: float | None
    sentence: str
    """``GGA`` or ``RMC``."""
    unix_time_s: float
    monotonic_s: float


@dataclass(frozen=True, slots=True)
class PlatformVelocity:
    platform: str
    speed_over_ground_mps: float
    course_over_ground_true_deg: float | None
    """None when the speed is too low for the receiver to give a course."""
    sentence: str
    unix_time_s: float
    monotonic_s: float


@dataclass(frozen=True, slots=True)
class PlatformHeading:
    platform: str
    heading_true_deg: float
    sentence: str
    unix_time_s: float
    monotonic_s: float


@dataclass(frozen=True, slots=True)
class PlatformWind:
    """Wind over the deck (relative: from the bow, as felt on the platform) and the true wind.

    Each comes from the anemometer's own sentence (MWV R for over the deck, MWV T for true) when
    that is fresh, else it is derived from the other with the platform's heading and velocity
    (``*_derived``), and is None when those are unknown or stale.
    """

    platform: str
    over_deck_from_bow_deg: float | None
    over_deck_speed_mps: float | None
    over_deck_derived: bool
    true_from_deg: float | None
    true_speed_mps: float | None
    true_derived: bool
    unix_time_s: float
    monotonic_s: float


@dataclass(frozen=True, slots=True)
class DeckMotion:
    """Pitch, roll and heave now, their rates, and helideck practice's figures over the window.

    ``*_max_10min_*`` are the largest absolute values over the window (heave: about half the
    peak-to-peak figure); ``heave_peak_to_peak_10min_m`` is CAP 437's "total heave";
    ``significant_heave_10min_m`` is 4σ of heave. ``window_covered_s`` says how much of the window
    the data spans: just after start, or after a long outage, the maxima cover less than 10 minutes.
    """

    platform: str
    pitch_bow_up_deg: float | None
    roll_port_up_deg: float | None
    heave_up_m: float | None
    pitch_rate_dps: float | None
    roll_rate_dps: float | None
    heave_rate_up_mps: float | None
    pitch_max_10min_deg: float | None
    roll_max_10min_deg: float | None
    heave_max_10min_m: float | None
    heave_peak_to_peak_10min_m: float | None
    significant_heave_10min_m: float | None
    pitch_rate_max_10min_dps: float | None
    roll_rate_max_10min_dps: float | None
    heave_rate_max_10min_mps: float | None
    window_covered_s: float
    unix_time_s: float
    monotonic_s: float


@dataclass(frozen=True, slots=True)
class StationKeeping:
    """The platform against its assigned station (see ``gcs.domain.station_keeping``)."""

    platform: str
    error_m: float
    north_error_m: float
    east_error_m: float
    bearing_from_station_deg: float
    heading_error_deg: float | None
    on_station: bool
    unix_time_s: float
    monotonic_s: float


@dataclass(frozen=True, slots=True)
class PlatformLinkEvent:
    """The platform's byte link went up or down (a dropped serial port is this, never a crash)."""

    platform: str
    state: LinkState
    reason: str
    unix_time_s: float
    monotonic_s: float


@dataclass(frozen=True, slots=True)
class PlatformFeedHealth:
    """How the platform's feed is doing.

    Attributes:
        link_up: the byte link is open.
        link_ups, link_downs: up and down events so far.
        bytes_in: bytes received so far.
        sentence_rates_hz: per decoded sentence type (``GGA``, ``PSXN,23``, ``TSS1``...), the rate
            over the last health interval.
        sentences_by_type: per decoded sentence type, the count so far.
        ages_s: per feed kind, the age of its newest value (None: never received).
        stale: the feed kinds whose newest value is older than their expected rate allows (or
            that never came).
        counters: the decoder's counters: every line lost to framing, checksum or parsing.
        ignored: sentences decoded but not used, by reason (``"GGA: no fix"``,
            ``"PSXN,23: not the motion source"``...).
        raw_lines_recorded: raw lines handed to the recorder.
        record_failures: raw lines the recorder refused (the feed goes on).
        internal_errors: chunks whose derivation failed on a bug of ours (logged; the feed goes on).
    """

    platform: str
    link_up: bool
    link_ups: int
    link_downs: int
    bytes_in: int
    sentence_rates_hz: Mapping[str, float]
    sentences_by_type: Mapping[str, int]
    ages_s: Mapping[FeedKind, float | None]
    stale: frozenset[FeedKind]
    counters: StreamCounters
    ignored: Mapping[str, int]
    raw_lines_recorded: int
    record_failures: int
    internal_errors: int
    unix_time_s: float
    monotonic_s: float

    @property
    def fresh(self) -> bool:
        """The link is up and no kind of value is stale."""
        return self.link_up and not self.stale
