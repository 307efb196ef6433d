"""Fixtures of the attribution tests; the shared ones are in tests/conftest.py."""
