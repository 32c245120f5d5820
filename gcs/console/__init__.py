"""Operator console: aiohttp server, auth and the static front end."""
