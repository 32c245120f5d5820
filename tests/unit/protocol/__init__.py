"""Unit tests of the pure wire codecs and the shared MAVLink dialect."""
