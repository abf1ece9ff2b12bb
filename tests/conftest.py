"""Shared pytest configuration: the hypothesis profile used by every property test."""
from hypothesis import settings

# Deterministic, bounded property tests: the same examples on every run and machine.
settings.register_profile("ci", derandomize=True, max_examples=25, deadline=None)
settings.load_profile("ci")
