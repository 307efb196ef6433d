"""Fixtures of the quality tests; the shared ones are in tests/conftest.py."""
