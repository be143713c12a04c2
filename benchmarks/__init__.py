"""Benchmarks for the sfa engine; run each module with ``python -m``."""
