"""Decoded platform sentences turned into the platform's latest inputs, each with its receive time. Pure.

``PlatformInputs.observe(item, stamp)`` files one decoded sentence (already in the internal sign
convention, see docs/nmea.md) as what it measures: a GNSS fix, a velocity, a heading, a wind, or a
deck motion sample for the ``DeckMotionTracker``, and returns the values it makes publishable at
once (position, velocity, heading, wind, station keeping). Which sentences are *used* is decided
here: a fix needs a fix, a wind a valid status, a motion sentence must belong to the configured
motion source, a settling TSS1 record is not used; everything decoded but not used is counted by
reason. Time is an argument; knows nothing of sockets, the hub or asyncio.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from gcs.config import MotionSource, WindTrueReference
from gcs.domain.deck_motion import DeckMotionTracker
from gcs.domain.deck_wind import Wind, true_wind, wind_over_deck, wrap_360_deg
from gcs.domain.motion_plausibility import MotionSpikeGate
from gcs.domain.station_keeping import station_keeping_error
from gcs.links.sea_platform_health import FeedAges
from gcs.links.sea_platform_settings import FeedKind, SeaPlatformSettings
from gcs.links.sea_platform_values import (
    PlatformHeading,
    PlatformPosition,
    PlatformVelocity,
    PlatformWind,
    StationKeeping,
)
from gcs.protocol.nmea import (
    FixQuality,
    Gga,
    Hdt,
    Mwv,
    NmeaSentence,
    Pashr,
    Phlin,
    Phtro,
    PositioningMode,
    Psxn23,
    Rmc,
    SentenceType,
    UnknownSentence,
    Vtg,
    WindReference,
    Xdr,
    Zda,
)
from gcs.protocol.tss1 import Tss1

Item = NmeaSentence | Tss1
"""What the mixed NMEA + TSS1 decoder hands back."""

InputValue = PlatformPosition | PlatformVelocity | PlatformHeading | PlatformWind | StationKeeping

_MOTION_SENTENCES: Mapping[MotionSource, frozenset[SentenceType]] = MappingProxyType(
    {
        MotionSource.AUTO: frozenset(
            {
                SentenceType.PSXN23,
                SentenceType.PHTRO,
                SentenceType.PHLIN,
                SentenceType.TSS1,
                SentenceType.PASHR,
            }
        ),
        MotionSource.PSXN23: frozenset({SentenceType.PSXN23}),
        MotionSource.PHTRO_PHLIN: frozenset({SentenceType.PHTRO, SentenceType.PHLIN}),
        MotionSource.TSS1: frozenset({SentenceType.TSS1}),
        MotionSource.PASHR: frozenset({SentenceType.PASHR}),
        MotionSource.XDR: frozenset({SentenceType.XDR}),
    }
)

# XDR has no standard names; with motion_source = "xdr" these transducers (type letter, unit
# letter) are taken in the internal convention, as firmware_sim's sensor box sends them.
_XDR_MOTION = {"PITCH": ("A", "D"), "ROLL": ("A", "D"), "HEAVE": ("D", "M")}


@dataclass(frozen=True, slots=True)
class Stamp:
    """When bytes were received: on the link's monotonic clock, and as Unix time for displays."""

    monotonic_s: float
    unix_time_s: float


@dataclass(frozen=True, slots=True)
class _Wind:
    wind: Wind
    stamp: Stamp


