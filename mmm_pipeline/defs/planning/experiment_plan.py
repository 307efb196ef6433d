"""``mmm.experiment_plan``: the next lift tests worth running, after the budget plans.

Unpartitioned, from every series' model in force, the ROI intervals it published, the
same-budget scenario's moves and the lift tests already run. A proposed test's result,
delivered to ``experiments/``, shows in ``mmm.experiment_agreement`` on the next run and
enters the next fit's likelihood like any other test.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from mmm_pipeline.defs.jobs import PLANNING_GROUP
from mmm_pipeline.defs.modeling.assets import MODEL_RUNS_KEY, RESULT_KEYS
from mmm_pipeline.defs.planning.assets import ALLOCATION_KEY
from mmm_pipeline.defs.transform.keys import EXPERIMENTS_KEY
from mmm_pipeline.modeling.runs import default_models_dir
from mmm_pipeline.planning.experiment_inputs import read_plan_sources, series_test_inputs
from mmm_pipeline.planning.experiment_plan import (
    EXPERIMENT_PLAN_COLUMNS,
    series_experiment_plan,
)
from mmm_pipeline.publish import concat_rows, publish, table_replacement
from mmm_pipeline.settings import get_settings


@dg.asset(
    key=["mmm", "experiment_plan"],
    group_name=PLANNING_GROUP,
    kinds={"duckdb", "pymc"},
    deps=[MODEL_RUNS_KEY, RESULT_KEYS["mmm.channel_roi"], ALLOCATION_KEY, EXPERIMENTS_KEY],
    description="Per series, the next lift tests worth running, ranked by what they would "
    "change in the budget decision: channel, design (geo holdout or scale-up, or a "
    "time-based pause or burst), geos, weeks with the carry-over, spend change, the lift "
    "the model expects with its interval, the minimum detectable lift and the power.",
)
def experiment_plan(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Propose and rank the tests of every series with a model in force.

    Returns
    -------
    dg.MaterializeResult
        The row count and the top three tests of each series.
    """
    settings = get_settings()
    models_dir = default_models_dir()
    with warehouse.get_connection() as conn:
        sources = read_plan_sources(conn, models_dir)
    plans = [
        series_experiment_plan(series_test_inputs(source, models_dir), settings.interval_level)
        for source in sources
    ]
    plan = concat_rows(plans, EXPERIMENT_PLAN_COLUMNS)
    with warehouse.get_connection() as conn:
        publish(conn, [table_replacement("mmm.experiment_plan", EXPERIMENT_PLAN_COLUMNS, plan)])
    top = plan[plan["rank"] <= 3][
        ["segment", "outcome", "rank", "channel", "design", "weeks", "power", "detectable"]
    ]
    return dg.MaterializeResult(
        metadata={
            "rows": dg.MetadataValue.int(len(plan)),
            "top tests": dg.MetadataValue.md(top.to_markdown(index=False, floatfmt=".2f")),
        }
    )
