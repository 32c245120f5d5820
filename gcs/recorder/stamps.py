"""Record stamps: Unix microseconds to and from ISO-8601 UTC text. Knows nothing of files or formats.

Every recorded file stamps in integer microseconds since the Unix epoch (UTC), the unit the
``.tlog`` format uses, so the three files of a session merge on one exact time axis. Text stamps
are computed from the integer with ``timedelta`` arithmetic, not from a float, so they round-trip
exactly (a float of ~1.8e9 s carries only about 0.2 µs).
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Fixed shape, always six fraction digits and a "Z": cheap to write, cheap to check, sorts as text.
_ISO_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")


def unix_us_from_s(unix_time_s: float) -> int:
    """Seconds since the epoch (a ``Clock.unix_time_s()`` reading) rounded to whole microseconds."""
    return round(unix_time_s * 1_000_000)


def iso_utc(unix_time_us: int) -> str:
    """``2026-05-01T12:34:56.123456Z`` for a stamp in microseconds since the Unix epoch."""
    seconds, micros = divmod(unix_time_us, 1_000_000)
    return f"{_iso_second(seconds)}.{micros:06d}Z"


@functools.lru_cache(maxsize=4)
def _iso_second(unix_time_s: int) -> str:
    # Every NMEA line and journal entry is stamped: strftime once per second, not once per line.
    return (_EPOCH + timedelta(seconds=unix_time_s)).strftime("%Y-%m-%dT%H:%M:%S")


def parse_iso_utc(text: str) -> int:
    """Microseconds since the epoch for a stamp written by ``iso_utc``.

    Raises:
        ValueError: if ``text`` is not exactly in the shape ``iso_utc`` writes.
    """
    if not _ISO_RE.fullmatch(text):
        raise ValueError(f"not an ISO-8601 UTC stamp with microseconds: {text!r}")
    moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
