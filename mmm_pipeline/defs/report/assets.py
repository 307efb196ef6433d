"""The HTML report of a run, as the last asset of the report job."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from mmm_pipeline.defs.attribution.assets import SHIFT_KEY, WEEKLY_KEY
from mmm_pipeline.defs.jobs import REPORT_GROUP
from mmm_pipeline.defs.modeling.assets import MODEL_RUNS_KEY, RESULT_KEYS
from mmm_pipeline.defs.planning.assets import ALLOCATION_KEY, CURVES_KEY, SCENARIOS_KEY
from mmm_pipeline.defs.quality.assets import FINDINGS_KEY, READINESS_KEY
from mmm_pipeline.report.build import build_report
from mmm_pipeline.settings import get_settings


@dg.asset(
    key=["mmm", "report"],
    group_name=REPORT_GROUP,
    kinds={"html"},
    deps=[
        READINESS_KEY,
        FINDINGS_KEY,
        MODEL_RUNS_KEY,
        *RESULT_KEYS.values(),
        dg.AssetKey(["mmm", "outcome_comparison"]),
        dg.AssetKey(["mmm", "time_horizons"]),
        dg.AssetKey(["mmm", "forecast_accuracy"]),
        dg.AssetKey(["mmm", "experiment_plan"]),
        WEEKLY_KEY,
        SHIFT_KEY,
        CURVES_KEY,
        ALLOCATION_KEY,
        SCENARIOS_KEY,
    ],
    description="One HTML page with its PNG figures under data/reports/<time>/: readiness "
    "and data quality, model diagnostics and fit, contributions, ROI and marginal ROI with "
    "ranges, forecast accuracy, experiment agreement and the next tests, outcome "
    "comparison, time horizons, attribution shift, response curves and budget scenarios.",
)
def report_page(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Write the report of this run from the published tables.

    Returns
    -------
    dg.MaterializeResult
        The path and ``file://`` URL of the page written.
    """
    settings = get_settings()
    with warehouse.get_connection() as conn:
        page = build_report(
            conn, settings.data_dir, settings.interval_level, settings.reporting_currency
        )
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(str(page)), "url": f"file://{page}"}
    )
