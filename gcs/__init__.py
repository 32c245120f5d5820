"""Ground control for reusable cargo rockets launched from and landed on sea platforms."""

__version__ = "0.1.0"
