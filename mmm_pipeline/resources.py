"""Dagster resources of our own: where deliveries land, and the warehouse."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource
from duckdb import DuckDBPyConnection


class LandingZone(dg.ConfigurableResource):
    """The landing zone: one folder per source, each file one immutable delivery."""

    path: str

    @property
    def root(self) -> Path:
        """The landing zone as a resolved path."""
        return Path(self.path).resolve()


class Warehouse(DuckDBResource):
    """dagster-duckdb's resource, but the connection is closed when the step fails too.

    ``DuckDBResource.get_connection`` closes only after a clean exit. DuckDB refuses a
    second connection with another configuration (read-only) to a file that is still
    open in the process, so a failed step used to lock ``mmm query`` and the run summary
    out of the warehouse for the rest of the process.
    """

    @contextmanager
    def get_connection(self) -> Iterator[DuckDBPyConnection]:
        """A connection that is closed however the block ends."""
        with super().get_connection() as conn:
            try:
                yield conn
            except BaseException:
                conn.close()
                raise
