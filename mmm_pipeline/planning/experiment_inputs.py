"""What the experiment plan reads: models in force, their ROI, the optimizer's moves, tests.

The warehouse is read first (:func:`read_plan_sources`), then the models are loaded and
turned into :class:`~mmm_pipeline.planning.experiment_design.SeriesTestInputs` with the
connection closed, as the attribution and the budget plans do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.marts import experiments
from mmm_pipeline.modeling.horizons import cumulative_kernel
from mmm_pipeline.modeling.panel import DATE, GEO, ModelPanel
from mmm_pipeline.modeling.response import evenly_spaced
from mmm_pipeline.modeling.results import RECALL_LEVEL_COLUMNS
from mmm_pipeline.modeling.runs import load_model
from mmm_pipeline.modeling.series import Series
from mmm_pipeline.planning.all_series import read_models_in_force
from mmm_pipeline.planning.experiment_design import RecallLevel, SeriesTestInputs
from mmm_pipeline.planning.experiment_plan import bought_nationally
from mmm_pipeline.planning.series_plan import SAMPLES, SeriesPlanInputs
from mmm_pipeline.publish import has_table


@dataclass(frozen=True)
class PlanSources:
    """One series' model in force, today's panel and the tables the plan ranks by."""

    series: Series
    run: dict
    panel: ModelPanel
    roi: pd.DataFrame
    moves: dict[str, float]
    tested: dict[str, list[str]]
    recall: RecallLevel | None


def read_plan_sources(conn: DuckDBPyConnection, models_dir: Path | None) -> list[PlanSources]:
    """Per series with a model in force: its run, panel, ROI, same-budget moves and tests.

    Returns
    -------
    list of PlanSources
        In the order of :func:`~mmm_pipeline.planning.all_series.read_models_in_force`.
    """
    found = []
    for series, run, panel in read_models_in_force(conn, models_dir):
        found.append(
            PlanSources(
                series,
                run,
                panel,
                _roi(conn, run["run_id"]),
                _moves(conn, series, run["run_id"]),
                _tested(conn, series),
                _recall(conn, run),
            )
        )
    return found


def _roi(conn: DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    if not has_table(conn, "mmm.channel_roi"):
        return pd.DataFrame(columns=["channel", "spend", "roi", "roi_low", "roi_high", "roi_unit"])
    return conn.execute(
        "select channel, spend, roi, roi_low, roi_high, roi_unit from mmm.channel_roi "
        "where run_id = ? and geo = 'ALL' order by channel",
        [run_id],
    ).df()


def _moves(conn: DuckDBPyConnection, series: Series, run_id: str) -> dict[str, float]:
    """The same-budget scenario's relative change of each channel's weekly spend.

    Returns
    -------
    dict of str to float
        Channel to (proposed - current) / current at geo ALL; empty before any plan.
    """
    if not has_table(conn, "mmm.budget_allocation"):
        return {}
    rows = conn.execute(
        "select channel, current_spend, proposed_spend from mmm.budget_allocation "
        "where scenario = 'same_budget' and geo = 'ALL' and segment = ? and outcome = ? "
        "and run_id = ? order by channel",
        [series.segment, series.outcome, run_id],
    ).fetchall()
    return {
        channel: (proposed - current) / current for channel, current, proposed in rows if current
    }


def _tested(conn: DuckDBPyConnection, series: Series) -> dict[str, list[str]]:
    tests = experiments(conn, series.outcome, [series.segment, "all"])
    return {channel: sorted(group["experiment_id"]) for channel, group in tests.groupby("channel")}


def _recall(conn: DuckDBPyConnection, run: dict) -> RecallLevel | None:
    """The run's survey recall level and its surveyed channels.

    Returns
    -------
    RecallLevel or None
        None for a run without a survey (or from before recalls were published).
    """
    level, low, high, basis = (run.get(column) for column in RECALL_LEVEL_COLUMNS)
    if basis is None or pd.isna(basis) or not has_table(conn, "mmm.channel_parameters"):
        return None
    channels = conn.execute(
        "select distinct channel from mmm.channel_parameters "
        "where run_id = ? and geo = 'ALL' and survey_recall is not null",
        [run["run_id"]],
    ).fetchall()
    return RecallLevel(frozenset(c for (c,) in channels), level, low, high, basis)


def series_test_inputs(source: PlanSources, models_dir: Path | None) -> SeriesTestInputs:
    """Load the series' model and read its response, carry-over and noise draws.

    Returns
    -------
    SeriesTestInputs
        The same :data:`~mmm_pipeline.planning.series_plan.SAMPLES` draws for the
        response and the kernel; the noise is the posterior mean of the residual spread
        in outcome units per geo.
    """
    mmm = load_model(source.run, models_dir)
    plan = SeriesPlanInputs.from_model(source.series, source.run["run_id"], mmm, source.panel)
    geos, channels = plan.response.geos, plan.response.channels
    frame = source.panel.frame.reindex(columns=[DATE, GEO, *channels], fill_value=0.0)
    spend = frame.groupby(GEO)[channels].sum().reindex(geos, fill_value=0.0)
    weights = spend.stack().rename_axis([GEO, "channel"]).to_xarray()
    cumulative = cumulative_kernel(mmm, weights).sel(channel=channels).values
    cumulative = cumulative[evenly_spaced(cumulative.shape[0], SAMPLES)]  # as the response
    sigma = mmm.idata.posterior["y_sigma"].mean(("chain", "draw"))
    scale = mmm.idata.constant_data["target_scale"]
    noise = (sigma * scale).broadcast_like(scale).sel({GEO: geos}).values
    return SeriesTestInputs(
        series=source.series,
        run_id=source.run["run_id"],
        response=plan.response,
        cumulative=cumulative,
        noise=np.asarray(noise, dtype=float).reshape(len(geos)),
        current=plan.current,
        national=bought_nationally(frame, channels, geos),
        roi=source.roi,
        moves=source.moves,
        tested=source.tested,
        recall=source.recall,
    )
