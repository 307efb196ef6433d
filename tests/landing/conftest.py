"""Fixtures of the landing tests; the shared ones are in tests/conftest.py."""
