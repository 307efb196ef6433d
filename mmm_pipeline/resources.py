"""Dagster resources of our own: where deliveries land."""

from pathlib import Path

import dagster as dg


class LandingZone(dg.ConfigurableResource):
    """The landing zone: one folder per source, each file one immutable delivery."""

    path: str

    @property
    def root(self) -> Path:
        """The landing zone as a resolved path."""
        return Path(self.path).resolve()
