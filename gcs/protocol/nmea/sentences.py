"""Standard NMEA 0183 sentences (GGA, RMC, VTG, ZDA, HDT, MWV, XDR) as typed frozen values.

Laid out by pynmea2's sentence classes (their field tables), with every field read through
``_text`` and converted by our strict converters in ``fields``, because pynmea2's accessors are not
safe on checksum-valid nonsense (verified with 1.19.0): a failed conversion silently returns the
raw string, ``float``/``Decimal`` accept ``nan`` and ``inf``, ``latitude`` returns 0.0 for an empty
field, and ``datetime``/``datestamp`` raise on empty fields. Any problem becomes ``FieldError``.
The usual line (``TTFFF,`` then fields without a ``*``) is split here, as ``pynmea2.parse`` would
split it, without its generic regex and class lookup (a sea platform sends ~25 of them per second);
anything else still goes through ``pynmea2.parse``, so both say the same (tests/unit/protocol/
test_nmea_fast_fields.py compares them line by line).

Units and frames are in the names; speeds are converted to m/s at the parser. Pure: knows nothing
of rockets, platforms or asyncio.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Any, ClassVar

import pynmea2

from gcs.protocol.nmea.fields import (
    KMH_MPS,
    KNOT_MPS,
    MPH_MPS,
    FieldError,
    letter,
    opt_date_ddmmyy,
    opt_float,
    opt_heading,
    opt_int,
    opt_lat_lon,
    opt_time,
)
from gcs.protocol.nmea.framing import SentenceType


class FixQuality(IntEnum):
    """GGA fix quality indicator."""

    NO_FIX = 0
    GPS = 1
    DGPS = 2
    PPS = 3
    RTK_FIXED = 4
    RTK_FLOAT = 5
    DEAD_RECKONING = 6
    MANUAL = 7
    SIMULATION = 8


class PositioningMode(Enum):
    """The NMEA 2.3+ mode indicator at the end of RMC and VTG."""

    AUTONOMOUS = "A"
    DIFFERENTIAL = "D"
    ESTIMATED = "E"
    RTK_FLOAT = "F"
    MANUAL = "M"
    NOT_VALID = "N"
    PRECISE = "P"
    RTK_FIXED = "R"
    SIMULATOR = "S"


class WindReference(Enum):
    """MWV reference: relative to the bow (apparent wind, what the anemometer feels) or true."""

    RELATIVE = "R"
    TRUE = "T"


class TransducerKind(Enum):
    """XDR transducer type letters (NMEA 0183 v3/v4)."""

    ANGULAR_DISPLACEMENT = "A"
    TEMPERATURE = "C"
    LINEAR_DISPLACEMENT = "D"
    FREQUENCY = "F"
    GENERIC = "G"
    HUMIDITY = "H"
    CURRENT = "I"
    SALINITY = "L"
    FORCE = "N"
    PRESSURE = "P"
    FLOW_RATE = "R"
    SWITCH = "S"
    TACHOMETER = "T"
    VOLTAGE = "U"
    VOLUME = "V"


_WIND_UNIT_MPS = {"N": KNOT_MPS, "M": 1.0, "K": KMH_MPS, "S": MPH_MPS}
_MODE_LETTERS = "".join(mode.value for mode in PositioningMode)
_TRANSDUCER_LETTERS = frozenset(kind.value for kind in TransducerKind)


@dataclass(frozen=True, slots=True)
class Gga:
    """GNSS fix. ``latitude_deg``/``longitude_deg`` are signed (north, east positive)."""

    sentence_type: ClassVar[SentenceType] = SentenceType.GGA
    talker: str
    raw: str
    time_utc: dt.time | None
    latitude_deg: float | None
    longitude_deg: float | None
    fix_quality: FixQuality | None
    satellites_used: int | None
    hdop: float | None
    altitude_msl_m: float | None
    geoid_separation_m: float | None
    dgps_age_s: float | None
    dgps_station_id: str | None


@dataclass(frozen=True, slots=True)
class Rmc:
    """Recommended minimum data. ``valid`` is the status letter (A = valid, V = warning)."""

    sentence_type: ClassVar[SentenceType] = SentenceType.RMC
    talker: str
    raw: str
    time_utc: dt.time | None
    valid: bool
    latitude_deg: float | None
    longitude_deg: float | None
    speed_over_ground_mps: float | None
    course_true_deg: float | None
    date_utc: dt.date | None
    magnetic_variation_east_deg: float | None
    mode: PositioningMode | None

    @property
    def datetime_utc(self) -> dt.datetime | None:
        if self.date_utc is None or self.time_utc is None:
            return None
        return dt.datetime.combine(self.date_utc, self.time_utc)


@dataclass(frozen=True, slots=True)
class Vtg:
    """Course and speed over ground. Speed from the knots field, else from the km/h field."""

    sentence_type: ClassVar[SentenceType] = SentenceType.VTG
    talker: str
    raw: str
    course_true_deg: float | None
    course_magnetic_deg: float | None
    speed_over_ground_mps: float | None
    mode: PositioningMode | None


@dataclass(frozen=True, slots=True)
class Zda:
    """UTC date and time, and the local zone offset the unit was configured with."""

    sentence_type: ClassVar[SentenceType] = SentenceType.ZDA
    talker: str
    raw: str
    datetime_utc: dt.datetime | None
    local_offset: dt.timedelta | None


@dataclass(frozen=True, slots=True)
class Hdt:
    """True heading from a gyro or dual-antenna GNSS."""

    sentence_type: ClassVar[SentenceType] = SentenceType.HDT
    talker: str
    raw: str
    heading_true_deg: float | None


@dataclass(frozen=True, slots=True)
class Mwv:
    """Wind angle (clockwise from the bow for RELATIVE, from true north for TRUE) and speed."""

    sentence_type: ClassVar[SentenceType] = SentenceType.MWV
    talker: str
    raw: str
    wind_angle_deg: float | None
    reference: WindReference | None
    wind_speed_mps: float | None
    valid: bool


@dataclass(frozen=True, slots=True)
class Transducer:
    """One XDR quadruplet. Units are the raw letter because it depends on the kind (P is pascal
    for pressure, percent for humidity); the value is as sent, in the sender's sign convention."""

    kind: TransducerKind | None  # None for a type letter we do not know (kept in type_code)
    type_code: str
    value: float | None
    units: str
    name: str


