"""Pure wire codecs (MAVLink, NMEA 0183, TSS1): bytes in, messages out. No asyncio, no sockets, no rockets."""
