"""Strict converters from NMEA field text to values. Pure; knows nothing of sentences' meaning.

Every converter returns ``None`` for an empty field (NMEA's "no value") and raises ``FieldError``
for text that is present but not a valid value. We do not use ``float()``/``Decimal()`` on raw
text: they accept ``nan``, ``inf``, ``1_0`` and surrounding spaces, which a checksum-valid sentence
from a confused device can carry, and a NaN heading that slips through poisons every average after it.
"""

from __future__ import annotations

import datetime as dt
import math
import re

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_INTEGER = re.compile(r"[+-]?\d+")
_TIME = re.compile(r"(\d{2})(\d{2})(\d{2})(?:\.(\d*))?")
_DATE = re.compile(r"(\d{2})(\d{2})(\d{2})")
# Degrees and minutes: the last two integer digits (and any fraction) are minutes.
_DEG_MIN = re.compile(r"(\d{1,3})(\d{2}(?:\.\d*)?)")

KNOT_MPS = 1852.0 / 3600.0
KMH_MPS = 1.0 / 3.6
MPH_MPS = 0.44704


class FieldError(Exception):
    """Field text that is present but makes no sense; decoders turn it into a parse-failure count."""


def opt_float(text: str, what: str, lo: float = -math.inf, hi: float = math.inf) -> float | None:
    """A decimal number within [lo, hi], or None for an empty field."""
    if text == "":
        return None
    if _NUMBER.fullmatch(text) is None:
        raise FieldError(f"{what}: {text!r} is not a number")
    value = float(text)
    if not lo <= value <= hi:
        raise FieldError(f"{what}: {value} outside [{lo}, {hi}]")
    return value


def opt_int(text: str, what: str, lo: int, hi: int) -> int | None:
    """An integer within [lo, hi], or None for an empty field."""
    if text == "":
        return None
    if _INTEGER.fullmatch(text) is None:
        raise FieldError(f"{what}: {text!r} is not an integer")
    value = int(text)
    if not lo <= value <= hi:
        raise FieldError(f"{what}: {value} outside [{lo}, {hi}]")
    return value


def opt_heading(text: str, what: str) -> float | None:
    """An angle in [0, 360] degrees, normalised to [0, 360) (some units print 360.0 for north)."""
    value = opt_float(text, what, 0.0, 360.0)
    return None if value is None else value % 360.0


def opt_time(text: str) -> dt.time | None:
    """``hhmmss`` with any number of decimals, as an aware UTC time."""
    if text == "":
        return None
    match = _TIME.fullmatch(text)
    if match is None:
        raise FieldError(f"time: {text!r} is not hhmmss[.s]")
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3])
    micros = int((match[4] or "").ljust(6, "0")[:6])
    if hours > 23 or minutes > 59 or seconds > 60:
        raise FieldError(f"time: {text!r} out of range")
    if seconds == 60:
        # A leap second (GNSS receivers print 23:59:60). datetime cannot hold it; the last instant
        # of second 59 is within a second of the truth and keeps the sentence.
        seconds, micros = 59, 999_999
    return dt.time(hours, minutes, seconds, micros, tzinfo=dt.UTC)


def opt_date_ddmmyy(text: str) -> dt.date | None:
    """``ddmmyy`` as a date; two-digit years are 20yy (RMC carries no century)."""
    if text == "":
        return None
    match = _DATE.fullmatch(text)
    if match is None:
        raise FieldError(f"date: {text!r} is not ddmmyy")
    try:
        return dt.date(2000 + int(match[3]), int(match[2]), int(match[1]))
    except ValueError as exc:
        raise FieldError(f"date: {text!r}: {exc}") from None


def _degrees_minutes(text: str, what: str, max_deg: float) -> float:
    match = _DEG_MIN.fullmatch(text)
    if match is None:
        raise FieldError(f"{what}: {text!r} is not d(dd)mm.mmm")
    minutes = float(match[2])
    if minutes >= 60.0:
        raise FieldError(f"{what}: {text!r} has {minutes} minutes")
    value = int(match[1]) + minutes / 60.0
    if value > max_deg:
        raise FieldError(f"{what}: {value} deg beyond {max_deg}")
    return value


def opt_lat_lon(lat: str, lat_hemi: str, lon: str, lon_hemi: str) -> tuple[float | None, float | None]:
    """Signed decimal degrees (north and east positive) from NMEA ``ddmm.mmm,N,dddmm.mmm,E``.

    Both empty means no position; half a position (one coordinate, or a value without its
    hemisphere letter) is nonsense and raises, where pynmea2's ``latitude`` would return 0.0.
    """
    if lat == lon == lat_hemi == lon_hemi == "":
        return None, None
    if "" in (lat, lon):
        raise FieldError("position: only one of latitude and longitude present")
    if lat_hemi not in ("N", "S") or lon_hemi not in ("E", "W"):
        raise FieldError(f"position: hemisphere letters {lat_hemi!r}, {lon_hemi!r}")
    lat_deg = _degrees_minutes(lat, "latitude", 90.0)
    lon_deg = _degrees_minutes(lon, "longitude", 180.0)
    return (-lat_deg if lat_hemi == "S" else lat_deg), (-lon_deg if lon_hemi == "W" else lon_deg)


def letter(text: str, allowed: str, what: str) -> str:
    """One of the ``allowed`` single letters, or '' for an empty field."""
    if text == "" or (len(text) == 1 and text in allowed):
        return text
    raise FieldError(f"{what}: {text!r} is not one of {', '.join(allowed)}")


def field(fields: list[str], index: int) -> str:
    """Field ``index`` (0 = first after the address), '' when the sentence is shorter.

    NMEA 0183 grows sentences by appending fields, so a missing trailing field means "no value"
    and extra trailing fields are ignored.
    """
    return fields[index] if index < len(fields) else ""
