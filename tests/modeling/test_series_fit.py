"""One series fitted through the real ``mmm_fit`` job: gates, publishing, the model in force."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from mmm_pipeline.modeling.runs import last_accepted, load_model_file
from mmm_pipeline.modeling.series import Series
from tests.fitted_model import (
    GEOS,
    IMPOSSIBLE,
    SERIES,
    TINY,
    materialized,
)


def test_a_fit_says_what_it_is_doing(fitted: dict) -> None:
    """The run log (UI and console) names the series and each phase of its fit, in order."""
    phases = ["reading inputs", "sampling 2 chains", "accepted", "publishing"]
    found = [
        next(i for i, message in enumerate(fitted["fit_log"]) if phase in message)
        for phase in phases
    ]
    assert found == sorted(found)
    assert all(SERIES in fitted["fit_log"][i] for i in (found[0], found[-1]))


def test_an_accepted_fit_publishes_every_table(fitted: dict) -> None:
    assert fitted["accepted"].success
    assert materialized(fitted["accepted"]) == {
        "mmm/model_runs",
        "mmm/channel_roi",
        "mmm/channel_parameters",
        "mmm/experiment_agreement",
    }
    runs = fitted["conn"].execute("select * from mmm.model_runs order by fitted_at").df()
    first = runs.iloc[0]
    assert first["status"] == "accepted" and first["reasons"] == ""
    assert first["max_rhat"] <= TINY.max_rhat and first["min_ess"] >= TINY.min_ess
    assert 0 <= first["holdout_mape"] < first["naive_mape"]


def test_the_strong_channel_is_found_and_geo_all_is_the_sum_of_geos(fitted: dict) -> None:
    roi = fitted["roi_before"].set_index(["geo", "channel"])
    for geo in GEOS:
        assert (
            roi.loc[(geo, "meta"), "contribution"] > 3 * roi.loc[(geo, "podcast"), "contribution"]
        )
    for column in ("contribution", "spend"):
        by_geo = roi.drop(index="ALL", level="geo")[column].groupby(level="channel").sum()
        assert roi.loc["ALL"][column].to_dict() == pytest.approx(by_geo.to_dict())
    meta = roi.loc[("ALL", "meta")]
    assert meta["contribution_low"] < meta["contribution"] < meta["contribution_high"]
    assert meta["contribution"] == pytest.approx(fitted["truth"]["meta"], rel=0.35)
    assert meta["roi_low"] <= meta["roi"] <= meta["roi_high"]
    # Diminishing returns: the next unit of spend earns less than the average one.
    assert meta["marginal_roi"] < meta["roi"]


def test_every_lift_test_is_compared_with_the_model(fitted: dict) -> None:
    agreement = fitted["conn"].execute("select * from mmm.experiment_agreement").df()
    (row,) = agreement.to_dict("records")
    assert row["experiment_id"] == "EXP-1" and row["channel"] == "meta"
    assert row["model_lift_low"] <= row["model_lift"] <= row["model_lift_high"] < 0
    assert row["agrees"] == (abs(row["z_score"]) <= 1.96)


def test_a_rejected_fit_is_recorded_and_changes_nothing_else(fitted: dict) -> None:
    assert materialized(fitted["rejected"]) == {"mmm/model_runs"}
    (check,) = [
        event.event_specific_data
        for event in fitted["rejected"].all_events
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ]
    assert not check.passed and "bulk ESS" in check.description
    runs = fitted["conn"].execute("select * from mmm.model_runs order by fitted_at").df()
    # The rejected refit was tried twice more (escalation.py), each try its own row.
    assert runs["status"].tolist() == ["accepted", "rejected", "rejected", "rejected"]
    assert runs["attempt_label"].tolist()[1:] == [
        "as configured",
        "longer sampling",
        "simpler specification",
    ]
    assert runs["draws"].tolist()[1:3] == [IMPOSSIBLE.draws, 2 * IMPOSSIBLE.draws]
    assert all("bulk ESS" in reasons for reasons in runs["reasons"].iloc[1:])
    assert runs["advice"].iloc[:3].isna().all() and "sampler" in runs["advice"].iloc[3]
    assert len(set(runs["artifact_path"])) == 4
    roi_after = fitted["conn"].execute("select * from mmm.channel_roi order by geo, channel").df()
    pd.testing.assert_frame_equal(roi_after, fitted["roi_before"])
    assert set(roi_after["run_id"]) == {runs["run_id"].iloc[0]}
    in_force = last_accepted(fitted["conn"], Series("self_serve", "signup"))
    assert in_force is not None and in_force["run_id"] == runs["run_id"].iloc[0]


def test_a_series_that_is_not_ready_is_not_fitted(fitted: dict) -> None:
    assert fitted["not_ready"].success
    assert materialized(fitted["not_ready"]) == set()
    fitted_series = fitted["conn"].execute("select distinct segment from mmm.model_runs").fetchall()
    assert fitted_series == [("self_serve",)]


def test_the_saved_model_loads_back_to_the_same_posterior(fitted: dict) -> None:
    path = (
        fitted["conn"]
        .execute("select artifact_path from mmm.model_runs where status = 'accepted'")
        .fetchall()[0][0]
    )
    assert Path(path).is_relative_to(fitted["root"] / "models")
    loaded = load_model_file(path)
    published = (
        fitted["conn"]
        .execute(
            "select geo, channel, adstock_alpha from mmm.channel_parameters where geo != 'ALL'"
        )
        .df()
    )
    alpha = loaded.idata.posterior["adstock_alpha"].mean(("chain", "draw"))
    for row in published.itertuples():
        expected = alpha.broadcast_like(loaded.idata.constant_data["channel_scale"])
        assert float(expected.sel(geo=row.geo, channel=row.channel)) == pytest.approx(
            row.adstock_alpha, rel=1e-12
        )
