"""The simulator in the acceptance test's shape: fewer paid channels, fewer lift tests.

The held-out data a model is judged on has three geos, 130 weeks, six paid channels
(one launched mid-history) and two lift tests; ``channels`` and ``lift_tests`` let the
simulator produce that shape, and a left-out channel must leave no trace at all.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mmm_pipeline.simulate import SimulationConfig, simulate
from mmm_pipeline.simulate.business import CHANNEL_NAMES, CHANNEL_ORDER, GEOS, kept_channels
from mmm_pipeline.simulate.campaigns import CAMPAIGNS
from mmm_pipeline.simulate.journeys import ANSWERS
from mmm_pipeline.simulate.tracking import session_forms

HELD_OUT = SimulationConfig(weeks=130, geos=3, channels=6, lift_tests=2, scale=0.1, seed=11)
SIX = {"branded_search", "meta", "search_nonbrand", "youtube", "tiktok", "tv"}
LEFT_OUT = set(CHANNEL_NAMES) - SIX
NOT_PAID = {"word_of_mouth", "baseline"}


@pytest.fixture(scope="module")
def held_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("held_out") / "landing"
    return out, simulate(out, HELD_OUT)


def _read_all(folder: Path) -> pd.DataFrame:
    """Every CSV and Parquet delivery of a source as text columns, stacked."""
    frames = []
    for path in sorted(folder.iterdir()):
        reader = "read_parquet(?)" if path.suffix == ".parquet" else "read_csv(?, all_varchar=true)"
        frames.append(duckdb.execute(f"select * from {reader}", [str(path)]).df().astype(str))
    return pd.concat(frames, ignore_index=True)


def _spend_rows(landing: Path) -> pd.DataFrame:
    """Every delivered spend row with the channel its campaign belongs to."""
    spend = _read_all(landing / "ad_spend")
    channel = {c.name.format(geo=g.code): c.channel for c in CAMPAIGNS for g in GEOS}
    spend["channel"] = spend["campaign"].map(channel)
    spend["date"] = pd.to_datetime(spend["date"])
    return spend


def test_order_covers_every_channel_once() -> None:
    assert sorted(CHANNEL_ORDER) == sorted(CHANNEL_NAMES)
    assert kept_channels(None) == set(CHANNEL_NAMES)
    assert kept_channels(6) == SIX


def test_six_paid_channels_one_launched_after_the_first_quarter(
    held_out: tuple[Path, dict],
) -> None:
    out, _ = held_out
    spend = _spend_rows(out)
    assert spend["channel"].notna().all()
    assert set(spend["channel"]) == SIX
    spend = spend[spend["spend"].astype(float) > 0]
    assert set(spend["channel"]) == SIX
    first_spend = spend.groupby("channel")["date"].min()
    quarter = pd.Timestamp(HELD_OUT.start_date) + pd.Timedelta(weeks=HELD_OUT.weeks / 4)
    assert list(first_spend[first_spend > quarter].index) == ["tiktok"]


def test_two_lift_tests_on_kept_channels(held_out: tuple[Path, dict]) -> None:
    out, truth = held_out
    delivered = _read_all(out / "experiments")
    assert len(delivered) == 2
    assert len(truth["experiments"]) == 2
    assert set(delivered["channel"]) <= SIX


def test_ground_truth_lists_the_same_six_channels(held_out: tuple[Path, dict]) -> None:
    out, truth = held_out
    assert truth == json.loads((out / "ground_truth.json").read_text())
    assert truth["config"]["channels"] == 6 and truth["config"]["lift_tests"] == 2
    assert set(truth["channels"]) == SIX
    assert {r["channel"] for r in truth["contributions"]} - NOT_PAID == SIX
    assert {r["channel"] for r in truth["media_weekly"]} == SIX
    assert set().union(*truth["totals"]["spend_usd"].values()) == SIX


def test_left_out_channels_leave_no_trace(held_out: tuple[Path, dict]) -> None:
    out, _ = held_out
    # Organic LinkedIn posts stay (organic_social); only the paid spellings must go.
    spellings = {
        (form.utm_source, form.utm_campaign, form.referrer)
        for kind in LEFT_OUT
        for form, _ in session_forms(kind, GEOS[0])
        if form.utm_source or form.referrer
    }
    for source in ("conversions", "touchpoints"):
        rows = _read_all(out / source).replace({"None": "", "nan": ""})
        seen = set(zip(rows["utm_source"], rows["utm_campaign"], rows["referrer"], strict=True))
        assert not seen & spellings, f"{source}/ tracks a channel the business does not buy"
    answers = set(_read_all(out / "survey_responses")["answer"])
    assert not answers & {text for kind in LEFT_OUT for text, _ in ANSWERS[kind]}


def test_unset_options_stay_out_of_the_config_record() -> None:
    # Runs without the options write the same ground truth as before they existed.
    record = SimulationConfig(weeks=12).model_dump(mode="json")
    assert not {"channels", "lift_tests", "cpm_season"} & set(record)
    assert SimulationConfig(**record) == SimulationConfig(weeks=12)


def test_impressions_bought_at_a_seasonal_cost_move_the_conversions(tmp_path: Path) -> None:
    # The same business twice, its impressions bought at the usual cost and at a
    # seasonal one: the same spend, half again as dear per impression in November and
    # December, and there the paid channels cause fewer conversions for it (at most a
    # third fewer: saturation and carry-over soften it; counting noise is a few percent).
    plain = SimulationConfig(weeks=56, geos=1, channels=3, lift_tests=0, seed=5)
    seasonal = plain.model_copy(update={"cpm_season": True})
    truths = {
        name: simulate(tmp_path / name, c) for name, c in (("plain", plain), ("cpm", seasonal))
    }
    spend = {name: _spend_rows(tmp_path / name) for name in truths}
    assert spend["plain"]["spend"].equals(spend["cpm"]["spend"])
    per_impression = {}
    for name, rows in spend.items():
        rows = rows[rows["impressions"] != ""].astype({"spend": float, "impressions": float})
        months = rows["date"].dt.month
        per_impression[name] = [
            rows.loc[months.isin(m), "spend"].sum() / rows.loc[months.isin(m), "impressions"].sum()
            for m in ((11, 12), (1, 2, 3, 4, 5))
        ]
    plain_ratio = per_impression["plain"][0] / per_impression["plain"][1]
    assert per_impression["cpm"][0] / per_impression["cpm"][1] == pytest.approx(
        1.5 * plain_ratio, rel=0.05
    )
    caused = {}
    for name, truth in truths.items():
        rows = pd.DataFrame(truth["contributions"])
        paid = rows[
            ~rows["channel"].isin(NOT_PAID) & rows["week_start"].str[5:7].isin(["11", "12"])
        ]
        caused[name] = paid["conversions"].sum()
    assert 0.6 * caused["plain"] < caused["cpm"] < 0.93 * caused["plain"]
    assert truths["cpm"]["config"]["cpm_season"] is True
