"""Fixtures of the cli tests; the shared ones are in tests/conftest.py."""
