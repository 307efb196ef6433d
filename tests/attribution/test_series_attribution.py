"""One series' attribution: Word of Mouth from a biased survey, MMM credit, conservation."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from mmm_pipeline.attribution.all_series import AttributionSources, SeriesSources, coverage_gaps
from mmm_pipeline.attribution.series_attribution import series_attribution
from mmm_pipeline.attribution.word_of_mouth import wom_share_draws
from mmm_pipeline.modeling.panel import ModelPanel
from mmm_pipeline.modeling.series import Series

SERIES = Series("self_serve", "signup")
WEEKS = pd.date_range("2025-01-06", periods=4, freq="7D")
POOL = ["branded_search", "direct"]
# Direct converters answer half the time, Branded Search clickers a fifth of the time:
# 40% of Direct's answers name a friend, 5% of Branded Search's.
SURVEY = pd.DataFrame(
    {
        "geo": ["US", "US", "US"],
        "channel": ["direct", "branded_search", "meta"],
        "responses": [200.0, 800.0, 100.0],
        "wom_responses": [80.0, 40.0, 0.0],
    }
)
# Per week: 100 Direct, 1000 Branded Search, 100 Meta last clicks, 1 per unit value.
LAST_CLICK = {"direct": 100.0, "branded_search": 1000.0, "meta": 100.0}


def _clicks() -> pd.DataFrame:
    rows = [
        (week.date(), "US", "self_serve", "signup", "last_click", channel, n, 2.0 * n)
        for week in WEEKS
        for channel, n in LAST_CLICK.items()
    ]
    columns = ["week_start", "geo", "segment", "outcome", "model", "channel"]
    return pd.DataFrame(rows, columns=[*columns, "conversions", "value"])


def _observed() -> pd.DataFrame:
    total = sum(LAST_CLICK.values())
    return pd.DataFrame(
        {"week_start": WEEKS.date, "geo": "US", "conversions": total, "value": 2.0 * total}
    )


def _demand(meta: float, spread: float = 10.0, channel: str = "meta"):
    def draws(samples: int) -> xr.DataArray:
        rng = np.random.default_rng(0)
        values = meta + spread * rng.standard_normal((samples, len(WEEKS), 1, 1))
        return xr.DataArray(
            values,
            dims=("sample", "date", "geo", "channel"),
            coords={"date": WEEKS, "geo": ["US"], "channel": [channel]},
        )

    return draws


def _totals(weekly: pd.DataFrame, model: str) -> pd.Series:
    return weekly[weekly["model"] == model].groupby("channel")["conversions"].sum()


def test_word_of_mouth_is_estimated_per_converting_channel_not_from_raw_respondents() -> None:
    result = series_attribution(SERIES, _observed(), _clicks(), SURVEY, POOL, 0.9)
    wom = _totals(result.weekly, "last_click")["word_of_mouth"] / len(WEEKS)
    # Stratified: 40% of 100 Direct + 5% of 1000 Branded Search = 90 a week. Raw
    # respondents (120 of 1100 answers name a friend) would say 131.
    assert wom == pytest.approx(90, abs=3)


def test_word_of_mouth_share_draws_shrink_a_thin_geo_towards_the_channel() -> None:
    counts = pd.DataFrame(
        {
            "geo": ["US", "DE"],
            "channel": ["direct", "direct"],
            "responses": [1000.0, 2.0],
            "wom_responses": [300.0, 2.0],
        }
    )
    shares = wom_share_draws(counts, ["DE", "US"], ["direct"], 4000, np.random.default_rng(1))
    us, de = shares[:, 1, 0].mean(), shares[:, 0, 0].mean()
    assert us == pytest.approx(0.3, abs=0.01)
    # Two answers out of two would say 100%; 20 pseudo-answers at ~30% pull it down.
    assert de == pytest.approx((2 + 20 * 302 / 1002) / 22, abs=0.01)


def test_mmm_moves_unclaimed_demand_and_every_model_conserves_each_cell() -> None:
    result = series_attribution(
        SERIES, _observed(), _clicks(), SURVEY, POOL, 0.9, demand=_demand(400.0), run_id="r1"
    )
    weekly = result.weekly
    assert set(weekly["model"]) == {"last_click", "mmm"}
    observed = _observed().set_index("week_start")["conversions"]
    for _, cell in weekly.groupby(["model", "week_start"]):
        week = cell["week_start"].iloc[0]
        assert cell["conversions"].sum() == pytest.approx(observed[week], abs=1e-6)
        assert cell["value"].sum() == pytest.approx(2 * observed[week], abs=1e-6)
    mmm = weekly[weekly["model"] == "mmm"].set_index(["week_start", "channel"])
    # Meta caused about 400 a week; clicks gave it 100: the pool pays the difference.
    meta = mmm.xs("meta", level="channel")
    assert meta["conversions"].mean() == pytest.approx(400, abs=5)
    assert (meta["conversions_low"] < meta["conversions"]).all()
    assert (meta["conversions"] < meta["conversions_high"]).all()
    shift = result.shift.set_index("channel")
    assert shift.loc["meta", "direction"] == "up"
    assert shift.loc["meta", "is_credible"]
    assert shift.loc["branded_search", "direction"] == "down"
    assert shift.loc["word_of_mouth", "last_click_share"] == 0
    assert shift.loc["word_of_mouth", "mmm_share"] > 0.05


def test_outcomes_without_clicks_start_under_baseline() -> None:
    result = series_attribution(
        SERIES, _observed(), _clicks().iloc[0:0], SURVEY.iloc[0:0], POOL, 0.9, _demand(300.0)
    )
    totals = _totals(result.weekly, "mmm") / len(WEEKS)
    assert totals["meta"] == pytest.approx(300, abs=5)
    assert totals["baseline"] == pytest.approx(1200 - 300, abs=5)
    assert result.shift.empty


def test_a_channel_paid_in_only_a_few_draws_keeps_its_mean_in_the_cell() -> None:
    # TikTok (no clicks) has positive demand in about 2% of draws: its credit has a zero
    # interval but a positive mean, which the week's total needs.
    demand = _demand(-20.0, channel="tiktok")
    result = series_attribution(
        SERIES, _observed(), _clicks(), SURVEY, POOL, 0.9, demand=demand, run_id="r1"
    )
    mmm = result.weekly[result.weekly["model"] == "mmm"]
    assert mmm.groupby("week_start")["conversions"].sum().to_numpy() == pytest.approx(
        [sum(LAST_CLICK.values())] * len(WEEKS), abs=1e-9
    )


def test_a_geo_or_channel_the_model_never_saw_asks_for_a_refit() -> None:
    frame = pd.DataFrame({"date": WEEKS[:1].repeat(2), "geo": ["US", "BR"], "y": [1.0, 1.0]})
    panel = ModelPanel("self_serve", "signup", frame, ["meta", "tiktok"], [])
    run = {"run_id": "r1", "geos": "US", "channels": "meta"}
    source = SeriesSources(SERIES, _observed(), _clicks(), SURVEY, run, panel)
    (gap,) = coverage_gaps(AttributionSources([source], POOL))
    assert "geos BR; channels tiktok" in gap and "refit this series" in gap
    covered = {**run, "geos": "BR,US", "channels": "meta,tiktok"}
    source = SeriesSources(SERIES, _observed(), _clicks(), SURVEY, covered, panel)
    assert coverage_gaps(AttributionSources([source], POOL)) == []


def test_a_ready_series_without_a_model_asks_for_a_fit() -> None:
    new_series = SeriesSources(SERIES, _observed(), _clicks(), SURVEY, None, None, ready=True)
    (gap,) = coverage_gaps(AttributionSources([new_series], POOL))
    assert "no model in force" in gap and f"mmm_fit partition {SERIES.key}" in gap
    not_ready = SeriesSources(SERIES, _observed(), _clicks(), SURVEY, None, None, ready=False)
    assert coverage_gaps(AttributionSources([not_ready], POOL)) == []


def test_credit_is_scaled_onto_the_marts_rounded_totals() -> None:
    # The mart rounds value to 1/100 of a cent; credit summed from conversions differs
    # from it in the last digits and must add up to the mart's figure.
    clicks = _clicks()
    clicks["value"] = clicks["value"] + 1e-5
    observed = _observed()
    result = series_attribution(SERIES, observed, clicks, SURVEY.iloc[0:0], POOL, 0.9)
    totals = result.weekly.groupby("week_start")["value"].sum().to_numpy()
    np.testing.assert_allclose(totals, observed["value"].to_numpy(), rtol=0, atol=1e-9)
