"""One MMM per series (segment x outcome) as a partitioned Dagster multi-asset.

Partitions are the dynamic ``mmm_series``, registered by the readiness asset from the
data. One fit materializes the ledger row (``mmm/model_runs``) and, only when every
gate passed, the tables of the model in force (``mmm/channel_roi``,
``mmm/channel_parameters``, ``mmm/experiment_agreement``): a rejected fit leaves their
last materialization, and their rows, as they were. A series that is not ready is not
fitted; the step succeeds with nothing materialized and says why. A series made from
another (``mmm.funnel_links``) first brings that one's model up to date, so its prior
comes from a current upstream model however the run was started.
"""

from collections.abc import Callable, Iterator
from functools import partial

import dagster as dg
from dagster_duckdb import DuckDBResource

from mmm_pipeline.defs.jobs import MODEL_GROUP
from mmm_pipeline.defs.quality.assets import READINESS_KEY
from mmm_pipeline.defs.transform.keys import CONTROLS_KEY, EXPERIMENTS_KEY, MARTS
from mmm_pipeline.modeling.funnel import upstream_chain
from mmm_pipeline.modeling.funnel_prior import read_links
from mmm_pipeline.modeling.series import SERIES_PARTITIONS_NAME, Series
from mmm_pipeline.modeling.series_fit import SeriesFit, fit_series
from mmm_pipeline.modeling.series_inputs import NotReady
from mmm_pipeline.report.fit_figures import fit_figures
from mmm_pipeline.settings import get_settings

SERIES_PARTITIONS = dg.DynamicPartitionsDefinition(name=SERIES_PARTITIONS_NAME)
MODEL_RUNS_KEY = dg.AssetKey(["mmm", "model_runs"])
RESULT_KEYS = {
    "mmm.channel_roi": dg.AssetKey(["mmm", "channel_roi"]),
    "mmm.channel_parameters": dg.AssetKey(["mmm", "channel_parameters"]),
    "mmm.experiment_agreement": dg.AssetKey(["mmm", "experiment_agreement"]),
}


def _spec(key: dg.AssetKey, description: str, deps: list[dg.AssetKey]) -> dg.AssetSpec:
    return dg.AssetSpec(
        key,
        deps=deps,
        description=description,
        skippable=True,
        group_name=MODEL_GROUP,
        kinds={"pymc", "duckdb"},
        partitions_def=SERIES_PARTITIONS,
    )


