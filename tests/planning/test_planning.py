"""Budget planning on hand-made response draws with answers known in advance."""

from pathlib import Path

import numpy as np
import pytest

from mmm_pipeline.modeling.response import ResponseModel
from mmm_pipeline.modeling.series import Series
from mmm_pipeline.planning.optimizer import BudgetProblem, InfeasibleBudget, optimise
from mmm_pipeline.planning.scenarios import (
    Scenario,
    ScenarioError,
    load_scenarios,
    validate_names,
)
from mmm_pipeline.planning.series_plan import SeriesPlanInputs, response_curves, run_scenario

GEOS, CHANNELS = ["BR", "US"], ["meta", "tv"]


def _response(beta: list[list[float]], rate: float = 1e-3, draws: int = 1) -> ResponseModel:
    """Every draw alike unless ``draws`` > 1 (then beta varies by +-10%)."""
    base = np.array(beta, dtype=float)[None]
    noise = 1 + 0.1 * np.random.default_rng(0).standard_normal((draws, 1, 1)) if draws > 1 else 1
    return ResponseModel(GEOS, CHANNELS, base * noise, np.full((draws, 2, 2), rate))


def _inputs(response: ResponseModel, current: float = 1000.0, seen: float = 5000.0):
    return SeriesPlanInputs(
        series=Series("self_serve", "signup"),
        run_id="r1",
        response=response,
        current=np.full((2, 2), current),
        seen_max=np.full((2, 2), seen),
        history=np.full((2, 2), 50 * current),
    )


def _split(result) -> dict[tuple[str, str], float]:
    rows = result.allocation[result.allocation["geo"] != "ALL"]
    return {(r.geo, r.channel): r.proposed_spend for r in rows.itertuples()}


def test_identical_curves_split_the_budget_evenly() -> None:
    problem = BudgetProblem(
        _response([[100, 100], [100, 100]]), 4000.0, np.zeros((2, 2)), np.full((2, 2), 1e4)
    )
    np.testing.assert_allclose(optimise(problem), np.full((2, 2), 1000.0), rtol=1e-4)


def test_same_budget_moves_money_to_the_better_cells_and_beats_the_current_plan() -> None:
    # US meta earns three times what anything else does.
    inputs = _inputs(_response([[100, 100], [300, 100]], draws=200))
    same = Scenario(name="same_budget", segment="self_serve", outcome="signup")
    result = run_scenario(inputs, same, 0.9)
    split = _split(result)
    assert sum(split.values()) == pytest.approx(4000.0)
    assert split[("US", "meta")] == max(split.values())
    assert result.summary["gain"] > 0 and result.summary["probability_better"] > 0.9
    assert result.summary["gain_low"] <= result.summary["gain"] <= result.summary["gain_high"]
    all_meta = result.allocation.query("geo == 'ALL' and channel == 'meta'").iloc[0]
    assert all_meta.proposed_spend == pytest.approx(split[("BR", "meta")] + split[("US", "meta")])


def test_floors_locks_and_bounds_hold_at_the_optimum() -> None:
    # Brazil earns little: without a floor it would get almost nothing.
    inputs = _inputs(_response([[20, 20], [300, 300]]))
    scenario = Scenario(
        name="protect_br",
        segment="self_serve",
        outcome="signup",
        total_budget=4000.0,
        channels={"tv": {"locked": True}, "meta": {"max": 2500.0}},
        geo_floors={"BR": {"min_share": 0.3}},
    )
    split = _split(run_scenario(inputs, scenario, 0.9))
    assert sum(split.values()) == pytest.approx(4000.0)
    assert split[("BR", "tv")] == pytest.approx(1000.0) and split[("US", "tv")] == pytest.approx(
        1000.0
    )
    assert split[("BR", "meta")] + split[("US", "meta")] <= 2500.0 + 1e-6
    assert split[("BR", "meta")] + split[("BR", "tv")] >= 0.3 * 4000.0 - 1e-6


