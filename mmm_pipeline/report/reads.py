"""What the report reads from the published ``mmm.*`` tables, each a frame by name.

A table that does not exist yet (a first run, a series never fitted) reads as an empty
frame, so every section can say "nothing yet" instead of failing the page.
"""

from __future__ import annotations

import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.publish import has_table

QUERIES = {
    "readiness": (
        "mmm.readiness",
        "select segment, outcome, history_weeks as weeks, round(100 * paid_share, 1) "
        "as paid_share_pct, ready, reasons from mmm.readiness where geo = 'ALL' order by all",
    ),
    "findings": (
        "mmm.data_quality_issues",
        "select check_name as check, severity, count(*) as findings, "
        "count(distinct week_start) as weeks, string_agg(distinct geo, ', ') as geos "
        "from mmm.data_quality_issues group by all order by severity, findings desc",
    ),
    "recent_fits": (
        "mmm.model_runs",
        "select segment, outcome, strftime(fitted_at, '%Y-%m-%d %H:%M') as fitted_at, status, "
        "round(max_rhat, 3) as max_rhat, "
        "round(min_ess) as min_ess, divergences, round(100 * holdout_mape, 1) as "
        "holdout_mape_pct, round(100 * naive_mape, 1) as naive_mape_pct, reasons, run_id "
        "from mmm.model_runs qualify row_number() over (partition by segment, outcome "
        "order by fitted_at desc) <= 2 order by segment, outcome, fitted_at desc",
    ),
    "latest_fits": (
        "mmm.model_runs",
        "select * from mmm.model_runs qualify row_number() over "
        "(partition by segment, outcome order by fitted_at desc) = 1 order by all",
    ),
    # The model in force may be older than the fits shown (a refit tried three times and
    # rejected each time pushes it out of the last rows): read it on its own, every
    # column (the survey's recall level among them).
    "models_in_force": (
        "mmm.model_runs",
        "select * from mmm.model_runs where status = 'accepted' "
        "qualify row_number() over (partition by segment, outcome order by fitted_at desc) "
        "= 1 order by segment, outcome",
    ),
    "channel_parameters": (
        "mmm.channel_parameters",
        "select * from mmm.channel_parameters where geo = 'ALL' order by segment, outcome, channel",
    ),
    "roi": (
        "mmm.channel_roi",
        "select * from mmm.channel_roi where geo = 'ALL' order by segment, outcome, channel",
    ),
    "forecast_accuracy": (
        "mmm.forecast_accuracy",
        "select f.*, r.fitted_at, r.status from mmm.forecast_accuracy f "
        "join mmm.model_runs r using (run_id) order by f.segment, f.outcome, r.fitted_at, "
        "f.week_start",
    ),
    "experiment_plan": (
        "mmm.experiment_plan",
        "select * from mmm.experiment_plan order by segment, outcome, rank",
    ),
    "agreement": ("mmm.experiment_agreement", "select * from mmm.experiment_agreement"),
    "outcome_comparison": ("mmm.outcome_comparison", "select * from mmm.outcome_comparison"),
    "time_horizons": ("mmm.time_horizons", "select * from mmm.time_horizons"),
    "attribution_shift": ("mmm.attribution_shift", "select * from mmm.attribution_shift"),
    "response_curves": (
        "mmm.response_curves",
        "select * from mmm.response_curves where geo = 'ALL'",
    ),
    "scenarios": ("mmm.budget_scenarios", "select * from mmm.budget_scenarios"),
    "same_budget_allocation": (
        "mmm.budget_allocation",
        "select * from mmm.budget_allocation where geo = 'ALL' and scenario = 'same_budget'",
    ),
}


def read(conn: DuckDBPyConnection, name: str) -> pd.DataFrame:
    """One of the report's frames.

    Parameters
    ----------
    conn
        A connection to the warehouse.
    name
        A key of ``QUERIES``.

    Returns
    -------
    pandas.DataFrame
        The rows, or an empty frame while the table does not exist.
    """
    table, sql = QUERIES[name]
    return conn.execute(sql).df() if has_table(conn, table) else pd.DataFrame()


def still_failing(conn: DuckDBPyConnection) -> pd.DataFrame:
    """Series whose latest fit was rejected, with its reasons and what to do.

    Parameters
    ----------
    conn
        A connection to the warehouse.

    Returns
    -------
    pandas.DataFrame
        Columns ``segment``, ``outcome``, ``reasons``, ``advice``; empty when every
        series' latest fit was accepted.
    """
    latest = read(conn, "latest_fits")
    if latest.empty or "advice" not in latest:
        return pd.DataFrame()
    failing = latest[latest["status"] != "accepted"]
    return failing[["segment", "outcome", "reasons", "advice"]].fillna("")
