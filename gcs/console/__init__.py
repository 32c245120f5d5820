"""Operator console: aiohttp server, users and sessions, the live stream, commands, the static page.

``server`` (routes, auth, the WebSocket), ``stream`` (board, per-browser coalescing and rate limit),
``views`` (hub values as JSON for the page), ``commands`` (API commands to launch-control events),
``users`` and ``sessions`` (scrypt user file, session tokens, login limiter), ``cli`` (``gcs users``).
Knows nothing of MAVLink framing, NMEA or the MQTT bridge (a sibling it must not import); reaches
launch control and the journal only through the narrow callables the composition root passes in.
"""
