"""Attribution from a real fit: Direct's credit goes back to the channels that made the demand."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from mmm_pipeline.attribution.all_series import attribution_tables, read_sources
from tests.fitted_model import (
    WOM_SHARE_OF_DIRECT,
    materialized,
)


def test_attribution_gives_direct_credit_back_to_meta_and_word_of_mouth(fitted: dict) -> None:
    conn = fitted["conn"]
    assert "mmm/attribution_weekly" in materialized(fitted["report"])
    weekly = conn.execute("select * from mmm.attribution_weekly").df()
    models = weekly.groupby(["segment", "outcome"])["model"].unique().map(set).to_dict()
    # No touchpoint falls in any window, so last click is the only click-based model;
    # only the accepted series has the MMM's.
    assert models == {
        ("self_serve", "signup"): {"last_click", "mmm"},
        ("sales_led", "signup"): {"last_click"},
    }
    gaps = conn.execute(
        """
        select max(abs(a.conversions - o.conversions)), max(abs(a.value - o.value))
        from (select week_start, geo, segment, outcome, model, sum(conversions) as conversions,
                     sum(value) as value from mmm.attribution_weekly group by all) a
        join marts.fct_conversions_weekly o using (week_start, geo, segment, outcome)
        """
    ).fetchall()[0]
    assert max(gaps) < 1e-6
    totals = weekly.groupby(["model", "channel"])["conversions"].sum()
    observed = conn.execute(
        "select sum(conversions) from marts.fct_conversions_weekly where segment = 'self_serve'"
    ).fetchall()[0][0]
    for model in ("last_click", "mmm"):
        assert totals[(model, "word_of_mouth")] == pytest.approx(
            WOM_SHARE_OF_DIRECT * observed, rel=0.1
        )
    # The pool is large, so each channel gets what the model in force says it caused.
    roi = (
        conn.execute("select channel, contribution from mmm.channel_roi where geo = 'ALL'")
        .df()
        .set_index("channel")["contribution"]
    )
    for channel in ("meta", "podcast"):
        assert totals[("mmm", channel)] == pytest.approx(roi[channel], rel=0.05)
    shift = (
        conn.execute("select * from mmm.attribution_shift where segment = 'self_serve'")
        .df()
        .set_index("channel")
    )
    assert shift.loc["meta", "direction"] == "up" and shift.loc["meta", "is_credible"]
    assert shift.loc["direct", "direction"] == "down"
    assert (
        shift.loc["meta", "mmm_share_low"]
        <= shift.loc["meta", "mmm_share"]
        <= shift.loc["meta", "mmm_share_high"]
    )
    checks = {
        event.event_specific_data.check_name: event.event_specific_data.passed
        for event in fitted["report"].all_events
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
    }
    assert checks["conversions_conserved"]


def test_attribution_is_reproduced_exactly_on_the_same_data(fitted: dict, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.write_bytes((fitted["root"] / "warehouse.duckdb").read_bytes())
    runs = []
    for _ in range(2):
        with duckdb.connect(str(warehouse), read_only=True) as conn:
            sources = read_sources(conn, 28, fitted["root"] / "models")
        runs.append(attribution_tables(sources, 0.9))
    for first, second in zip(runs[0][:2], runs[1][:2], strict=True):
        pd.testing.assert_frame_equal(first, second, check_exact=True)
    assert runs[0].drift == runs[1].drift == []
    published = fitted["conn"].execute("select * from mmm.attribution_weekly order by all").df()
    again = runs[0][0].sort_values(list(runs[0][0].columns)).reset_index(drop=True)
    assert np.array_equal(published["conversions"].to_numpy(), again["conversions"].to_numpy())
