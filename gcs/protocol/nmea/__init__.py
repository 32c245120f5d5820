"""NMEA 0183 codec: sans-IO stream decoding into typed sentences with vendor signs normalised.

Modules: ``framing`` (bytes to lines, counters), ``fields`` (strict field converters),
``sentences`` (GGA, RMC, VTG, ZDA, HDT, MWV, XDR via pynmea2), ``proprietary`` (PSXN,23, PASHR,
PHTRO, PHLIN by hand), ``decoder`` (checksums, dispatch, ``NmeaDecoder``). TSS1 is in
``gcs.protocol.tss1`` and a port carrying both in ``gcs.protocol.nmea_tss1``.
Knows nothing of rockets, platforms' roles or asyncio. See docs/nmea.md.
"""

from gcs.protocol.nmea.decoder import (
    NmeaDecoder,
    NmeaSentence,
    UnknownSentence,
    has_valid_checksum,
    nmea_checksum,
    parse_nmea,
)
from gcs.protocol.nmea.framing import (
    DEFAULT_MAX_LINE_CHARS,
    NMEA_STANDARD_MAX_LINE_CHARS,
    SentenceType,
    StreamCounters,
)
from gcs.protocol.nmea.proprietary import Pashr, Phlin, Phtro, Psxn23
from gcs.protocol.nmea.sentences import (
    FixQuality,
    Gga,
    Hdt,
    Mwv,
    PositioningMode,
    Rmc,
    Transducer,
    TransducerKind,
    Vtg,
    WindReference,
    Xdr,
    Zda,
)

__all__ = [
    "DEFAULT_MAX_LINE_CHARS",
    "NMEA_STANDARD_MAX_LINE_CHARS",
    "FixQuality",
    "Gga",
    "Hdt",
    "Mwv",
    "NmeaDecoder",
    "NmeaSentence",
    "Pashr",
    "Phlin",
    "Phtro",
    "PositioningMode",
    "Psxn23",
    "Rmc",
    "SentenceType",
    "StreamCounters",
    "Transducer",
    "TransducerKind",
    "UnknownSentence",
    "Vtg",
    "WindReference",
    "Xdr",
    "Zda",
    "has_valid_checksum",
    "nmea_checksum",
    "parse_nmea",
]
