"""Fixtures of the modeling tests; the shared ones are in tests/conftest.py."""
