"""Pure values and rules: vehicle and platform state, phases, limits, impact point.

Knows nothing of sockets or codecs.
"""
