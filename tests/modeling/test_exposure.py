"""A channel's media is its impressions where they are delivered and their cost moves.

The weeks may overrule that only with clear evidence; totals stay the spend's, so what
is priced in spend (priors, ROI) is unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmm_pipeline.modeling.exposure import (
    IMPRESSIONS,
    SPEND,
    ExposureConfig,
    choose_exposure,
    exposure_frame,
)
from mmm_pipeline.modeling.panel import ModelPanel
from mmm_pipeline.modeling.response import ResponseModel

GEOS = ("DE", "US")
WEEKS = 156


def _panel(seed: int, follows: str, cpm_sd: float):
    """Two geos x three years of ``meta`` with impressions and ``tv`` without.

    Meta's cost per impression moves by ``cpm_sd`` (sd of its log); the outcome follows
    meta's ``follows`` plus tv, with little noise.
    """
    rng = np.random.default_rng(seed)
    index = pd.MultiIndex.from_product(
        [pd.date_range("2022-01-03", periods=WEEKS, freq="7D"), GEOS], names=["date", "geo"]
    )
    size = np.tile([1.0, 3.0], WEEKS)
    spend = pd.DataFrame(
        {
            "meta": 1000 * size * rng.lognormal(0, 0.4, len(index)),
            "tv": 2000 * size * (rng.random(len(index)) > 0.5),
        },
        index=index,
    )
    cost = 0.01 * rng.lognormal(0, cpm_sd, len(index))
    impressions = pd.DataFrame({"meta": spend["meta"] / cost, "tv": np.nan}, index=index)
    driver = spend["meta"] if follows == SPEND else impressions["meta"] * 0.01
    target = 500 * size + 0.5 * driver + 0.2 * spend["tv"] + rng.normal(0, 5, len(index))
    return target, spend, impressions, pd.DataFrame(index=index)


def test_impressions_whose_cost_moves_are_read_and_keep_the_spend_total() -> None:
    target, spend, impressions, controls = _panel(1, IMPRESSIONS, 0.3)
    choices = choose_exposure(target, spend, impressions, controls, ExposureConfig())
    assert choices["meta"].measure == IMPRESSIONS
    assert choices["meta"].spend_error_ratio > 1.0
    assert choices["tv"].measure == SPEND
    assert choices["tv"].basis.startswith("no impressions delivered")
    exposure = exposure_frame(spend, impressions, choices)
    by_geo = exposure.groupby(level="geo").sum()
    pd.testing.assert_frame_equal(by_geo, spend.groupby(level="geo").sum())
    # In each geo, exposure is proportional to impressions, not to spend.
    ratio = (exposure["meta"] / impressions["meta"]).groupby(level="geo").std()
    assert (ratio < 1e-9).all()
    assert exposure["tv"].equals(spend["tv"])
    # A week the export missed keeps its spend, and the total is still the spend's.
    gap = impressions.copy()
    gap.iloc[10, 0] = np.nan
    patched = exposure_frame(spend, gap, choices)
    assert patched["meta"].iloc[10] == spend["meta"].iloc[10]
    pd.testing.assert_frame_equal(
        patched.groupby(level="geo").sum(), spend.groupby(level="geo").sum()
    )


def test_the_weeks_overrule_impressions_where_spend_clearly_predicts_better() -> None:
    target, spend, impressions, controls = _panel(2, SPEND, 0.3)
    choice = choose_exposure(target, spend, impressions, controls, ExposureConfig())["meta"]
    assert choice.measure == SPEND
    assert choice.spend_error_ratio < ExposureConfig().max_error_ratio


def test_a_steady_cost_per_impression_reads_spend_without_a_comparison() -> None:
    target, spend, impressions, controls = _panel(3, IMPRESSIONS, 0.01)
    choice = choose_exposure(target, spend, impressions, controls, ExposureConfig())["meta"]
    assert choice.measure == SPEND
    assert choice.basis.startswith("cost per impression steady")
    assert choice.cpm_variation == pytest.approx(0.01, abs=0.003)
    assert choice.spend_error_ratio is None


def test_impressions_missing_for_much_of_the_spend_or_set_off_read_spend() -> None:
    target, spend, impressions, controls = _panel(4, IMPRESSIONS, 0.3)
    gaps = impressions.copy()
    gaps.iloc[: WEEKS // 2, 0] = np.nan
    partial = choose_exposure(target, spend, gaps, controls, ExposureConfig())["meta"]
    assert (partial.measure, partial.basis[:22]) == (SPEND, "impressions incomplete")
    config = ExposureConfig(measure=SPEND)
    assert {
        c.measure for c in choose_exposure(target, spend, impressions, controls, config).values()
    } == {SPEND}


def test_spend_buys_the_models_media_at_the_recent_cost() -> None:
    # Impressions cost twice their average lately: a unit of spend buys half a unit of
    # the model's exposure, so the curve in spend is the exposure curve stretched by 2.
    dates = pd.date_range("2024-01-01", periods=4, freq="7D")
    frame = pd.DataFrame({"date": dates, "geo": "US", "meta": [150.0, 150.0, 50.0, 50.0]})
    spend = frame.assign(meta=100.0)
    panel = ModelPanel("s", "o", frame, ["meta"], [], spend=spend)
    per_money = panel.exposure_per_money(2)
    assert per_money.loc["US", "meta"] == pytest.approx(0.5)
    response = ResponseModel(["US"], ["meta"], np.array([[[10.0]]]), np.array([[[0.01]]]))
    priced = response.priced(per_money)
    assert priced.contribution(np.array([[200.0]])) == pytest.approx(
        response.contribution(np.array([[100.0]]))
    )
    assert priced.slope(np.array([[200.0]])) == pytest.approx(
        0.5 * response.slope(np.array([[100.0]]))
    )
