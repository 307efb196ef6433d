"""Fixtures of the planning tests; the shared ones are in tests/conftest.py."""