class PlatformInputs:
    """The newest value of each kind a platform's sensors sent, and the deck motion tracker."""

    def __init__(self, settings: SeaPlatformSettings) -> None:
        self.settings = settings
        self.ages = FeedAges(settings)
        self.tracker = DeckMotionTracker(
            window_s=settings.window_s, bucket_s=settings.bucket_s, rate_span_s=settings.rate_span_s
        )
        self.position: PlatformPosition | None = None
        self.velocity: PlatformVelocity | None = None
        self.heading: PlatformHeading | None = None
        self.wind: PlatformWind | None = None
        self._relative: _Wind | None = None
        self._theoretical: _Wind | None = None
        self._ignored: Counter[str] = Counter()
        self._motion_types = _MOTION_SENTENCES[settings.motion_source]
        self._spikes = MotionSpikeGate(min_dt_s=settings.expected_intervals_s[FeedKind.MOTION])

    @property
    def ignored(self) -> Mapping[str, int]:
        """Decoded sentences not used, by reason."""
        return MappingProxyType(dict(sorted(self._ignored.items())))

    def fresh(self, kind: FeedKind, now_s: float) -> bool:
        return self.ages.is_fresh(kind, now_s)

    def observe(self, item: Item, stamp: Stamp) -> tuple[list[InputValue], bool]:
        """File one decoded sentence.

        Returns:
            The values to publish now, and whether it added a deck motion sample.
        """
        out: list[InputValue] = []
        motion = False
        match item:
            case Gga():
                self._gga(item, stamp, out)
            case Rmc():
                self._rmc(item, stamp, out)
            case Vtg():
                self._velocity(item.speed_over_ground_mps, item.course_true_deg, item.mode, "VTG", stamp, out)
            case Hdt():
                if item.heading_true_deg is None:
                    self._ignore("HDT: no heading")
                else:
                    self._heading(item.heading_true_deg, "HDT", stamp, out)
            case Mwv():
                self._mwv(item, stamp, out)
            case Xdr():
                motion = self._xdr(item, stamp)
            case Psxn23() | Pashr() | Phtro() | Phlin() | Tss1():
                motion = self._motion_sentence(item, stamp, out)
            case Zda():
                self._ignore("ZDA: not used")  # receive times come from the ground station's clock
            case UnknownSentence():
                pass  # already counted per type by the decoder
        return out, motion

    # --- position and velocity ---------------------------------------------------------------

    def _gga(self, gga: Gga, stamp: Stamp, out: list[InputValue]) -> None:
        if (
            gga.fix_quality in (None, FixQuality.NO_FIX)
            or gga.latitude_deg is None
            or gga.longitude_deg is None
        ):
            self._ignore("GGA: no fix")
            return
        self._position(
            PlatformPosition(
                platform=self.settings.name,
                latitude_deg=gga.latitude_deg,
                longitude_deg=gga.longitude_deg,
                fix_quality=gga.fix_quality,
                satellites_used=gga.satellites_used,
                hdop=gga.hdop,
                altitude_msl_m=gga.altitude_msl_m,
                sentence="GGA",
                unix_time_s=stamp.unix_time_s,
                monotonic_s=stamp.monotonic_s,
            ),
            out,
        )

    def _rmc(self, rmc: Rmc, stamp: Stamp, out: list[InputValue]) -> None:
        if (
            not rmc.valid
            or rmc.mode is PositioningMode.NOT_VALID
            or rmc.latitude_deg is None
            or rmc.longitude_deg is None
        ):
            self._ignore("RMC: void")
            return
        self._position(
            PlatformPosition(
                platform=self.settings.name,
                latitude_deg=rmc.latitude_deg,
                longitude_deg=rmc.longitude_deg,
                fix_quality=None,
                satellites_used=None,
                hdop=None,
                altitude_msl_m=None,
                sentence="RMC",
                unix_time_s=stamp.unix_time_s,
                monotonic_s=stamp.monotonic_s,
            ),
            out,
        )
        self._velocity(rmc.speed_over_ground_mps, rmc.course_true_deg, rmc.mode, "RMC", stamp, out)

    def _position(self, position: PlatformPosition, out: list[InputValue]) -> None:
        self.position = position
        self.ages.touch(FeedKind.POSITION, position.monotonic_s)
        out.append(position)
        station = self.settings.station
        if station is None:
            return
        heading = self.fresh_heading_deg(position.monotonic_s)
        error = station_keeping_error(station, position.latitude_deg, position.longitude_deg, heading)
        out.append(
            StationKeeping(
                platform=self.settings.name,
                error_m=error.distance_m,
                north_error_m=error.north_m,
                east_error_m=error.east_m,
                bearing_from_station_deg=error.bearing_from_station_deg,
                heading_error_deg=error.heading_error_deg,
                on_station=error.on_station,
                unix_time_s=position.unix_time_s,
                monotonic_s=position.monotonic_s,
            )
        )

    def _velocity(
        self,
        speed_mps: float | None,
        course_deg: float | None,
        mode: PositioningMode | None,
        sentence: str,
        stamp: Stamp,
        out: list[InputValue],
    ) -> None:
        if speed_mps is None or mode is PositioningMode.NOT_VALID:
            self._ignore(f"{sentence}: no speed over ground")
            return
        self.velocity = PlatformVelocity(
            self.settings.name, speed_mps, course_deg, sentence, stamp.unix_time_s, stamp.monotonic_s
        )
        self.ages.touch(FeedKind.VELOCITY, stamp.monotonic_s)
        out.append(self.velocity)

    # --- heading and wind ----------------------------------------------------------------------

    def _heading(self, heading_deg: float, sentence: str, stamp: Stamp, out: list[InputValue]) -> None:
        self.heading = PlatformHeading(
            self.settings.name, heading_deg, sentence, stamp.unix_time_s, stamp.monotonic_s
        )
        self.ages.touch(FeedKind.HEADING, stamp.monotonic_s)
        out.append(self.heading)

    def fresh_heading_deg(self, now_s: float) -> float | None:
        if self.heading is None or not self.fresh(FeedKind.HEADING, now_s):
            return None
        return self.heading.heading_true_deg

    def _own_motion(self, now_s: float) -> tuple[float, float, float] | None:
        """(heading, speed over ground, course over ground) when all are fresh."""
        heading = self.fresh_heading_deg(now_s)
        velocity = self.velocity
        if heading is None or velocity is None or not self.fresh(FeedKind.VELOCITY, now_s):
            return None
        # A receiver leaves the course empty when it is too slow to tell; the platform is then
        # as good as stationary, and any course gives the same (near-zero) correction.
        course = (
            heading if velocity.course_over_ground_true_deg is None else velocity.course_over_ground_true_deg
        )
        return heading, velocity.speed_over_ground_mps, course

    def _mwv(self, mwv: Mwv, stamp: Stamp, out: list[InputValue]) -> None:
        if not mwv.valid or mwv.wind_angle_deg is None or mwv.wind_speed_mps is None or mwv.reference is None:
            self._ignore("MWV: void")
            return
        measured = _Wind(Wind(mwv.wind_angle_deg, mwv.wind_speed_mps), stamp)
        if mwv.reference is WindReference.RELATIVE:
            self._relative = measured
        else:
            self._theoretical = measured
        self.ages.touch(FeedKind.WIND, stamp.monotonic_s)
        now = stamp.monotonic_s
        own = self._own_motion(now)
        over_deck = self._measured(self._relative, now)
        true = self._true_measured(now)
        over_deck_derived = true_derived = False
        if over_deck is None and true is not None and own is not None:
            over_deck, over_deck_derived = wind_over_deck(true, *own), True
        if true is None and over_deck is not None and own is not None:
            true, true_derived = true_wind(over_deck, *own), True
        self.wind = PlatformWind(
            platform=self.settings.name,
            over_deck_from_bow_deg=None if over_deck is None else over_deck.from_deg,
            over_deck_speed_mps=None if over_deck is None else over_deck.speed_mps,
            over_deck_derived=over_deck_derived,
            true_from_deg=None if true is None else true.from_deg,
            true_speed_mps=None if true is None else true.speed_mps,
            true_derived=true_derived,
            unix_time_s=stamp.unix_time_s,
            monotonic_s=now,
        )
        out.append(self.wind)

    def _measured(self, wind: _Wind | None, now_s: float) -> Wind | None:
        stale_after = self.settings.stale_after_s(FeedKind.WIND)
        if wind is None or now_s - wind.stamp.monotonic_s > stale_after:
            return None
        return wind.wind

    def _true_measured(self, now_s: float) -> Wind | None:
        theoretical = self._measured(self._theoretical, now_s)
        if theoretical is None or self.settings.mwv_true_reference is WindTrueReference.NORTH:
            return theoretical
        # NMEA's "theoretical" wind is measured from the bow: true north needs the heading.
        heading = self.fresh_heading_deg(now_s)
        if heading is None:
            return None
        return Wind(wrap_360_deg(theoretical.from_deg + heading), theoretical.speed_mps)

    # --- deck motion ---------------------------------------------------------------------------

    def _motion_sentence(
        self, item: Psxn23 | Pashr | Phtro | Phlin | Tss1, stamp: Stamp, out: list[InputValue]
    ) -> bool:
        if item.sentence_type not in self._motion_types:
            self._ignore(f"{item.sentence_type.value}: not the motion source")
            return False
        if isinstance(item, Tss1) and not item.settled:
            self._ignore("TSS1: settling")
            return False
        if isinstance(item, Psxn23 | Pashr) and item.heading_true_deg is not None:
            self._heading(item.heading_true_deg, item.sentence_type.value, stamp, out)
        pitch = None if isinstance(item, Phlin) else item.pitch_bow_up_deg
        roll = None if isinstance(item, Phlin) else item.roll_port_up_deg
        heave = None if isinstance(item, Phtro) else item.heave_up_m
        return self._motion(stamp, pitch, roll, heave, item.sentence_type.value)

    def _xdr(self, xdr: Xdr, stamp: Stamp) -> bool:
        if SentenceType.XDR not in self._motion_types:
            self._ignore("XDR: not the motion source")
            return False
        found: dict[str, float] = {}
        for transducer in xdr.transducers:
            name = transducer.name.upper()
            if (
                _XDR_MOTION.get(name) == (transducer.type_code, transducer.units)
                and transducer.value is not None
            ):
                found[name] = transducer.value
        return self._motion(stamp, found.get("PITCH"), found.get("ROLL"), found.get("HEAVE"), "XDR")

    def _motion(
        self, stamp: Stamp, pitch: float | None, roll: float | None, heave: float | None, sentence: str
    ) -> bool:
        if pitch is None and roll is None and heave is None:
            self._ignore(f"{sentence}: no motion values")
            return False
        if heave is not None and self.settings.invert_heave:
            heave = -heave
        jump = self._spikes.check(stamp.monotonic_s, pitch, roll, heave)
        if jump is not None:
            # A corrupted digit in a format without a checksum; kept out of the 10-minute maxima.
            self._ignore(f"{sentence}: implausible {jump.axis} jump")
            return False
        self.tracker.add(stamp.monotonic_s, pitch_bow_up_deg=pitch, roll_port_up_deg=roll, heave_up_m=heave)
        self.ages.touch(FeedKind.MOTION, stamp.monotonic_s)
        return True

    def _ignore(self, reason: str) -> None:
        self._ignored[reason] += 1
