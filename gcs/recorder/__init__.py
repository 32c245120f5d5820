"""Recording: .tlog, raw NMEA, event journal, and replay. Knows no console or broker."""