def test_no_cell_goes_past_the_highest_spend_seen_unless_allowed() -> None:
    inputs = _inputs(_response([[100, 100], [900, 100]], rate=1e-4), seen=1500.0)
    capped = Scenario(name="a", segment="self_serve", outcome="signup", total_budget=4000.0)
    result = run_scenario(inputs, capped, 0.9)
    assert max(_split(result).values()) <= 1500.0 + 1e-6
    assert not result.allocation["is_extrapolated"].any()
    free = capped.model_copy(update={"allow_extrapolation": True})
    result = run_scenario(inputs, free, 0.9)
    assert _split(result)[("US", "meta")] > 1500.0
    assert "beyond the highest spend seen: US/meta" in result.summary["warnings"]
    more = Scenario(name="b", segment="self_serve", outcome="signup", total_budget=9000.0)
    result = run_scenario(inputs, more, 0.9)
    assert result.summary["budget"] == pytest.approx(6000.0)
    assert "3,000 is left unplaced" in result.summary["warnings"]


def test_impossible_constraints_are_explained() -> None:
    problem = BudgetProblem(
        _response([[1, 1], [1, 1]]),
        1000.0,
        np.full((2, 2), 400.0),
        np.full((2, 2), 500.0),
    )
    with pytest.raises(InfeasibleBudget, match="exceed the budget"):
        optimise(problem)


def test_response_curves_never_fall_and_their_slope_is_the_marginal_response() -> None:
    inputs = _inputs(_response([[100, 50], [300, 80]], draws=100))
    curves = response_curves(inputs, 0.9)
    for _, curve in curves.groupby(["geo", "channel"]):
        for column in ("contribution", "contribution_low", "contribution_high"):
            assert (np.diff(curve[column].to_numpy()) >= -1e-12).all()
        assert curve["spend"].max() == pytest.approx(
            2 * curve.query("not is_beyond_seen")["spend"].max(), rel=0.1
        )
    us_meta = curves.query("geo == 'US' and channel == 'meta'")
    spend, value = us_meta["spend"].to_numpy(), us_meta["contribution"].to_numpy()
    numeric = np.gradient(value, spend)
    # Median of slopes against the slope of the mean: close for a +-10% spread.
    np.testing.assert_allclose(us_meta["marginal_response"], numeric, rtol=0.05, atol=1e-4)
    assert set(curves["geo"]) == {"BR", "US", "ALL"}


def test_a_bad_scenario_file_lists_every_mistake_with_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(
        """
scenarios:
  - name: q3 plan
    segment: self_serve
    outcome: signup
    total_budget: -5
    budget_change: 0.1
    channels:
      meta: {min: 900, max: 100}
      tv: {locked: true, max: 10}
    geo_floors:
      BR: {min_share: 0.1, min_spend: 10}
    colour: blue
"""
    )
    with pytest.raises(ScenarioError) as raised:
        load_scenarios(path)
    message = str(raised.value)
    for expected in (
        "scenarios.0.name",
        "scenarios.0.total_budget",
        "min 900 is above max 100",
        "a locked channel keeps its current spend",
        "give exactly one of min_spend and min_share",
        "scenarios.0.colour",
    ):
        assert expected in message
    path.write_text("scenarios: [")
    with pytest.raises(ScenarioError, match="cannot read it as YAML"):
        load_scenarios(path)


def test_scenario_names_are_checked_against_the_model() -> None:
    scenario = Scenario(
        name="x",
        segment="self_serve",
        outcome="signup",
        channels={"facebook": {"max": 10.0}},
        geo_floors={"FR": {"min_spend": 1.0}},
    )
    mistakes = validate_names(scenario, 0, {("self_serve", "signup")}, GEOS, CHANNELS)
    assert mistakes == [
        "scenarios.0 (x).channels.facebook: not a channel of this model (meta, tv)",
        "scenarios.0 (x).geo_floors.FR: not a geo of this model (BR, US)",
    ]
    other = scenario.model_copy(update={"outcome": "order"})
    (mistake,) = validate_names(other, 0, {("self_serve", "signup")}, GEOS, CHANNELS)
    assert "no accepted model for self_serve/order" in mistake
