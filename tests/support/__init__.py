"""Test support: the real Dagster webserver and a headless browser (tests, screenshot)."""
