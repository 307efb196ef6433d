"""Fixtures of the simulate tests; the shared ones are in tests/conftest.py."""
