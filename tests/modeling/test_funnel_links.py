"""Funnels found from the data, whatever the outcomes are called (funnel_links.py).

A series made from another by a lag is linked to it, under any names; a series that
only shares the calendar is not; an outcome with clicks of its own is never a
downstream; model.yaml declares or forbids; and links never make a cycle.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm_pipeline.modeling.funnel import lag_weights
from mmm_pipeline.modeling.funnel_links import LINKED, NOT_LINKED, funnel_links, linked_upstreams
from mmm_pipeline.modeling.specification import FunnelConfig

WEEKS = 156
CONFIG = FunnelConfig()


def _weekly(segment: str, outcome: str, values: dict[str, np.ndarray]) -> pd.DataFrame:
    weeks = pd.date_range("2022-01-03", periods=WEEKS, freq="7D")
    return pd.concat(
        pd.DataFrame(
            {
                "week_start": weeks,
                "geo": geo,
                "segment": segment,
                "outcome": outcome,
                "conversions": v,
            }
        )
        for geo, v in values.items()
    )


def _business(seed: int = 0) -> dict[str, dict[str, np.ndarray]]:
    """Per outcome and geo: leads, opportunities made from them, and a bystander.

    ``oportunidad`` (Spanish for opportunity) is 0.3 of the leads 6 weeks later, plus
    outbound; ``renewals`` is its own process with the same seasonality as the leads.
    """
    rng = np.random.default_rng(seed)
    weights = lag_weights(6.0, 3.0, 26)
    season = 1 + 0.3 * np.sin(2 * np.pi * np.arange(WEEKS) / 52)
    series: dict[str, dict[str, np.ndarray]] = {"lead": {}, "oportunidad": {}, "renewals": {}}
    for geo, level in (("US", 60.0), ("GB", 30.0), ("DE", 20.0)):
        bursts = rng.gamma(2.0, 0.5, WEEKS)
        leads = rng.poisson(level * season * bursts)
        series["lead"][geo] = leads
        carried = np.convolve(leads, weights)[:WEEKS]
        series["oportunidad"][geo] = rng.poisson(0.3 * carried + 4.0)
        series["renewals"][geo] = rng.poisson(0.3 * level * season)
    return series


def _frame(series: dict[str, dict[str, np.ndarray]], segment: str = "sales") -> pd.DataFrame:
    return pd.concat(_weekly(segment, outcome, values) for outcome, values in series.items())


def test_a_series_made_from_another_is_linked_to_it_under_any_names() -> None:
    table = funnel_links(_frame(_business()), [("sales", "lead")], CONFIG)
    assert linked_upstreams(table) == {("sales", "oportunidad"): "lead"}
    row = table[(table["outcome"] == "oportunidad") & (table["upstream"] == "lead")].iloc[0]
    assert row["heldout_error_ratio"] < 1.0 and row["folds"] == CONFIG.folds
    assert abs(row["lag_mean_weeks"] - 6.0) <= 1.5
    assert abs(row["rate"] - 0.3) < 3 * row["rate_se"]
    # The bystander shares the leads' season but is not made from them.
    renewals = table[table["outcome"] == "renewals"]
    assert set(renewals["decision"]) == {NOT_LINKED}
    assert renewals["reason"].notna().all()


def test_an_outcome_with_clicks_of_its_own_is_never_a_downstream() -> None:
    clicked = [("sales", "lead"), ("sales", "oportunidad")]
    table = funnel_links(_frame(_business()), clicked, CONFIG)
    assert "oportunidad" not in set(table["outcome"])
    assert linked_upstreams(table) == {}


def test_model_yaml_declares_a_link_or_forbids_one() -> None:
    frame = _frame(_business())
    declared = FunnelConfig(downstream_of={"renewals": "lead"})
    table = funnel_links(frame, [("sales", "lead")], declared)
    assert linked_upstreams(table)[("sales", "renewals")] == "lead"
    reason = table[(table["outcome"] == "renewals") & (table["decision"] == LINKED)]["reason"]
    assert reason.iloc[0].startswith("declared in model.yaml")
    forbidden = FunnelConfig(downstream_of={"oportunidad": "none"})
    table = funnel_links(frame, [("sales", "lead")], forbidden)
    assert ("sales", "oportunidad") not in linked_upstreams(table)


def test_links_never_make_a_cycle_and_stay_within_a_segment() -> None:
    """Two outcomes without clicks each predict the other: only one way is linked."""
    series = _business()
    frame = pd.concat([_frame(series), _frame({"lead": series["lead"]}, segment="other")])
    table = funnel_links(frame, [("sales", "lead"), ("other", "lead")], CONFIG)
    links = linked_upstreams(table)
    assert links[("sales", "oportunidad")] == "lead"
    for (segment, outcome), upstream in links.items():
        assert links.get((segment, upstream)) != outcome
        assert segment == "sales"
    assert set(table["segment"]) == {"sales"}