@dataclass(frozen=True, slots=True)
class Xdr:
    """Generic transducer measurements. XDR has no standard names or signs for pitch, roll and
    heave, so values are not normalised here; the link maps names per configured device."""

    sentence_type: ClassVar[SentenceType] = SentenceType.XDR
    talker: str
    raw: str
    transducers: tuple[Transducer, ...]


@dataclass(frozen=True, slots=True)
class _Fields:
    """A sentence's data fields (after the address) and its pynmea2 class's names for them."""

    name_to_idx: dict[str, int]
    data: list[str]


def _plain_talker_body(body: str, formatter: str) -> bool:
    """Whether ``pynmea2.parse(body)`` can only be ``formatter``'s class with ``body[6:]`` split at
    commas as its data: a two-character ASCII talker (not ``P``: pynmea2 would take that for a
    proprietary sentence), the formatter, a comma, and no ``*`` (pynmea2 would read a checksum)."""
    return (
        body[5:6] == ","
        and body[2:5] == formatter
        and body[:2].isascii()
        and body[:2].isalnum()
        and body[0] not in "Pp"
        and "*" not in body
    )


def _parsed(body: str, cls: Any) -> _Fields:
    """The fields of ``body`` (checksum already verified and stripped) as pynmea2 lays them out, or
    FieldError."""
    if _plain_talker_body(body, cls.__name__):
        return _Fields(cls.name_to_idx, body[6:].split(","))
    try:
        message = pynmea2.parse(body)
    except Exception as exc:  # pynmea2 raises ParseError, ValueError, and on odd input others
        raise FieldError(f"pynmea2: {exc}") from None
    if not isinstance(message, cls):
        raise FieldError(f"pynmea2 returned {type(message).__name__}")
    try:
        return _Fields(type(message).name_to_idx, message.data)
    except AttributeError as exc:
        raise FieldError(f"pynmea2 fields: {exc!r}") from None


