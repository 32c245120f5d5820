"""The sea-platform link's settings slice, built from ``PlatformLinkConfig``, and its feed kinds.

Only this module turns a platform's configuration into link settings; the link takes
:class:`SeaPlatformSettings` and never reads a config file. Knows nothing of sockets or sentences.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from gcs.config import MotionSource, PlatformLinkConfig, WindTrueReference
from gcs.domain.deck_motion import DEFAULT_BUCKET_S, DEFAULT_RATE_SPAN_S, HELIDECK_WINDOW_S
from gcs.domain.station_keeping import StationAssignment
from gcs.protocol.nmea import DEFAULT_MAX_LINE_CHARS


class FeedKind(enum.Enum):
    """The kinds of value a platform's sensors send, each with its own expected rate and age."""

    POSITION = "position"  # GNSS fix: GGA, RMC
    VELOCITY = "velocity"  # speed and course over ground: RMC, VTG
    HEADING = "heading"  # gyro or dual-antenna heading: HDT, and PSXN,23 / PASHR
    MOTION = "motion"  # pitch, roll, heave: the motion reference unit
    WIND = "wind"  # anemometer: MWV


DEFAULT_INTERVALS_S: Mapping[FeedKind, float] = MappingProxyType(
    {
        FeedKind.POSITION: 1.0,
        FeedKind.VELOCITY: 1.0,
        FeedKind.HEADING: 0.1,
        FeedKind.MOTION: 0.1,
        FeedKind.WIND: 1.0,
    }
)
"""The low end of common sensor rates (reference/domain.md §3.3): GNSS and anemometer 1 Hz, gyro
and motion reference unit 10 Hz."""


@dataclass(frozen=True, slots=True)
class SeaPlatformSettings:
    """How one platform's link decodes, derives, publishes, and judges freshness.

    Attributes:
        name: the platform's name: the hub key of everything it publishes and its raw log's name.
        require_checksum: refuse sentences without ``*HH`` (counted either way).
        max_line_chars: the decoder's longest accepted line.
        motion_source: which sentences feed deck motion.
        invert_heave: negate heave from the motion source (a unit set up against its format).
        mwv_true_reference: what an MWV T angle is measured from.
        station: the assigned station; None: no station keeping error, never on station.
        expected_intervals_s: per feed kind, the interval its sensor sends at.
        stale_after_intervals: a value older than this many of its intervals is stale.
        stale_floor_s: ...but no value younger than this (accelerated SITL; 0 otherwise).
        window_s, bucket_s, rate_span_s: the deck motion tracker (see ``gcs.domain.deck_motion``).
        maxima_min_window_s: the deck state carries the maxima only once motion data spans this long.
        publish_interval_s: deck motion and deck state are published at most this often.
        health_interval_s: how often the feed's health is published (and at once on up/down).
        max_raw_line_bytes: a raw line longer than this is split in the raw log.

    Raises:
        ValueError: an empty name, non-positive intervals, or a feed kind without an interval.
    """

    name: str
    require_checksum: bool = True
    max_line_chars: int = DEFAULT_MAX_LINE_CHARS
    motion_source: MotionSource = MotionSource.AUTO
    invert_heave: bool = False
    mwv_true_reference: WindTrueReference = WindTrueReference.BOW
    station: StationAssignment | None = None
    expected_intervals_s: Mapping[FeedKind, float] = field(default_factory=lambda: DEFAULT_INTERVALS_S)
    stale_after_intervals: float = 3.0
    stale_floor_s: float = 0.0
    window_s: float = HELIDECK_WINDOW_S
    bucket_s: float = DEFAULT_BUCKET_S
    rate_span_s: float = DEFAULT_RATE_SPAN_S
    maxima_min_window_s: float = 60.0
    publish_interval_s: float = 0.1
    health_interval_s: float = 1.0
    max_raw_line_bytes: int = 4096

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a sea platform link needs the platform's name")
        missing = set(FeedKind) - set(self.expected_intervals_s)
        if missing:
            raise ValueError(f"expected_intervals_s lacks {sorted(k.value for k in missing)}")
        object.__setattr__(self, "expected_intervals_s", MappingProxyType(dict(self.expected_intervals_s)))
        positive = [
            *self.expected_intervals_s.values(),
            self.stale_after_intervals,
            self.window_s,
            self.bucket_s,
            self.rate_span_s,
            self.publish_interval_s,
            self.health_interval_s,
        ]
        if (not all(math.isfinite(v) and v > 0 for v in positive) or self.maxima_min_window_s < 0
                or not (math.isfinite(self.stale_floor_s) and self.stale_floor_s >= 0)):
            raise ValueError(f"SeaPlatformSettings needs positive intervals, got {self!r}")
        if self.max_raw_line_bytes < self.max_line_chars:
            raise ValueError("max_raw_line_bytes must be at least max_line_chars")

    def stale_after_s(self, kind: FeedKind) -> float:
        """Age beyond which a value of ``kind`` is stale."""
        return max(self.expected_intervals_s[kind] * self.stale_after_intervals, self.stale_floor_s)

    @classmethod
    def from_config(cls, config: PlatformLinkConfig) -> SeaPlatformSettings:
        rates = config.expected_rates
        station = None
        if config.station is not None:
            s = config.station
            station = StationAssignment(
                s.latitude_deg,
                s.longitude_deg,
                s.on_station_radius_m,
                s.heading_true_deg,
                s.heading_tolerance_deg,
            )
        return cls(
            name=config.name,
            require_checksum=config.require_checksum,
            max_line_chars=config.max_line_chars,
            motion_source=config.motion_source,
            invert_heave=config.invert_heave,
            mwv_true_reference=config.mwv_true_reference,
            station=station,
            expected_intervals_s={
                FeedKind.POSITION: 1.0 / rates.position_hz,
                FeedKind.VELOCITY: 1.0 / rates.velocity_hz,
                FeedKind.HEADING: 1.0 / rates.heading_hz,
                FeedKind.MOTION: 1.0 / rates.motion_hz,
                FeedKind.WIND: 1.0 / rates.wind_hz,
            },
            stale_after_intervals=rates.stale_after_periods,
            stale_floor_s=rates.stale_floor_s,
            rate_span_s=config.motion_rate_span_s,
            maxima_min_window_s=config.maxima_min_window_s,
            publish_interval_s=1.0 / config.publish_rate_hz,
        )
