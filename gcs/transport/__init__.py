"""Byte streams over serial ports, UDP and TCP sockets, and memory. Knows nothing of MAVLink or NMEA."""