def _text(message: _Fields, name: str) -> str:
    """The raw text of pynmea2 field ``name``, '' when the sentence stops before it."""
    try:
        index = message.name_to_idx[name]
        data = message.data
        value = data[index] if index < len(data) else ""
    except (AttributeError, KeyError, TypeError, IndexError) as exc:
        raise FieldError(f"pynmea2 field {name}: {exc!r}") from None
    if not isinstance(value, str):
        raise FieldError(f"pynmea2 field {name}: {value!r}")
    return value


def _mode(text: str) -> PositioningMode | None:
    return PositioningMode(text) if letter(text, _MODE_LETTERS, "mode") else None


def _metres(value: str, unit: str, what: str) -> float | None:
    result = opt_float(value, what, -1.0e5, 1.0e6)
    if result is not None and unit not in ("M", ""):
        raise FieldError(f"{what}: unit {unit!r}, expected M")
    return result


def parse_gga(talker: str, raw: str, body: str) -> Gga:
    m = _parsed(body, pynmea2.types.talker.GGA)
    lat, lon = opt_lat_lon(_text(m, "lat"), _text(m, "lat_dir"), _text(m, "lon"), _text(m, "lon_dir"))
    quality = opt_int(_text(m, "gps_qual"), "fix quality", 0, max(FixQuality))
    station = _text(m, "ref_station_id")
    return Gga(
        talker=talker,
        raw=raw,
        time_utc=opt_time(_text(m, "timestamp")),
        latitude_deg=lat,
        longitude_deg=lon,
        fix_quality=None if quality is None else FixQuality(quality),
        satellites_used=opt_int(_text(m, "num_sats"), "satellites", 0, 999),
        hdop=opt_float(_text(m, "horizontal_dil"), "hdop", 0.0, 100.0),
        altitude_msl_m=_metres(_text(m, "altitude"), _text(m, "altitude_units"), "altitude"),
        geoid_separation_m=_metres(_text(m, "geo_sep"), _text(m, "geo_sep_units"), "geoid separation"),
        dgps_age_s=opt_float(_text(m, "age_gps_data"), "dgps age", 0.0),
        dgps_station_id=station or None,
    )


def parse_rmc(talker: str, raw: str, body: str) -> Rmc:
    m = _parsed(body, pynmea2.types.talker.RMC)
    lat, lon = opt_lat_lon(_text(m, "lat"), _text(m, "lat_dir"), _text(m, "lon"), _text(m, "lon_dir"))
    speed_kn = opt_float(_text(m, "spd_over_grnd"), "speed over ground", 0.0)
    variation = opt_float(_text(m, "mag_variation"), "magnetic variation", 0.0, 180.0)
    var_dir = letter(_text(m, "mag_var_dir"), "EW", "variation direction")
    if variation is not None and var_dir == "":
        raise FieldError("magnetic variation without E/W")
    return Rmc(
        talker=talker,
        raw=raw,
        time_utc=opt_time(_text(m, "timestamp")),
        valid=letter(_text(m, "status"), "AV", "status") == "A",
        latitude_deg=lat,
        longitude_deg=lon,
        speed_over_ground_mps=None if speed_kn is None else speed_kn * KNOT_MPS,
        course_true_deg=opt_heading(_text(m, "true_course"), "course"),
        # pynmea2's own converter pivots two-digit years at 1969; ours reads them as 20yy.
        date_utc=opt_date_ddmmyy(_text(m, "datestamp")),
        magnetic_variation_east_deg=None
        if variation is None
        else (-variation if var_dir == "W" else variation),
        mode=_mode(_text(m, "mode_indicator")),
    )


