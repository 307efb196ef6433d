"""Forecast accuracy of a real fit: its held-out weeks, then the weeks delivered after it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from mmm_pipeline.modeling.forecast_scoring import models_to_score, rescored
from mmm_pipeline.modeling.forecasts import accuracy_summary, coverage_shortfall
from mmm_pipeline.publish import publish
from tests.fitted_model import materialized

NEW_WEEKS = 8


def test_every_attempt_scores_its_held_out_weeks_on_the_actual_totals(fitted: dict) -> None:
    conn = fitted["conn"]
    assert "mmm/forecast_accuracy" in materialized(fitted["report"])
    runs = conn.execute(
        "select run_id, status, holdout_weeks from mmm.model_runs where segment = 'self_serve'"
    ).df()
    rows = conn.execute("select * from mmm.forecast_accuracy order by run_id, week_start").df()
    # The accepted fit and each rejected attempt: 8 weeks each, horizons 1 to 8.
    assert set(rows["run_id"]) == set(runs["run_id"])
    for _, weeks in rows.groupby("run_id"):
        assert weeks["horizon_weeks"].tolist() == list(range(1, 9))
    actual = conn.execute(
        "select week_start, sum(conversions) as actual from marts.fct_conversions_weekly "
        "where segment = 'self_serve' and outcome = 'signup' group by all"
    ).df()
    joined = rows.merge(actual, on="week_start", suffixes=("", "_mart"))
    assert joined["actual"].to_numpy() == pytest.approx(joined["actual_mart"].to_numpy())
    assert (rows["forecast_low"] <= rows["forecast"]).all()
    assert (rows["forecast"] <= rows["forecast_high"]).all()
    inside = (rows["forecast_low"] <= rows["actual"]) & (rows["actual"] <= rows["forecast_high"])
    assert (rows["in_interval"] == inside).all()
    # A sound model of noise-only residuals: its all-geo forecast is within a few percent.
    accepted = runs.loc[runs["status"] == "accepted", "run_id"].item()
    summary = accuracy_summary(rows).set_index("run_id").loc[accepted]
    assert summary["mape"] < 0.05


def _with_new_weeks(source: Path, target: Path, scale: float) -> None:
    """Copy the warehouse and deliver the last NEW_WEEKS weeks again after them, outcome x scale."""
    target.write_bytes(source.read_bytes())
    with duckdb.connect(str(target)) as conn:
        last = conn.execute("select max(week_start) from marts.fct_media_weekly").fetchone()[0]
        for table, value in (
            ("marts.fct_media_weekly", "spend"),
            ("marts.fct_conversions_weekly", "conversions"),
        ):
            factor = scale if table.endswith("conversions_weekly") else 1.0
            for week in range(1, NEW_WEEKS + 1):
                conn.execute(
                    f"insert into {table} by name select * replace ("
                    f"week_start + interval {NEW_WEEKS * 7} day as week_start, "
                    f"{value} * {factor} as {value}) from {table} where week_start = ?",
                    [last - pd.Timedelta(weeks=NEW_WEEKS - week)],
                )


@pytest.mark.parametrize("scale", [1.0, 1.6])
def test_a_later_run_adds_the_weeks_delivered_since_and_keeps_the_fits_own(
    fitted: dict, tmp_path: Path, scale: float
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    _with_new_weeks(fitted["root"] / "warehouse.duckdb", warehouse, scale)
    with duckdb.connect(str(warehouse)) as conn:
        before = conn.execute("select * from mmm.forecast_accuracy order by all").df()
        (model,) = models_to_score(conn, fitted["root"] / "models")
        publish(conn, [rescored(model, 0.9, fitted["root"] / "models")])
        rows = conn.execute(
            "select * from mmm.forecast_accuracy where run_id = ? order by week_start",
            [model.run["run_id"]],
        ).df()
        others = conn.execute(
            "select * from mmm.forecast_accuracy where run_id != ? order by all",
            [model.run["run_id"]],
        ).df()
    assert model.run["status"] == "accepted"
    assert rows["horizon_weeks"].tolist() == list(range(1, 9 + NEW_WEEKS))
    fit_rows = before[before["run_id"] == model.run["run_id"]].sort_values("week_start")
    # The held-out weeks keep the forecast the fit was judged on; other runs are untouched.
    pd.testing.assert_frame_equal(
        rows.head(8).reset_index(drop=True), fit_rows.reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(
        others.reset_index(drop=True),
        before[before["run_id"] != model.run["run_id"]].reset_index(drop=True),
    )
    new = rows.tail(NEW_WEEKS)
    hits = int(new["in_interval"].sum())
    if scale == 1.0:  # the same world: the new weeks are forecast about as well
        assert not coverage_shortfall(NEW_WEEKS, hits, 0.9)
        assert np.mean(np.abs(new["forecast"] / new["actual"] - 1)) < 0.05
    else:  # demand jumped 60%: far more misses than a 90% interval allows
        assert coverage_shortfall(NEW_WEEKS, hits, 0.9)
