"""Ingestion: one asset per landing-zone source folder, loading new deliveries into raw."""
