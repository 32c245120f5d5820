"""Attacks over real loopback links and a real console port (issue 10, items 3 and 4)."""
