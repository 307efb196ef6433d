"""Dagster definitions, one package per domain (ingestion, transform, ...)."""
