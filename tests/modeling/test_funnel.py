"""The funnel from an upstream outcome to a downstream one (funnel.py).

Estimated from two observed weekly series, it must find the conversion rate and the
lag a hand-built pipeline was made with; the shares it hands the downstream model are
the upstream contributions times that rate; a downstream series is fitted after its
upstream one; and from the warehouse a downstream panel takes its prior from the
upstream model in force, and only then.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mmm_pipeline.modeling.funnel import (
    Funnel,
    estimate_funnel,
    funnel_shares,
    lag_weights,
    upstream_chain,
    upstream_first,
)
from mmm_pipeline.modeling.funnel_links import FUNNEL_LINK_COLUMNS, funnel_links
from mmm_pipeline.modeling.funnel_prior import read_funnel_prior
from mmm_pipeline.modeling.panel import DATE, GEO, TARGET, ModelPanel
from mmm_pipeline.modeling.specification import FunnelConfig

CONFIG = FunnelConfig()


def _series(rate: float, mean: float, sd: float, seed: int = 0) -> tuple[pd.DataFrame, ...]:
    """Weekly demo requests in two geos, and opportunities made from them by a gamma lag.

    Opportunities are Poisson around ``rate`` times the demo requests carried through
    the lag, plus an outbound level of 3 a week per geo.
    """
    rng = np.random.default_rng(seed)
    weeks = pd.date_range("2022-01-03", periods=150, freq="7D")
    weights = lag_weights(mean, sd, 26)
    demo_rows, pipeline_rows = [], []
    for geo, level in (("US", 40.0), ("GB", 20.0)):
        wave = 1 + 0.5 * np.sin(np.arange(150) / 6.0) + rng.uniform(0, 0.6, 150)
        demos = rng.poisson(level * wave)
        carried = np.convolve(demos, weights)[:150]
        pipeline = rng.poisson(rate * carried + 3.0)
        demo_rows.append(pd.DataFrame({"week_start": weeks, "geo": geo, "conversions": demos}))
        pipeline_rows.append(
            pd.DataFrame({"week_start": weeks, "geo": geo, "conversions": pipeline})
        )
    return pd.concat(demo_rows), pd.concat(pipeline_rows)


def test_the_funnel_finds_the_rate_and_the_lag_a_pipeline_was_made_with() -> None:
    demos, pipeline = _series(rate=0.35, mean=6.0, sd=3.0)
    funnel = estimate_funnel(pipeline, demos, "demo_request", max_lag=26)
    assert funnel is not None
    assert abs(funnel.rate - 0.35) < 3 * funnel.rate_se, funnel
    assert funnel.rate_se < 0.05
    assert abs(funnel.lag_mean - 6.0) <= 1.0, funnel
    # Outbound (3 a week per geo) is what the demo requests do not explain.
    assert 0.7 < funnel.through_share < 0.95, funnel


def test_a_downstream_series_unrelated_to_the_upstream_one_gets_no_funnel() -> None:
    demos, _ = _series(rate=0.35, mean=6.0, sd=3.0)
    _, unrelated = _series(rate=0.35, mean=6.0, sd=3.0, seed=7)
    # Anti-correlated: more demo requests, fewer opportunities.
    unrelated = unrelated.assign(conversions=200 - demos["conversions"].to_numpy())
    assert estimate_funnel(unrelated, demos, "demo_request", max_lag=26) is None


def test_lag_weights_are_a_binned_gamma_that_sums_to_one() -> None:
    weights = lag_weights(6.0, 3.0, 26)
    assert np.isclose(weights.sum(), 1.0)
    assert abs((weights * np.arange(27)).sum() - 6.0) < 0.2
    density = stats.gamma(4, scale=1.5).pdf  # mean 6, sd 3
    assert np.isclose(weights[6] / weights[3], density(6) / density(3), rtol=0.1)
    assert lag_weights(0.0, 1.0, 5).tolist() == [1, 0, 0, 0, 0, 0]


def test_each_channels_share_is_the_rate_times_its_upstream_contribution() -> None:
    funnel = Funnel("demo_request", 0.4, 0.04, 6.0, 3.0, 0.9)
    contributions = pd.DataFrame(
        {
            "channel": ["linkedin", "meta", "silent"],
            "contribution": [1000.0, 200.0, 0.0],
            "contribution_low": [800.0, 20.0, 0.0],
            "contribution_high": [1250.0, 2000.0, 0.0],
        }
    )
    shares, sigmas = funnel_shares(funnel, contributions, 2000.0, 0.9, 0.15, 1.0)
    assert shares == pytest.approx({"linkedin": 0.2, "meta": 0.04})
    z = stats.norm.ppf(0.95)
    linkedin = np.hypot(np.log(1250 / 800) / (2 * z), 0.1)
    assert sigmas["linkedin"] == pytest.approx(linkedin)
    # meta's interval spans a factor of 100: capped at max_sigma.
    assert sigmas["meta"] == 1.0


def test_a_downstream_series_is_fitted_after_its_upstream_one() -> None:
    series = [
        ("sales_led", "pipeline"),
        ("self_serve", "revenue"),
        ("sales_led", "demo_request"),
        ("self_serve", "order"),
        ("self_serve", "signup"),
    ]
    links = {("sales_led", "pipeline"): "demo_request", ("self_serve", "revenue"): "order"}
    ordered = upstream_first(series, links)
    assert ordered.index(("sales_led", "demo_request")) < ordered.index(("sales_led", "pipeline"))
    assert ordered.index(("self_serve", "order")) < ordered.index(("self_serve", "revenue"))


def test_a_series_fit_brings_its_whole_chain_up_to_date_from_the_top() -> None:
    links = {("b2b", "revenue"): "pipeline", ("b2b", "pipeline"): "lead"}
    assert upstream_chain(links, "b2b", "revenue") == ["lead", "pipeline"]
    assert upstream_chain(links, "b2b", "lead") == []
    assert upstream_chain(links, "other", "revenue") == []


def _warehouse(with_upstream_model: bool) -> duckdb.DuckDBPyConnection:
    demos, pipeline = _series(rate=0.35, mean=6.0, sd=3.0)
    conn = duckdb.connect()
    conn.execute("create schema marts; create schema mmm")
    rows = pd.concat(
        [
            demos.assign(segment="sales_led", outcome="demo_request"),
            pipeline.assign(segment="sales_led", outcome="pipeline"),
        ]
    )
    conn.register("rows", rows)
    conn.execute("create table marts.fct_conversions_weekly as select * from rows")
    # The data stage's links (funnel_links.py): demo requests have clicks, pipeline not.
    links = funnel_links(rows, [("sales_led", "demo_request")], CONFIG)
    conn.register("links", links[list(FUNNEL_LINK_COLUMNS)])
    conn.execute("create table mmm.funnel_links as select * from links")
    runs = pd.DataFrame(
        {
            "run_id": ["r1"],
            "segment": ["sales_led"],
            "outcome": ["demo_request"],
            "status": ["accepted" if with_upstream_model else "rejected"],
            "fitted_at": [pd.Timestamp("2025-01-01", tz="UTC")],
            "first_week": [demos["week_start"].min()],
            "last_week": [demos["week_start"].max()],
        }
    )
    conn.register("runs", runs)
    conn.execute("create table mmm.model_runs as select * from runs")
    roi = pd.DataFrame(
        {
            "run_id": ["r1", "r1"],
            "geo": ["ALL", "ALL"],
            "channel": ["linkedin", "meta"],
            "contribution": [3000.0, 600.0],
            "contribution_low": [2500.0, 300.0],
            "contribution_high": [3500.0, 900.0],
        }
    )
    conn.register("roi", roi)
    conn.execute("create table mmm.channel_roi as select * from roi")
    return conn


def _pipeline_panel() -> ModelPanel:
    _, pipeline = _series(rate=0.35, mean=6.0, sd=3.0)
    frame = pipeline.rename(columns={"week_start": DATE, "conversions": TARGET}).assign(
        linkedin=1.0, meta=1.0
    )
    return ModelPanel(
        "sales_led",
        "pipeline",
        frame[[DATE, GEO, TARGET, "linkedin", "meta"]],
        ["linkedin", "meta"],
        [],
    )


def test_a_downstream_panel_takes_its_prior_from_the_upstream_model_in_force() -> None:
    panel = _pipeline_panel()
    with_prior, funnel, run = read_funnel_prior(_warehouse(True), panel, 0.9, CONFIG)
    assert funnel is not None and funnel.upstream == "demo_request"
    assert run is not None and run["run_id"] == "r1"
    total = panel.frame[TARGET].sum()
    assert with_prior.prior_shares == pytest.approx(
        {"linkedin": funnel.rate * 3000 / total, "meta": funnel.rate * 600 / total}
    )
    assert set(with_prior.prior_share_sigmas) == {"linkedin", "meta"}


def test_without_an_accepted_upstream_model_the_panel_is_left_as_it_was() -> None:
    panel = _pipeline_panel()
    unchanged, funnel, run = read_funnel_prior(_warehouse(False), panel, 0.9, CONFIG)
    assert funnel is None and run is None and unchanged is panel
