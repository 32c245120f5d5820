"""Unit tests of gcs.recorder: formats, repair, the session recorder against a simulated clock and disk."""
