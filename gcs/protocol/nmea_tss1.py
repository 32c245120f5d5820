"""One decoder for a port that carries NMEA 0183 sentences and TSS1 records interleaved.

Motion sensors commonly share a serial line between their NMEA output and a TSS1 stream; lines
starting with ``$``/``!`` go to the NMEA decoder, lines starting with ``:`` to TSS1, through one
framer so that counters and chunking behave as for either alone. Sans-IO; knows nothing of
rockets, platforms or asyncio. Lives apart from both codecs because it depends on both.
"""

from __future__ import annotations

from gcs.protocol.nmea.decoder import NmeaSentence, decode_nmea_line, has_valid_checksum
from gcs.protocol.nmea.framing import DEFAULT_MAX_LINE_CHARS, CounterBook, LineFramer, StreamCounters
from gcs.protocol.tss1 import TSS1_RECORD_CHARS, Tss1, decode_tss1_line, is_tss1_record


class NmeaTss1Decoder:
    """Stream decoder for a mixed NMEA + TSS1 port; arguments as for ``NmeaDecoder``."""

    def __init__(
        self, *, require_checksum: bool = True, max_line_chars: int = DEFAULT_MAX_LINE_CHARS
    ) -> None:
        if max_line_chars < TSS1_RECORD_CHARS:
            raise ValueError(f"max_line_chars must be at least {TSS1_RECORD_CHARS}, got {max_line_chars}")
        self._book = CounterBook()
        # ':' is a weak start: it may occur inside NMEA text, so it starts a TSS1 line only
        # between NMEA sentences (see framing).
        self._framer = LineFramer(self._book, starts=b"$!", weak_starts=b":", max_line_chars=max_line_chars)
        self._require_checksum = require_checksum

    def feed(self, data: bytes) -> list[NmeaSentence | Tss1]:
        """Consume bytes; return the sentences and records they completed. Never raises."""
        out: list[NmeaSentence | Tss1] = []
        for line in self._framer.feed(data):
            if line.startswith(":"):
                record = decode_tss1_line(line, self._book)
                if record is not None:
                    out.append(record)
                continue
            colon = line.rfind(":")
            if colon > 0 and is_tss1_record(line[colon:]) and not has_valid_checksum(line):
                # Noise with a '$' in it, then a TSS1 record: inside that '$' line the framer
                # could not honour the ':', so recover the record here. A real NMEA sentence
                # ending in something shaped exactly like TSS1 would have a good checksum.
                self._book.truncated += 1
                record = decode_tss1_line(line[colon:], self._book)
                if record is not None:
                    out.append(record)
                continue
            sentence = decode_nmea_line(line, self._require_checksum, self._book)
            if sentence is not None:
                out.append(sentence)
        return out

    @property
    def counters(self) -> StreamCounters:
        return self._book.snapshot()
