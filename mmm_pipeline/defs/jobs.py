"""Jobs over the whole asset graph."""

import dagster as dg

# DuckDB lets one process write a database file at a time, so steps run one after the
# other in one process; the in-process executor also makes `mmm run` and the UI behave
# the same way.
mmm_all = dg.define_asset_job(
    name="mmm_all",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Everything: load new deliveries, then dbt (and, later, models and reports).",
)
