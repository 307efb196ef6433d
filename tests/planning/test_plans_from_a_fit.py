"""Planning from a real fit: curves, built-in scenarios, and ``mmm plan``."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from mmm_pipeline.cli import main
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