@dg.multi_asset(
    specs=[
        _spec(
            MODEL_RUNS_KEY,
            "Every fit of this series, accepted or rejected, with its diagnostics and why.",
            [READINESS_KEY, *MARTS, EXPERIMENTS_KEY, CONTROLS_KEY],
        ),
        _spec(
            RESULT_KEYS["mmm.channel_roi"],
            "Spend, incremental contribution, ROI and marginal ROI per geo and channel, "
            "with intervals, from the last accepted model.",
            [MODEL_RUNS_KEY],
        ),
        _spec(
            RESULT_KEYS["mmm.channel_parameters"],
            "Adstock half-life and saturation spend per geo and channel, with intervals.",
            [MODEL_RUNS_KEY],
        ),
        _spec(
            RESULT_KEYS["mmm.experiment_agreement"],
            "Every lift test of this series against the lift the model implies.",
            [MODEL_RUNS_KEY],
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "model_accepted",
            asset=MODEL_RUNS_KEY,
            description="The fit passed the convergence and holdout gates of its profile.",
        ),
        dg.AssetCheckSpec(
            "experiments_agree",
            asset=RESULT_KEYS["mmm.experiment_agreement"],
            description="Every lift test lies within reach of what the model implies.",
        ),
    ],
    can_subset=True,
)
def series_model(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Fit the MMM of one series, gate it, and publish it if it passed.

    Yields
    ------
    dg.MaterializeResult or dg.AssetCheckResult
        The ``mmm.model_runs`` materialization with diagnostics and figures and its
        ``model_accepted`` check; if accepted, one materialization per result table and the
        ``experiments_agree`` check. Nothing for a series that is not ready; an
        observation of ``mmm.model_runs`` naming the run reused when nothing the fit
        reads has changed.
    """
    series = Series.from_key(context.partition_key)
    settings = get_settings()
    fit = partial(
        fit_series,
        warehouse.get_connection,
        profile=settings.profile,
        data_dir=settings.data_dir,
        interval_level=settings.interval_level,
        dagster_run_id=context.run.run_id,
        say=context.log.info,
    )
    _fit_upstream_first(context, warehouse, series, fit)
    try:
        fitted = fit(series=series, refit=settings.refit)
    except NotReady as reason:
        context.log.warning(f"{reason}: not fitted")
        return
    if fitted.reused:
        # Nothing it reads changed: the tables stay as they are, observed, not rewritten.
        yield dg.AssetObservation(
            asset_key=MODEL_RUNS_KEY,
            partition=context.partition_key,
            metadata={"reused_run_id": fitted.run["run_id"], "status": fitted.run["status"]},
        )
        return
    context.log.info(f"{series.key}: figures")
    plots = fit_figures(fitted, series.folder(settings.data_dir / "plots"), settings.interval_level)
    yield from _materializations(fitted, plots)


def _fit_upstream_first(
    context: dg.AssetExecutionContext,
    warehouse: DuckDBResource,
    series: Series,
    fit: Callable[..., SeriesFit],
) -> None:
    """Bring the models ``series`` is made from up to date before it is fitted.

    A downstream series takes its prior from its upstream series' model in force
    (``mmm.funnel_links``, funnel.py). Whatever started this run (``mmm run``, the
    quarterly schedule, a backfill or one partition from the UI), each upstream series
    is fitted first unless its inputs are unchanged since its last fit; a refit of it
    is recorded as a materialization of its own partition.
    """
    with warehouse.get_connection() as conn:
        chain = upstream_chain(read_links(conn), series.segment, series.outcome)
    for outcome in chain:
        upstream = Series(series.segment, outcome)
        context.log.info(f"{series.key} is made from {upstream.key}: its model first")
        try:
            fitted = fit(series=upstream, refit=False)
        except NotReady as reason:
            context.log.warning(f"{reason}: {series.key} is fitted without its funnel")
            return
        if not fitted.reused:
            context.log_event(
                dg.AssetMaterialization(
                    asset_key=MODEL_RUNS_KEY,
                    partition=upstream.key,
                    metadata={"run_id": fitted.run["run_id"], "status": fitted.run["status"]},
                )
            )


def _materializations(
    fitted: SeriesFit, plots: dict[str, str]
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    run = fitted.run
    yield dg.MaterializeResult(
        asset_key=MODEL_RUNS_KEY,
        metadata={
            "run_id": run["run_id"],
            "status": run["status"],
            "max_rhat": dg.MetadataValue.float(run["max_rhat"]),
            "min_ess": dg.MetadataValue.float(run["min_ess"]),
            "divergences": dg.MetadataValue.int(run["divergences"]),
            "holdout_mape": dg.MetadataValue.float(run["holdout_mape"] or float("nan")),
            "naive_mape": dg.MetadataValue.float(run["naive_mape"] or float("nan")),
            "fit_seconds": dg.MetadataValue.float(run["fit_seconds"]),
            "artifact_path": dg.MetadataValue.path(run["artifact_path"]),
            **{name: dg.MetadataValue.md(markdown) for name, markdown in plots.items()},
        },
    )
    yield dg.AssetCheckResult(
        asset_key=MODEL_RUNS_KEY,
        check_name="model_accepted",
        passed=fitted.accepted,
        severity=dg.AssetCheckSeverity.ERROR,
        description=run["reasons"] or "every gate passed",
    )
    if not fitted.accepted:
        return
    for table, frame in fitted.tables.items():
        yield dg.MaterializeResult(
            asset_key=RESULT_KEYS[table],
            metadata={"run_id": run["run_id"], "rows": dg.MetadataValue.int(len(frame))},
        )
    agreement = fitted.tables["mmm.experiment_agreement"]
    disagreeing = agreement[agreement["agrees"].eq(False)]
    yield dg.AssetCheckResult(
        asset_key=RESULT_KEYS["mmm.experiment_agreement"],
        check_name="experiments_agree",
        passed=disagreeing.empty,
        severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(disagreeing["message"]) or "model and experiments agree",
    )
