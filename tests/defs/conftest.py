"""Fixtures of the defs tests; the shared ones are in tests/conftest.py."""
