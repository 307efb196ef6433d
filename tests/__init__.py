"""Tests, mirroring the package: definitions, landing, transform, simulate, end to end."""
