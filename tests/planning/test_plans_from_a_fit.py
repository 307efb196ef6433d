"""Planning from a real fit: curves, built-in scenarios, and ``mmm plan``."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from mmm_pipeline.cli import main
from mmm_pipeline.modeling.response import ResponseModel
from mmm_pipeline.modeling.runs import load_model
from mmm_pipeline.planning.experiment_design import CARRYOVER_SHARE
from tests.fitted_model import (
    materialized,
)


def test_planning_publishes_curves_and_the_built_in_scenarios(fitted: dict) -> None:
    conn = fitted["conn"]
    assert {"mmm/response_curves", "mmm/budget_allocation", "mmm/budget_scenarios"} <= (
        materialized(fitted["report"])
    )
    (falling,) = conn.execute(
        "select count(*) from (select contribution - lag(contribution) over ("
        "partition by geo, channel order by spend) as step from mmm.response_curves) "
        "where step < -1e-9"
    ).fetchall()[0]
    assert falling == 0
    scenarios = conn.execute("select * from mmm.budget_scenarios").df().set_index("scenario")
    assert set(scenarios.index) == {"same_budget", "budget_minus_20", "budget_plus_20"}
    same = scenarios.loc["same_budget"]
    assert same["budget"] == pytest.approx(same["current_budget"], rel=1e-6)
    assert same["gain"] >= -1e-6 and 0 <= same["probability_better"] <= 1
    allocation = conn.execute(
        "select * from mmm.budget_allocation where scenario = 'budget_minus_20' and geo != 'ALL'"
    ).df()
    assert allocation["proposed_spend"].sum() == pytest.approx(
        0.8 * allocation["current_spend"].sum(), rel=1e-6
    )
    assert (allocation["proposed_spend"] <= allocation["highest_spend_seen"] + 1e-6).all()


def test_mmm_plan_runs_a_scenario_file_and_explains_a_bad_one(
    fitted: dict,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.write_bytes((fitted["root"] / "warehouse.duckdb").read_bytes())
    # The copy's models stay where they were fitted: models load only from the data folder.
    monkeypatch.setenv("MMM_DATA_DIR", str(fitted["root"]))
    good = tmp_path / "good.yaml"
    good.write_text(
        "scenarios:\n"
        "  - name: keep_de\n    segment: self_serve\n    outcome: signup\n"
        "    budget_change: -0.1\n    geo_floors: {DE: {min_share: 0.4}}\n"
    )
    assert main(["plan", "--scenario", str(good), "--warehouse", str(warehouse)]) == 0
    assert "keep_de (self_serve signup)" in capsys.readouterr().out
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        rows = conn.execute(
            "select geo, sum(proposed_spend) from mmm.budget_allocation "
            "where scenario = 'keep_de' and geo != 'ALL' group by geo"
        ).fetchall()
    spend = dict(rows)
    assert spend["DE"] >= 0.4 * sum(spend.values()) - 1e-6
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "scenarios:\n  - name: x\n    segment: self_serve\n    outcome: signup\n"
        "    channels: {facebook: {max: 5}}\n"
    )
    assert main(["plan", "--scenario", str(bad), "--warehouse", str(warehouse)]) == 2
    assert "channels.facebook: not a channel of this model (meta, podcast)" in (
        capsys.readouterr().err
    )


def test_the_experiment_plan_proposes_tests_the_model_can_price(fitted: dict) -> None:
    conn = fitted["conn"]
    assert "mmm/experiment_plan" in materialized(fitted["report"])
    plan = conn.execute("select * from mmm.experiment_plan order by rank").df()
    assert plan["rank"].tolist() == list(range(1, len(plan) + 1))
    assert set(plan["channel"]) == {"meta", "podcast"}
    assert set(plan["design"]) == {"geo holdout", "geo scale-up"}
    # Two geos: one is tested, the other is the control.
    assert (~plan["geos"].str.contains(",")).all()
    # Meta was tested (EXP-1) and the plan says so.
    assert plan.loc[plan["channel"] == "meta", "reason"].str.contains("tested by EXP-1").all()
    holdout = plan[(plan["channel"] == "meta") & (plan["design"] == "geo holdout")].iloc[0]
    assert holdout["spend_change"] < 0 and holdout["expected_lift_high"] < 0
    # What the model says the test reads: its own steady-state response to the cut, every
    # test week, of which the read-out takes in CARRYOVER_SHARE or more.
    run = (
        conn.execute("select * from mmm.model_runs where run_id = ?", [holdout["run_id"]])
        .df()
        .iloc[0]
        .to_dict()
    )
    response = ResponseModel.from_mmm(load_model(run, fitted["root"] / "models"))
    geo, channel = response.geos.index(holdout["geos"]), response.channels.index("meta")
    recent = conn.execute(
        "select avg(spend) from (select spend from marts.fct_media_weekly where channel = "
        "'meta' and geo = ? order by week_start desc limit 13)",
        [holdout["geos"]],
    ).fetchone()[0]
    spend = np.zeros((len(response.geos), len(response.channels)))
    spend[geo, channel] = recent
    steady = response.contribution(spend)[:, geo, channel].mean()
    captured = holdout["expected_lift"] / (-holdout["test_weeks"] * steady)
    assert CARRYOVER_SHARE - 0.01 <= captured <= 1.0 + 1e-9
    # And the simulated truth (no carry-over), with the tolerance of this short fit.
    size = {"US": 1.0, "DE": 0.5}[holdout["geos"]]
    truth = -holdout["test_weeks"] * 150 * size * (1 - np.exp(-recent / (800 * size)))
    assert holdout["expected_lift"] == pytest.approx(truth, rel=0.25)
    assert holdout["spend_change"] == pytest.approx(-holdout["test_weeks"] * recent, rel=1e-6)
    assert 0 < holdout["power"] <= 1
    assert holdout["minimum_detectable_lift"] > 0
