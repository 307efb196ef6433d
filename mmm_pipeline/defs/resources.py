"""Resources shared by every domain, configured from the environment (see settings.py)."""

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from mmm_pipeline.defs.transform.project import mmm_dbt_project
from mmm_pipeline.resources import LandingZone, Warehouse
from mmm_pipeline.settings import export_to_environment, get_settings


@dg.definitions
def resources() -> dg.Definitions:
    """Provide the warehouse, the landing zone and dbt, all on the same settings."""
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
