"""``mmm.forecast_accuracy``: every accepted model scored on the weeks after its fit.

Unpartitioned, after the fits, in every run that loads new weeks (``mmm_report`` and
``mmm_refresh``). Its check warns when the model in force's intervals hold far fewer
actual weeks than their level says: next to the drift check on the attribution, the
signal to rebuild the model.
"""

from collections.abc import Iterator

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource
from duckdb import DuckDBPyConnection

from mmm_pipeline.defs.jobs import REPORT_GROUP
from mmm_pipeline.defs.modeling.assets import MODEL_RUNS_KEY
from mmm_pipeline.defs.transform.keys import MARTS
from mmm_pipeline.modeling.forecast_scoring import models_to_score, rescored
from mmm_pipeline.modeling.forecasts import (
    FORECAST_ACCURACY,
    accuracy_summary,
    coverage_shortfall,
)
from mmm_pipeline.modeling.runs import default_models_dir, last_accepted
from mmm_pipeline.modeling.series import Series
from mmm_pipeline.publish import has_table, publish
from mmm_pipeline.settings import get_settings

FORECAST_ACCURACY_KEY = dg.AssetKey(["mmm", "forecast_accuracy"])


@dg.asset(
    key=FORECAST_ACCURACY_KEY,
    group_name=REPORT_GROUP,
    kinds={"duckdb", "pymc"},
    deps=[MODEL_RUNS_KEY, *MARTS],
    description="Each model's forecasts of the weeks it did not see (its held-out weeks, "
    "then every week delivered since), with the actual spend and controls, against the "
    "actuals: forecast and interval, whether the actual fell inside, CRPS.",
    check_specs=[
        dg.AssetCheckSpec(
            "forecasts_cover_actuals",
            asset=FORECAST_ACCURACY_KEY,
            description="The model in force's intervals hold about as many actual weeks "
            "as their level says; far fewer means it no longer describes the data.",
        )
    ],
)
def forecast_accuracy(
    warehouse: DuckDBResource,
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Score the weeks delivered since each accepted model's fit; check coverage.

    Yields
    ------
    dg.MaterializeResult or dg.AssetCheckResult
        The materialization with the summary per series and model, then the
        ``forecasts_cover_actuals`` check (a warning) on the models in force.
    """
    settings = get_settings()
    models_dir = default_models_dir()
    with warehouse.get_connection() as conn:
        models = models_to_score(conn, models_dir)
    writes = [rescored(model, settings.interval_level, models_dir) for model in models]
    with warehouse.get_connection() as conn:
        if writes:
            publish(conn, writes)
        summary, in_force = _summary_and_models_in_force(conn)
    yield dg.MaterializeResult(
        metadata={
            "models rescored": dg.MetadataValue.int(len(writes)),
            "summary": dg.MetadataValue.md(
                summary.to_markdown(index=False, floatfmt=".3g") if not summary.empty else "-"
            ),
        }
    )
    current = summary[summary["run_id"].isin(in_force)] if not summary.empty else summary
    failing = [
        f"{row.segment}/{row.outcome} (model {row.run_id}): {row.inside} of {row.weeks} "
        f"weeks inside the {settings.interval_level:.0%} interval; rebuild the model"
        for row in current.itertuples()
        if coverage_shortfall(row.weeks, row.inside, settings.interval_level)
    ]
    yield dg.AssetCheckResult(
        check_name="forecasts_cover_actuals",
        passed=not failing,
        severity=dg.AssetCheckSeverity.WARN,
        description="\n".join(failing) or "every model in force covers its forecast weeks",
    )


def _summary_and_models_in_force(conn: DuckDBPyConnection) -> tuple[pd.DataFrame, list[str]]:
    """The per-model summary and the run ids of the models in force.

    Returns
    -------
    tuple of (pandas.DataFrame, list of str)
        :func:`accuracy_summary` of the table (empty before any fit) and the last accepted
        run (:func:`~mmm_pipeline.modeling.runs.last_accepted`) of each series in it.
    """
    if not has_table(conn, FORECAST_ACCURACY):
        return pd.DataFrame(), []
    summary = accuracy_summary(conn.execute(f"select * from {FORECAST_ACCURACY}").df())  # noqa: S608
    if summary.empty:
        return summary, []
    pairs = summary[["segment", "outcome"]].drop_duplicates().itertuples(index=False)
    runs = [last_accepted(conn, Series(*pair)) for pair in pairs]
    return summary, [run["run_id"] for run in runs if run is not None]
