"""Launch control: countdown, go/no-go, commit criteria, red lines, range safety.

Drives the vehicle through an interface, never through a socket.
"""
