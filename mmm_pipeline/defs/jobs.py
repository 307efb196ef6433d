"""Jobs over the asset graph: refresh the data, fit one series, report across series.

A Dagster job runs assets of one partitioning, so the graph is run in three jobs:
``mmm_data`` (unpartitioned: load, dbt, quality, readiness), ``mmm_fit`` (one run per
``mmm_series`` partition) and ``mmm_report`` (unpartitioned views across every series'
accepted model: attribution, planning and reports). ``mmm run`` runs all three in that order.

Each run executes its steps one after the other in its own process (the in-process
executor): a run's steps all write the same warehouse, and `mmm run` and the UI then
behave the same way. Parallelism is across runs: fits of different series are separate
runs (a backfill in the UI, ``mmm run --parallel N``), which take turns in the warehouse
only while reading and publishing (``warehouse_lock``).
"""

import dagster as dg

from mmm_pipeline.modeling.series import SERIES_PARTITIONS_NAME

MODEL_GROUP = "model"
REPORT_GROUP = "report"
ATTRIBUTION_GROUP = "attribution"
PLANNING_GROUP = "planning"

_models = dg.AssetSelection.groups(MODEL_GROUP)
_reports = dg.AssetSelection.groups(REPORT_GROUP, ATTRIBUTION_GROUP, PLANNING_GROUP)

mmm_data = dg.define_asset_job(
    name="mmm_data",
    selection=dg.AssetSelection.all() - _models - _reports,
    executor_def=dg.in_process_executor,
    description="Load new deliveries, build the marts with dbt, check quality and readiness.",
)
# Tagged so an instance's run queue can cap how many fits run at once
# (deploy/dagster.yaml, docs/scaling.md).
FIT_TAGS = {"mmm/stage": "fit"}

mmm_fit = dg.define_asset_job(
    name="mmm_fit",
    selection=_models,
    executor_def=dg.in_process_executor,
    tags=FIT_TAGS,
    description=f"Fit, gate and publish the MMM of one series ({SERIES_PARTITIONS_NAME} "
    "partition: segment.outcome).",
)
mmm_report = dg.define_asset_job(
    name="mmm_report",
    selection=_reports,
    executor_def=dg.in_process_executor,
    description="Views across every series' accepted model: attribution, response curves "
    "and budget scenarios, outcome comparison, time horizons.",
)
mmm_refresh = dg.define_asset_job(
    name="mmm_refresh",
    selection=dg.AssetSelection.all() - _models,
    executor_def=dg.in_process_executor,
    description="Load new deliveries, rebuild the marts and checks, and refresh attribution, "
    "plans and the report with each series' model in force (no refit). What the "
    "landing-zone sensor and the weekly schedule start.",
)
