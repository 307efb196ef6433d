"""Forecast scoring: CRPS, the weeks scored, and when coverage is too low to be luck."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats

from mmm_pipeline.modeling.forecasts import (
    accuracy_summary,
    coverage_shortfall,
    crps,
    scored_weeks,
)


def test_crps_of_draws_matches_the_normal_closed_form() -> None:
    draws = np.random.default_rng(0).normal(10.0, 2.0, 40_000)
    for actual in (10.0, 13.0, 4.0):
        z = (actual - 10.0) / 2.0
        exact = 2.0 * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))
        assert crps(draws, actual) == pytest.approx(exact, rel=0.02)
    # A sharper forecast that is right scores better; one that is wrong scores worse.
    sharp = np.random.default_rng(1).normal(10.0, 0.5, 40_000)
    assert crps(sharp, 10.0) < crps(draws, 10.0)
    assert crps(sharp, 16.0) > crps(draws, 16.0)


def _draws(weeks: pd.DatetimeIndex, centre: float) -> xr.DataArray:
    """Predictive draws of two geos whose total is centre +- about 1."""
    rng = np.random.default_rng(3)
    values = rng.normal(centre / 2, 0.5, (len(weeks), 2, 1000))
    return xr.DataArray(
        values, dims=("date", "geo", "sample"), coords={"date": weeks, "geo": ["US", "DE"]}
    )


def test_each_week_is_scored_on_the_total_with_its_horizon() -> None:
    weeks = pd.date_range("2024-03-04", periods=4, freq="7D")
    actual = pd.Series([100.0, 100.5, 130.0, np.nan], index=weeks)
    rows = scored_weeks(_draws(weeks, 100.0), actual, pd.Timestamp("2024-02-26"), 0.9)
    # The week without an actual is not scored; horizons count from the training end.
    assert rows["horizon_weeks"].tolist() == [1, 2, 3]
    assert rows["in_interval"].tolist() == [True, True, False]
    assert (rows["forecast_low"] < rows["forecast"]).all()
    assert rows["forecast"].to_numpy() == pytest.approx([100.0] * 3, abs=0.1)
    summary = accuracy_summary(rows.assign(segment="s", outcome="o", run_id="r"))
    (row,) = summary.itertuples()
    assert (row.weeks, row.inside, row.longest_horizon_weeks) == (3, 2, 3)
    assert row.mape == pytest.approx((0.0 + 0.005 + 30 / 130) / 3, abs=0.002)


def test_coverage_warns_only_when_far_below_its_level() -> None:
    assert coverage_shortfall(20, 12, 0.9)  # 60% inside a 90% interval: not luck
    assert not coverage_shortfall(20, 16, 0.9)  # 80%: happens by chance
    assert not coverage_shortfall(4, 0, 0.9)  # too few weeks to say