def parse_vtg(talker: str, raw: str, body: str) -> Vtg:
    m = _parsed(body, pynmea2.types.talker.VTG)
    # The unit letters tell this (NMEA 2.3+) layout from the pre-2.3 one without letters, whose
    # fields sit elsewhere; reading that one by this layout would swap speed and course.
    letter(_text(m, "true_track_sym"), "T", "true track symbol")
    letter(_text(m, "mag_track_sym"), "M", "magnetic track symbol")
    letter(_text(m, "spd_over_grnd_kts_sym"), "N", "knots symbol")
    letter(_text(m, "spd_over_grnd_kmph_sym"), "K", "km/h symbol")
    knots = opt_float(_text(m, "spd_over_grnd_kts"), "speed (kn)", 0.0)
    kmh = opt_float(_text(m, "spd_over_grnd_kmph"), "speed (km/h)", 0.0)
    speed = knots * KNOT_MPS if knots is not None else (None if kmh is None else kmh * KMH_MPS)
    return Vtg(
        talker=talker,
        raw=raw,
        course_true_deg=opt_heading(_text(m, "true_track"), "course true"),
        course_magnetic_deg=opt_heading(_text(m, "mag_track"), "course magnetic"),
        speed_over_ground_mps=speed,
        mode=_mode(_text(m, "faa_mode")),
    )


def parse_zda(talker: str, raw: str, body: str) -> Zda:
    m = _parsed(body, pynmea2.types.talker.ZDA)
    time_utc = opt_time(_text(m, "timestamp"))
    day = opt_int(_text(m, "day"), "day", 1, 31)
    month = opt_int(_text(m, "month"), "month", 1, 12)
    year = opt_int(_text(m, "year"), "year", 1980, 9999)
    zone_h = opt_int(_text(m, "local_zone"), "zone hours", -13, 13)
    zone_min = opt_int(_text(m, "local_zone_minutes"), "zone minutes", -59, 59)
    when: dt.datetime | None = None
    if time_utc is not None and day is not None and month is not None and year is not None:
        try:
            when = dt.datetime.combine(dt.date(year, month, day), time_utc)
        except ValueError as exc:  # 31 February and friends
            raise FieldError(f"date: {exc}") from None
    offset: dt.timedelta | None = None
    if zone_h is not None:
        # The standard gives the minutes the sign of the hours; some units send them unsigned.
        minutes = abs(zone_min or 0) * (-1 if zone_h < 0 else 1)
        offset = dt.timedelta(hours=zone_h, minutes=minutes)
    return Zda(talker=talker, raw=raw, datetime_utc=when, local_offset=offset)


def parse_hdt(talker: str, raw: str, body: str) -> Hdt:
    m = _parsed(body, pynmea2.types.talker.HDT)
    letter(_text(m, "hdg_true"), "T", "true flag")
    return Hdt(talker=talker, raw=raw, heading_true_deg=opt_heading(_text(m, "heading"), "heading"))


def parse_mwv(talker: str, raw: str, body: str) -> Mwv:
    m = _parsed(body, pynmea2.types.talker.MWV)
    reference = letter(_text(m, "reference"), "RT", "reference")
    speed = opt_float(_text(m, "wind_speed"), "wind speed", 0.0, 1000.0)
    unit = letter(_text(m, "wind_speed_units"), "NMKS", "wind speed unit")
    if speed is not None and unit == "":
        raise FieldError("wind speed without a unit")
    return Mwv(
        talker=talker,
        raw=raw,
        wind_angle_deg=opt_heading(_text(m, "wind_angle"), "wind angle"),
        reference=WindReference(reference) if reference else None,
        wind_speed_mps=None if speed is None else speed * _WIND_UNIT_MPS[unit],
        valid=letter(_text(m, "status"), "AV", "status") == "A",
    )


def parse_xdr(talker: str, raw: str, body: str) -> Xdr:
    m = _parsed(body, pynmea2.types.talker.XDR)
    if len(m.data) % 4:
        raise FieldError(f"XDR with {len(m.data)} fields, not quadruplets")
    transducers = []
    # pynmea2's XDR.num_transducers and get_transducer(i), on the same data.
    quads = [m.data[i * 4 : i * 4 + 4] for i in range(len(m.data) // 4)]
    for quad in quads:
        code, value, units, name = (str(part) for part in quad)
        transducers.append(
            Transducer(
                kind=TransducerKind(code) if code in _TRANSDUCER_LETTERS else None,
                type_code=code,
                value=opt_float(value, f"XDR {name}"),
                units=units,
                name=name,
            )
        )
    return Xdr(talker=talker, raw=raw, transducers=tuple(transducers))
