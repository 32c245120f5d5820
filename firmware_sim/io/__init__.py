"""The simulator's wire endpoints: MAVLink, HIL bridge, NMEA and TSS1 talkers.

Knows no ground station code.
"""
