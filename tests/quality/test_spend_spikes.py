"""Spend spikes: planned flighting stays quiet, the errors the check exists for do not.

Daily export rows are made by hand (the shape of ``int_ad_spend_mapped``) and summed to
weeks the way ``fct_media_weekly`` sums them, so each case controls what came with the
spend: a planned burst buys impressions at its usual cost, a currency mix-up or a
duplicated export does not.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from mmm_pipeline.quality.spend_spikes import spend_spikes
from mmm_pipeline.quality.thresholds import QualityThresholds
from tests.conftest import make_warehouse

WEEKS = 60
START = pd.Timestamp("2024-01-01")  # a Monday


def _flighted_days(rng: np.random.Generator, channel: str, measured: bool) -> pd.DataFrame:
    """Daily rows of one channel in US: bursts of 2-6x, pauses, noise; cost steady."""
    level = np.ones(WEEKS)
    level[10:13] = 2.0  # a launch burst
    level[20:26] = 0.0  # a pause
    level[26:28] = 6.0  # back with a lift-test scale-up
    level[40:44] = 1.5
    rows = []
    for day in range(WEEKS * 7):
        weekly = level[day // 7]
        if weekly == 0:
            continue
        spend = round(100.0 * weekly * rng.uniform(0.8, 1.2), 2)
        impressions = spend / 0.01 * rng.uniform(0.9, 1.1) if measured else None
        rows.append(
            {
                "spend_date": (START + pd.Timedelta(days=day)).date(),
                "geo": "US",
                "platform": f"{channel}_ads",
                "campaign": "Prospecting",
                "channel": channel,
                "currency": "USD",
                "spend_local": spend,
                "spend": spend,
                "impressions": None if impressions is None else round(impressions),
                "clicks": None if impressions is None else round(impressions / 100),
            }
        )
    return pd.DataFrame(rows)


def _warehouse(tmp_path: Path, days: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    days = days.assign(
        week_start=pd.to_datetime(days["spend_date"]).dt.to_period("W-SUN").dt.start_time.dt.date
    )
    weekly = days.groupby(["week_start", "geo", "channel"], as_index=False).agg(
        spend=("spend", "sum"),
        impressions=("impressions", lambda s: s.sum(min_count=1)),
        clicks=("clicks", lambda s: s.sum(min_count=1)),
    )
    return make_warehouse(
        tmp_path / "w.duckdb",
        {"intermediate.int_ad_spend_mapped": days, "marts.fct_media_weekly": weekly},
    )


def _week(index: int) -> object:
    return (START + pd.Timedelta(weeks=index)).date()


def _days(week: int) -> slice:
    return slice(week * 7, (week + 1) * 7)


def test_planned_bursts_and_pauses_raise_nothing(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    days = pd.concat([_flighted_days(rng, "meta", True), _flighted_days(rng, "tv", False)])
    assert spend_spikes(_warehouse(tmp_path, days), QualityThresholds()) == []


def test_a_currency_mix_up_is_one_finding_over_its_weeks(tmp_path: Path) -> None:
    days = _flighted_days(np.random.default_rng(3), "meta", True)
    dates = pd.to_datetime(days["spend_date"])
    # Weeks 30-32 booked in yen but labelled dollars: 150x the amount, same impressions.
    wrong = (dates >= pd.Timestamp(_week(30))) & (dates < pd.Timestamp(_week(33)))
    days.loc[wrong, ["spend", "spend_local"]] *= 150
    (finding,) = spend_spikes(_warehouse(tmp_path, days), QualityThresholds())
    assert finding["week_start"] == _week(30)
    assert (finding["geo"], finding["channel"]) == ("US", "meta")
    assert f"weeks of {_week(30)} to {_week(32)} (3 weeks)" in finding["message"]
    assert "cost per impression rose" in finding["message"]


def test_a_spike_of_a_channel_without_impressions_is_judged_by_the_exchange_rate(
    tmp_path: Path,
) -> None:
    days = _flighted_days(np.random.default_rng(3), "tv", False)
    dates = pd.to_datetime(days["spend_date"])
    yen = (dates >= pd.Timestamp(_week(34))) & (dates < pd.Timestamp(_week(35)))
    days.loc[yen, ["spend", "spend_local"]] /= 0.0067
    (finding,) = spend_spikes(_warehouse(tmp_path, days), QualityThresholds())
    assert finding["week_start"] == _week(34)
    assert "matches the USD/JPY exchange rate" in finding["message"]


def test_a_duplicated_export_is_found_though_its_impressions_came_with_it(
    tmp_path: Path,
) -> None:
    days = _flighted_days(np.random.default_rng(3), "meta", True)
    dates = pd.to_datetime(days["spend_date"])
    copied = days[(dates >= pd.Timestamp(_week(50))) & (dates < pd.Timestamp(_week(52)))]
    # The same rows again under a renamed campaign: staging cannot drop them.
    days = pd.concat([days, copied.assign(campaign="Prospecting (copy)")])
    (finding,) = spend_spikes(_warehouse(tmp_path, days), QualityThresholds())
    assert finding["week_start"] == _week(50)
    assert "(2 weeks)" in finding["message"]
    assert "repeats another export row for row" in finding["message"]


def test_a_spike_billed_in_a_currency_the_platform_never_uses_is_named(tmp_path: Path) -> None:
    days = _flighted_days(np.random.default_rng(3), "tv", False)
    dates = pd.to_datetime(days["spend_date"])
    odd = (dates >= pd.Timestamp(_week(36))) & (dates < pd.Timestamp(_week(37)))
    # One week billed in kroner, which this platform never uses, at 5x the usual amount.
    days.loc[odd, "currency"] = "DKK"
    days.loc[odd, "spend"] *= 5
    (finding,) = spend_spikes(_warehouse(tmp_path, days), QualityThresholds())
    assert finding["week_start"] == _week(36)
    assert "billed in DKK" in finding["message"]
