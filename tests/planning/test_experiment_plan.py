"""The next lift tests: what a test would measure, whether it could, and their order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmm_pipeline.modeling.response import ResponseModel
from mmm_pipeline.modeling.results import LEVEL_FROM_PRIOR, LEVEL_FROM_TESTS
from mmm_pipeline.modeling.series import Series
from mmm_pipeline.planning.experiment_design import (
    POWER_TARGET,
    RecallLevel,
    SeriesTestInputs,
    carryover_weeks,
    detection,
    expected_lift,
    window_ramp,
)
from mmm_pipeline.planning.experiment_plan import bought_nationally, series_experiment_plan

SAMPLES = 400


def _geometric(alpha: float, horizon: int = 12) -> np.ndarray:
    weights = alpha ** np.arange(horizon)
    return np.tile(np.cumsum(weights / weights.sum()), (SAMPLES, 1))


def test_every_unit_of_spend_is_passed_on_once_the_carryover_is_counted() -> None:
    cumulative = _geometric(0.6)
    ramp = window_ramp(cumulative, test_weeks=4, readout_weeks=4 + 12)
    # Over a read-out that covers the whole kernel, 4 weeks of change pass on 4 weeks.
    assert ramp.sum(axis=1) == pytest.approx(np.full(SAMPLES, 4.0))
    # Without carry-over, the change is felt in the test weeks only.
    flat = window_ramp(np.ones((SAMPLES, 12)), 4, 8)
    assert flat[0].tolist() == [1, 1, 1, 1, 0, 0, 0, 0]
    assert carryover_weeks(cumulative) == int(np.argmax(cumulative[0] >= 0.9))
    assert carryover_weeks(np.ones((SAMPLES, 12))) == 0


def _response(beta: np.ndarray, rate: np.ndarray, geos: list[str], channels: list[str]):
    shape = (SAMPLES, len(geos), len(channels))
    return ResponseModel(
        geos, channels, np.broadcast_to(beta, shape).copy(), np.broadcast_to(rate, shape).copy()
    )


def test_the_expected_lift_of_a_holdout_is_the_response_it_removes() -> None:
    response = _response(np.array([[100.0]]), np.array([[1e-5]]), ["US"], ["meta"])
    current, cut = np.array([1000.0]), np.array([-1000.0])
    lift = expected_lift(response, _geometric(0.5), 0, current, cut, 4, 4 + 12)
    # Near-linear response: 4 weeks of 1,000 less at 100 * 1e-5 / 2 per unit, all counted.
    assert lift == pytest.approx(np.full(SAMPLES, -4 * 1000 * 100 * 1e-5 / 2), rel=0.01)


def test_power_is_the_target_at_the_minimum_detectable_lift_and_the_error_rate_at_zero() -> None:
    noise = np.array([10.0, 10.0])
    probe = detection(np.zeros(SAMPLES), noise, 8, 0.9)
    at_mdl = detection(np.full(SAMPLES, probe.minimum_detectable_lift), noise, 8, 0.9)
    assert at_mdl.power == pytest.approx(POWER_TARGET, abs=0.01)
    assert probe.power == pytest.approx(0.1, abs=0.01)  # a 90% interval excludes 0 by chance
    assert probe.standard_error == pytest.approx(np.sqrt(2 * 8 * 200))


def test_a_channel_bought_nationally_keeps_its_geo_shares() -> None:
    weeks = pd.date_range("2024-01-01", periods=10, freq="7D")
    rng = np.random.default_rng(0)
    total = rng.uniform(100, 200, 10)
    frame = pd.concat(
        [
            pd.DataFrame(
                {"date": weeks, "geo": geo, "tv": total * share, "meta": rng.uniform(0, 50, 10)}
            )
            for geo, share in (("US", 0.7), ("DE", 0.3))
        ]
    )
    assert bought_nationally(frame, ["tv", "meta"], ["US", "DE"]) == {"tv"}
    assert bought_nationally(frame, ["tv", "meta"], ["US"]) == {"tv", "meta"}


def _inputs(
    tested: dict[str, list[str]], roi: pd.DataFrame, recall: RecallLevel | None = None
) -> SeriesTestInputs:
    geos, channels = ["US", "DE", "FR", "UK"], ["meta", "youtube", "podcast", "tv"]
    beta = np.array([[400.0, 300.0, 20.0, 300.0]] * 4)
    rate = np.full((4, 4), 1 / 5000)
    current = np.array([[3000.0, 2000.0, 200.0, 1000.0]] * 4)
    cumulative = np.stack([_geometric(a) for a in (0.3, 0.6, 0.5, 0.8)], axis=1)
    return SeriesTestInputs(
        series=Series("self_serve", "signup"),
        run_id="r1",
        response=_response(beta, rate, geos, channels),
        cumulative=cumulative,
        noise=np.full(4, 15.0),
        current=current,
        national=frozenset({"tv"}),
        roi=roi,
        moves={"meta": -0.3, "youtube": 0.4},
        tested=tested,
        recall=recall,
    )


ROI = pd.DataFrame(
    {
        "channel": ["meta", "youtube", "podcast", "tv"],
        "spend": [3000.0, 2000.0, 200.0, 1000.0],
        "roi": [1.0, 1.0, 1.0, 1.0],
        "roi_low": [0.8, 0.2, 0.1, 0.3],
        "roi_high": [1.2, 2.5, 2.5, 1.9],
    }
)


def test_tests_rank_by_what_they_would_change_and_say_what_they_cannot_see() -> None:
    plan = series_experiment_plan(_inputs({}, ROI), 0.9)
    assert plan["rank"].tolist() == list(range(1, len(plan) + 1))
    assert len(plan) == 8  # two designs per channel
    # Much spend, a wide interval and a budget the optimizer moves: YouTube first, its
    # more powerful design (the holdout) before the other.
    assert plan.iloc[0][["channel", "design"]].tolist() == ["youtube", "geo holdout"]
    # TV is bought nationally: it can only be paused or burst, in every geo.
    tv = plan[plan["channel"] == "tv"]
    assert set(tv["design"]) == {"time-based pause", "time-based burst"}
    assert (tv["geos"] == "DE,FR,UK,US").all() or (tv["geos"].str.count(",") == 3).all()
    # Geo tests leave at least half the geos as control.
    geo_tests = plan[plan["design"].str.startswith("geo")]
    assert (geo_tests["geos"].str.count(",") + 1 <= 2).all()
    # A holdout removes spend and expects to lose outcome; its weeks include carry-over.
    holdout = plan[plan["design"] == "geo holdout"].iloc[0]
    assert holdout["spend_change"] < 0 and holdout["expected_lift_high"] < 0
    assert holdout["weeks"] > holdout["test_weeks"]
    # Podcast's lift is too small for this noise: flagged, with what would make it visible.
    podcast = plan[plan["channel"] == "podcast"]
    assert not podcast["detectable"].any()
    assert podcast["reason"].str.contains("detectable with|not detectable").all()
    assert plan.loc[plan["detectable"], "power"].min() >= POWER_TARGET


def test_a_channel_already_pinned_down_by_a_test_ranks_below_untested_ones() -> None:
    def rank(plan: pd.DataFrame, channel: str) -> int:
        return int(plan.loc[plan["channel"] == channel, "rank"].min())

    roi = ROI.assign(roi_low=[0.7, 0.2, 0.1, 0.3], roi_high=[1.3, 2.5, 2.5, 1.9])
    untested = series_experiment_plan(_inputs({}, roi), 0.9)
    # Meta's interval is narrow (0.7 to 1.3): once a test measured it, it goes down.
    tested = series_experiment_plan(_inputs({"meta": ["E1"]}, roi), 0.9)
    assert rank(tested, "meta") > rank(untested, "meta")
    assert tested[tested["channel"] == "meta"]["reason"].str.contains("tested by E1").all()
    # YouTube's interval is still wide after a test: it keeps its place.
    still_wide = series_experiment_plan(_inputs({"youtube": ["E2"]}, roi), 0.9)
    assert rank(still_wide, "youtube") == rank(untested, "youtube") == 1
    assert still_wide[still_wide["channel"] == "youtube"]["reason"].str.contains("still wide").all()


def test_a_survey_recall_nothing_measures_puts_a_surveyed_channels_test_first() -> None:
    # Podcast and TV are surveyed; YouTube would rank first on spend, width and move.
    surveyed = frozenset({"podcast", "tv"})
    open_level = RecallLevel(surveyed, 0.6, 0.25, 1.5, LEVEL_FROM_PRIOR)
    plan = series_experiment_plan(_inputs({}, ROI, open_level), 0.9)
    # Podcast's lift cannot be detected, so TV's test is the one that measures the level.
    first = plan.iloc[0]
    assert first["channel"] == "tv"
    assert "survey's recall" in first["reason"] and "0.25 to 1.50" in first["reason"]
    assert not plan.loc[plan["channel"] != "tv", "reason"].str.contains("recall").any()
    # Once a lift test on a surveyed channel measures the level, the usual order holds.
    measured = RecallLevel(surveyed, 0.6, 0.5, 0.7, LEVEL_FROM_TESTS)
    tested = series_experiment_plan(_inputs({"podcast": ["E3"]}, ROI, measured), 0.9)
    assert tested.iloc[0]["channel"] == "youtube"
    assert not tested["reason"].str.contains("recall").any()
