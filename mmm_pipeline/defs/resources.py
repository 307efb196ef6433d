"""Resources shared by every domain: our two resource types, configured from settings.py."""

import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource
from duckdb import DuckDBPyConnection

from mmm_pipeline.defs.transform.project import mmm_dbt_project
from mmm_pipeline.settings import export_to_environment, get_settings
from mmm_pipeline.warehouse_lock import warehouse_turn


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

    It also takes the warehouse's turn first (``warehouse_lock``): fits of several series
    run in parallel processes, and DuckDB lets only one process open the file.
    """

    def turn(self) -> AbstractContextManager[None]:
        """Hold the warehouse for a process of its own (the dbt build) without connecting.

        Returns
        -------
        AbstractContextManager[None]
            Holds the warehouse's turn while its block runs.
        """
        return warehouse_turn(self.database)

    @contextmanager
    def get_connection(self) -> Iterator[DuckDBPyConnection]:
        """A connection in the warehouse's turn, closed however the block ends.

        Yields
        ------
        DuckDBPyConnection
            The open connection; the turn is released when the block ends.
        """
        with warehouse_turn(self.database), super().get_connection() as conn:
            try:
                yield conn
            except BaseException:
                conn.close()
                raise


@dg.definitions
def resources() -> dg.Definitions:
    """Provide the warehouse, the landing zone and dbt, all on the same settings.

    Returns
    -------
    dg.Definitions
        The ``warehouse``, ``landing_zone`` and ``dbt`` resources.
    """
    settings = get_settings()
    export_to_environment(settings)
    return dg.Definitions(
        resources={
            "warehouse": Warehouse(
                database=dg.EnvVar("MMM_WAREHOUSE"),
                connection_config={"memory_limit": settings.duckdb_memory_limit},
            ),
            "landing_zone": LandingZone(path=dg.EnvVar("MMM_LANDING_DIR")),
            # The dbt next to this interpreter, so `.venv/bin/mmm` works without an
            # activated virtualenv on PATH.
            "dbt": DbtCliResource(
                project_dir=mmm_dbt_project(),
                dbt_executable=str(Path(sys.executable).parent / "dbt"),
            ),
        }
    )
