"""The model in force predicts held spend and sees actuals leave its interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmm_pipeline.attribution.demand import model_frame
from mmm_pipeline.modeling.drift import drift_message, trailing_misses
from mmm_pipeline.modeling.exposure import ExposureConfig
from mmm_pipeline.modeling.forecasts import predict_after
from mmm_pipeline.modeling.panel import ModelPanel, build_panel
from mmm_pipeline.modeling.posterior import contribution_draws
from mmm_pipeline.modeling.response import ResponseModel
from mmm_pipeline.modeling.runs import last_accepted, load_model_file
from mmm_pipeline.modeling.series import Series


def test_the_steady_state_response_is_the_models_own_prediction_of_held_spend(
    fitted: dict,
) -> None:
    path = (
        fitted["conn"]
        .execute("select artifact_path from mmm.model_runs where status = 'accepted'")
        .fetchall()[0][0]
    )
    mmm = load_model_file(path)
    response = ResponseModel.from_mmm(mmm)
    held = np.array([[900.0, 300.0], [400.0, 1200.0]])  # (geo, channel), weekly
    # Held for longer than the adstock window, so the last week is at steady state.
    weeks = pd.date_range("2026-01-05", periods=mmm.adstock.l_max + 4, freq="7D")
    frame = pd.DataFrame(
        [
            {"date": week, "geo": geo, **dict(zip(response.channels, held[g], strict=True))}
            for week in weeks
            for g, geo in enumerate(response.geos)
        ]
    )
    predicted = contribution_draws(mmm, frame).isel(date=-1).transpose("sample", "geo", "channel")
    np.testing.assert_allclose(response.contribution(held), predicted.values, rtol=1e-9)
    # The published marginal ROI is this curve's slope at the recent weekly spend.
    roi = (
        fitted["conn"]
        .execute(
            "select geo, channel, recent_weekly_spend, marginal_roi from mmm.channel_roi "
            "where geo != 'ALL'"
        )
        .df()
    )
    for row in roi.itertuples():
        g, c = response.geos.index(row.geo), response.channels.index(row.channel)
        spend = np.zeros((len(response.geos), len(response.channels)))
        spend[g, c] = row.recent_weekly_spend
        slope = np.median(response.slope(spend)[:, g, c])
        assert row.marginal_roi == pytest.approx(slope, rel=1e-9)


def test_actuals_leaving_the_predictive_interval_ask_for_a_rebuild(fitted: dict) -> None:
    conn = fitted["conn"]
    run = last_accepted(conn, Series("self_serve", "signup"))
    mmm = load_model_file(run["artifact_path"])
    panel = build_panel(conn, "self_serve", "signup", exposure=ExposureConfig())
    last = panel.frame["date"].max()
    assert drift_message(mmm, panel, model_frame(panel, mmm), last, 0.9) == ""

    # Four more weeks with the last four's spend, their actuals at what the model expects
    # of them (a copy of the last four's actuals carries their noise, which can sit at
    # the edge of a 90% interval), or at a multiple of it.
    recent = panel.frame[panel.frame["date"] > last - pd.Timedelta(weeks=4)].copy()
    recent["date"] = recent["date"] + pd.Timedelta(weeks=4)
    expected = predict_after(mmm, recent.drop(columns=["y"])).mean("sample")
    expected = expected.to_dataframe("expected").reset_index()
    recent = recent.merge(expected, on=["date", "geo"])

    def extended(factor: float) -> ModelPanel:
        weeks = recent.assign(y=recent["expected"] * factor).drop(columns=["expected"])
        frame = pd.concat([panel.frame, weeks], ignore_index=True)
        return ModelPanel(panel.segment, panel.outcome, frame, panel.channels, panel.controls)

    steady = extended(1.0)
    frame = model_frame(steady, mmm)
    assert drift_message(mmm, steady, frame, last, 0.9) == ""
    jumped = extended(2.0)
    message = drift_message(mmm, jumped, frame, last, 0.9)
    assert "the last 4 weeks of actuals lie outside the 90% predictive interval" in message
    assert "rebuild the model" in message


def test_trailing_misses_counts_only_the_unbroken_run_at_the_end() -> None:
    observed = np.array([5.0, 50.0, 5.0, 50.0, 50.0])
    assert trailing_misses(observed, np.zeros(5), np.full(5, 10.0)) == 2
    assert trailing_misses(observed[:3], np.zeros(3), np.full(3, 10.0)) == 0
