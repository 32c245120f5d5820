"""Benchmarks with their own runner: ``python -m bench NAME``. Each prints ratios measured in one run."""
