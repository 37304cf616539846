"""Benchmarks printed by `make bench` (python -m bench)."""
