"""Tracking diagnostics and the readiness gate on small hand-made warehouses.

The tables are the real mart and intermediate shapes, written directly into a temporary
DuckDB, so each case controls exactly the signal it tests.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from mmm_pipeline.quality.conversion_tracking import missing_utm_share
from mmm_pipeline.quality.mapping_coverage import unmapped_values
from mmm_pipeline.quality.readiness import assess_readiness
from mmm_pipeline.quality.thresholds import QualityThresholds
from tests.conftest import make_warehouse

THRESHOLDS = QualityThresholds()
PAID = ["meta", "search_nonbrand", "tv"]


def _weeks(n: int) -> pd.DatetimeIndex:
    return pd.date_range("2023-01-02", periods=n, freq="7D")


def _warehouse(tmp_path: Path, tables: dict[str, pd.DataFrame]) -> duckdb.DuckDBPyConnection:
    return make_warehouse(tmp_path / "w.duckdb", tables)


def _untracked_conversions(rng: np.random.Generator, weeks: int, bad: set[int]) -> pd.DataFrame:
    rows = []
    for week_index, week in enumerate(_weeks(weeks)):
        for geo, share in (("US", 0.25), ("DE", 0.3)):
            n = int(rng.poisson(120))
            untracked_share = 0.9 if (geo == "DE" and week_index in bad) else share
            untracked = rng.random(n) < untracked_share
            rows += [(week.date(), geo, bool(u)) for u in untracked]
    return pd.DataFrame(rows, columns=["week_start", "geo", "is_untracked"])


@pytest.mark.parametrize("bad_weeks", [set(), {30, 31, 32, 33, 34, 35}])
def test_missing_utm_share_fires_on_the_incident_and_stays_quiet_on_noise(
    tmp_path: Path, bad_weeks: set[int]
) -> None:
    conversions = _untracked_conversions(np.random.default_rng(7), 80, bad_weeks)
    conn = _warehouse(tmp_path, {"intermediate.int_conversions_mapped": conversions})
    findings = missing_utm_share(conn, THRESHOLDS)
    flagged = {(f["geo"], pd.Timestamp(f["week_start"]).date()) for f in findings}
    expected = {("DE", _weeks(80)[w].date()) for w in bad_weeks}
    assert flagged == expected
    if bad_weeks:
        assert "DE, week of 2023-07-31: " in findings[0]["message"]
        assert "check redirects and the tracking pixel" in findings[0]["message"]


def test_unmapped_values_name_the_top_offenders(tmp_path: Path) -> None:
    spend = pd.DataFrame(
        {
            "platform": ["meta", "myspace", "myspace", "friendster"],
            "campaign": ["a", "b", "b", "c"],
            "spend": [900.0, 60.0, 30.0, 10.0],
            "is_mapped": [True, False, False, False],
        }
    )
    conversions = pd.DataFrame(
        {c: pd.Series([], dtype="object") for c in ("utm_source", "utm_medium")}
        | {"utm_campaign": [], "referrer_host": [], "is_last_click_mapped": []}
    )
    survey = pd.DataFrame({"answer": ["instagram"], "is_mapped": [True]})
    conn = _warehouse(
        tmp_path,
        {
            "intermediate.int_ad_spend_mapped": spend,
            "intermediate.int_conversions_mapped": conversions,
            "intermediate.int_survey_responses_mapped": survey,
        },
    )
    (finding,) = unmapped_values(conn, THRESHOLDS)
    assert finding["check_name"] == "unmapped_ad_spend"
    assert finding["observed"] == pytest.approx(0.1)
    assert finding["severity"] == "error"
    assert "myspace / b (90)" in finding["message"]
    assert "channel_map_platform.csv" in finding["message"]


def _marts(weeks: int, spend_of: dict[str, np.ndarray], paid_clicks: float) -> dict:
    index = _weeks(weeks)
    rng = np.random.default_rng(3)
    conversions = pd.DataFrame(
        {
            "week_start": index.date,
            "geo": "US",
            "segment": "self_serve",
            "outcome": "signup",
            "conversions": rng.poisson(200, weeks).astype(float),
        }
    )
    media = pd.DataFrame(
        [
            (week.date(), "US", channel, float(values[i]))
            for channel, values in spend_of.items()
            for i, week in enumerate(index)
        ],
        columns=["week_start", "geo", "channel", "spend"],
    )
    clicks = pd.DataFrame(
        [
            (week.date(), "US", "self_serve", "signup", channel, conversions)
            for week in index
            for channel, conversions in (
                ("meta", 200 * paid_clicks),
                ("direct", 200 * (1 - paid_clicks)),
            )
        ],
        columns=["week_start", "geo", "segment", "outcome", "channel", "conversions"],
    )
    survey = pd.DataFrame(
        columns=["week_start", "geo", "segment", "outcome", "channel", "responses"]
    ).astype({"responses": float})
    return {
        "marts.fct_conversions_weekly": conversions,
        "marts.fct_media_weekly": media,
        "marts.fct_last_click_weekly": clicks,
        "marts.fct_survey_answers_weekly": survey,
    }


def _moving(weeks: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 1000 * (1 + 0.6 * np.sin(np.arange(weeks) / 5 + seed)) * rng.uniform(0.5, 1.5, weeks)


def _verdict(tmp_path: Path, tables: dict) -> pd.Series:
    conn = _warehouse(tmp_path, tables)
    frame = assess_readiness(conn, THRESHOLDS, {})
    return frame[frame["geo"] == "ALL"].iloc[0]


def test_healthy_history_is_ready(tmp_path: Path) -> None:
    verdict = _verdict(
        tmp_path, _marts(104, {c: _moving(104, i) for i, c in enumerate(PAID)}, paid_clicks=0.35)
    )
    assert verdict["ready"], verdict["reasons"]
    assert verdict["history_weeks"] == 104
    assert verdict["paid_share"] == pytest.approx(0.35)


def test_short_history_is_not_ready(tmp_path: Path) -> None:
    verdict = _verdict(
        tmp_path, _marts(40, {c: _moving(40, i) for i, c in enumerate(PAID)}, paid_clicks=0.35)
    )
    assert not verdict["ready"]
    assert "only 40 weeks of history" in verdict["reasons"]


def test_flat_spend_is_not_ready_and_names_the_channels(tmp_path: Path) -> None:
    flat = {c: np.full(104, 1000.0) * (1 + 0.02 * np.sin(np.arange(104))) for c in PAID}
    verdict = _verdict(tmp_path, _marts(104, flat, paid_clicks=0.35))
    assert not verdict["ready"]
    assert "spend never moves enough to measure (meta, search_nonbrand, tv)" in verdict["reasons"]
    assert "run a geo holdout or pause test" in verdict["recommendation"]


def test_small_paid_share_is_not_ready(tmp_path: Path) -> None:
    verdict = _verdict(
        tmp_path, _marts(104, {c: _moving(104, i) for i, c in enumerate(PAID)}, paid_clicks=0.05)
    )
    assert not verdict["ready"]
    assert "paid channels drive only 5% of conversions" in verdict["reasons"]


def _with_unsafe_segments(tables: dict, names: list[str]) -> dict:
    """The healthy self_serve series again under each of ``names`` as its segment."""
    tables = dict(tables)
    for key in ("marts.fct_conversions_weekly", "marts.fct_last_click_weekly"):
        frame = tables[key]
        copies = [frame[frame["segment"] == "self_serve"].assign(segment=name) for name in names]
        tables[key] = pd.concat([frame, *copies], ignore_index=True)
    return tables


def test_a_series_whose_name_cannot_be_a_folder_is_not_ready_and_others_are(
    tmp_path: Path,
) -> None:
    healthy = _marts(104, {c: _moving(104, i) for i, c in enumerate(PAID)}, paid_clicks=0.35)
    conn = _warehouse(tmp_path, _with_unsafe_segments(healthy, ["a.b", "/etc/x"]))
    frame = assess_readiness(conn, THRESHOLDS, {})
    overall = frame[frame["geo"] == "ALL"].set_index("segment")
    assert overall.loc["self_serve", "ready"], overall.loc["self_serve", "reasons"]
    for name in ("a.b", "/etc/x"):
        assert not overall.loc[name, "ready"]
        assert f"segment {name!r} cannot name a model" in overall.loc[name, "reasons"]


def test_the_readiness_asset_registers_only_series_with_safe_names(tmp_path: Path) -> None:
    import dagster as dg
    from dagster_duckdb import DuckDBResource

    from mmm_pipeline.defs.quality.assets import readiness
    from mmm_pipeline.modeling.series import SERIES_PARTITIONS_NAME

    healthy = _marts(104, {c: _moving(104, i) for i, c in enumerate(PAID)}, paid_clicks=0.35)
    conn = _warehouse(tmp_path, _with_unsafe_segments(healthy, ["a.b"]))
    conn.execute(
        "create schema mmm; create table mmm.data_quality_issues "
        "(check_name VARCHAR, geo VARCHAR, week_start DATE)"
    )
    conn.close()
    (tmp_path / "dagster").mkdir()
    with dg.DagsterInstance.local_temp(str(tmp_path / "dagster")) as instance:
        result = dg.materialize(
            [readiness],
            resources={"warehouse": DuckDBResource(database=str(tmp_path / "w.duckdb"))},
            instance=instance,
        )
        assert result.success
        assert instance.get_dynamic_partitions(SERIES_PARTITIONS_NAME) == ["self_serve.signup"]
    (check,) = result.get_asset_check_evaluations()
    assert "a.b x signup: segment 'a.b' cannot name a model" in check.description
