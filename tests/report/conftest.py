"""Fixtures of the report tests; the shared ones are in tests/conftest.py."""
