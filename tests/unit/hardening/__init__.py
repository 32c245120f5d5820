"""Hostile-input property tests of the pure codecs and loaders (issue 10, item 2)."""
