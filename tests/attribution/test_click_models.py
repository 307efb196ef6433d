"""Click-based attribution on hand-made conversions and touchpoints.

Each case writes the two intermediate tables (only the columns the models read, with
the warehouse's types) into an in-memory DuckDB and checks the exact credit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mmm_pipeline.attribution.click_models import (
    CLICK_MODELS,
    DEFAULT_LOOKBACK_DAYS,
    PATH_MODELS,
    click_attribution,
)
from tests.attribution.click_cases import Conv, Touch, warehouse

T = datetime(2024, 4, 10, 12, 0, tzinfo=UTC)  # a Wednesday, after Europe's DST switch
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
EDGE = T - DEFAULT_LOOKBACK_DAYS * DAY


def _credits(result: pd.DataFrame, model: str, column: str = "conversions") -> dict[str, float]:
    """Credit per channel under one model, summed over every cell."""
    rows = result[result["model"] == model]
    return rows.groupby("channel")[column].sum().to_dict()


def _all_credits(conversions: list[Conv], touches: list[Touch], **kwargs) -> dict:
    result = click_attribution(warehouse(conversions, touches), **kwargs)
    return {model: _credits(result, model) for model in result["model"].unique()}


def test_the_model_names_are_the_contract_s() -> None:
    assert CLICK_MODELS == ("last_click", "first_click", "linear", "u_shape", "data_driven")
    assert PATH_MODELS == ("first_click", "linear", "u_shape", "data_driven")
    assert DEFAULT_LOOKBACK_DAYS == 28


def test_result_has_the_contract_columns_and_one_row_per_cell() -> None:
    result = click_attribution(warehouse([Conv("a", T, "meta"), Conv("b", T + DAY, "meta")], []))
    assert list(result.columns) == [
        "week_start", "geo", "segment", "outcome", "model", "channel", "conversions", "value",
    ]  # fmt: skip
    assert result.to_dict("records") == [
        {
            "week_start": pd.Timestamp("2024-04-08"),
            "geo": "US",
            "segment": "self_serve",
            "outcome": "order",
            "model": "last_click",
            "channel": "meta",
            "conversions": 2.0,
            "value": 180.0,
        }
    ]


def test_last_click_is_the_converting_session_for_every_series() -> None:
    conversions = [
        Conv("a", T, "meta", customer_id="cus_1"),
        Conv("b", T, "direct", customer_id="cus_2"),
        Conv("c", T, "branded_search", customer_id=None, segment="sales_led", outcome="signup"),
    ]
    # cus_1's earlier touch gives self_serve x order the path models; sales_led has none.
    result = click_attribution(warehouse(conversions, [Touch("cus_1", T - DAY, "tiktok")]))
    by_series = result.groupby(["segment", "outcome"])["model"].agg(set).to_dict()
    assert by_series == {
        ("self_serve", "order"): set(CLICK_MODELS),
        ("sales_led", "signup"): {"last_click"},
    }
    last_click = result[result["model"] == "last_click"]
    assert sorted(last_click[["segment", "channel", "conversions"]].itertuples(index=False)) == [
        ("sales_led", "branded_search", 1.0),
        ("self_serve", "direct", 1.0),
        ("self_serve", "meta", 1.0),
    ]


def test_a_path_is_the_window_s_non_direct_touches_then_the_converting_session() -> None:
    touches = [
        Touch("cus_1", T - 20 * DAY, "meta"),
        Touch("cus_1", T - 10 * DAY, "direct"),  # not a touch: last non-direct click
        Touch("cus_1", T - 5 * DAY, "email"),
        Touch("cus_1", T + SECOND, "youtube"),  # after the conversion
        Touch("cus_2", T - DAY, "tiktok"),  # someone else
    ]
    credits = _all_credits([Conv("a", T, "branded_search")], touches)
    assert credits == {
        "last_click": {"branded_search": 1.0},
        "first_click": {"meta": 1.0},
        "linear": pytest.approx({"meta": 1 / 3, "email": 1 / 3, "branded_search": 1 / 3}),
        "u_shape": pytest.approx({"meta": 0.4, "email": 0.2, "branded_search": 0.4}),
        # Markov over the one path meta > email > branded_search: every channel is
        # visited with probability 1, so each of the three distinct channels gets 1/3.
        "data_driven": pytest.approx({"meta": 1 / 3, "email": 1 / 3, "branded_search": 1 / 3}),
    }


@pytest.mark.parametrize(
    ("offset", "inside"),
    [
        (DEFAULT_LOOKBACK_DAYS * DAY, True),  # exactly at the edge: inside
        (DEFAULT_LOOKBACK_DAYS * DAY + SECOND, False),  # one second earlier: outside
        (timedelta(0), True),  # the conversion's own instant: inside
    ],
)
def test_the_lookback_window_is_closed_at_both_ends(offset: timedelta, inside: bool) -> None:
    credits = _all_credits(
        [Conv("a", T, "search_nonbrand")], [Touch("cus_1", T - offset, "tiktok")]
    )
    if inside:
        # The touch at the conversion's own instant comes before the converting session.
        assert credits["first_click"] == {"tiktok": 1.0}
        assert credits["u_shape"] == {"tiktok": 0.5, "search_nonbrand": 0.5}
    else:
        assert set(credits) == {"last_click"}


def test_the_window_is_exact_hours_across_a_daylight_saving_change() -> None:
    # Berlin moved its clocks on 2024-03-31, inside the window: 28 calendar days in
    # Berlin time would start an hour later (13:00 UTC) and drop the 12:00 UTC touch.
    conn = warehouse(
        [Conv("a", T, "search_nonbrand")],
        [Touch("cus_1", EDGE, "tiktok"), Touch("cus_1", EDGE - SECOND, "meta")],
    )
    conn.execute("set TimeZone = 'Europe/Berlin'")
    result = click_attribution(conn)
    assert _credits(result, "first_click") == {"tiktok": 1.0}


def test_lookback_days_sets_the_window() -> None:
    touches = [Touch("cus_1", T - 7 * DAY, "meta"), Touch("cus_1", T - 7 * DAY - SECOND, "tiktok")]
    credits = _all_credits([Conv("a", T, "email")], touches, lookback_days=7)
    assert credits["linear"] == {"meta": 0.5, "email": 0.5}


def test_direct_only_journeys_credit_direct_in_every_model() -> None:
    touches = [Touch("cus_1", T - 3 * DAY, "direct"), Touch("cus_1", T - DAY, "direct")]
    credits = _all_credits([Conv("a", T, "direct")], touches)
    assert credits == {model: {"direct": 1.0} for model in CLICK_MODELS}


def test_an_untracked_converting_session_leaves_the_path_to_its_touches() -> None:
    touches = [Touch("cus_1", T - 3 * DAY, "meta"), Touch("cus_1", T - DAY, "email")]
    credits = _all_credits([Conv("a", T, "direct")], touches)
    assert credits == {
        "last_click": {"direct": 1.0},
        "first_click": {"meta": 1.0},
        "linear": {"meta": 0.5, "email": 0.5},
        "u_shape": {"meta": 0.5, "email": 0.5},
        "data_driven": {"meta": 0.5, "email": 0.5},
    }


def test_a_conversion_without_customer_has_only_its_converting_session() -> None:
    conversions = [
        Conv("a", T, "meta", customer_id=None),
        Conv("b", T, "direct", customer_id=None),
        Conv("c", T, "email", customer_id="cus_1"),
    ]
    touches = [Touch("cus_1", T - DAY, "tiktok")]
    credits = _all_credits(conversions, touches)
    # a: [meta]; b: [] -> direct; c: [tiktok, email]
    assert credits["first_click"] == {"meta": 1.0, "direct": 1.0, "tiktok": 1.0}
    assert credits["u_shape"] == {"meta": 1.0, "direct": 1.0, "tiktok": 0.5, "email": 0.5}


@pytest.mark.parametrize(
    ("touches", "expected"),
    [
        (1, {"meta": 1.0}),
        (2, {"meta": 0.5, "tiktok": 0.5}),
        (3, {"meta": 0.4, "tiktok": 0.2, "youtube": 0.4}),
        (5, {"meta": 0.4, "tiktok": 1 / 15, "youtube": 1 / 15, "email": 1 / 15, "linkedin": 0.4}),
    ],
)
def test_u_shape_splits_40_20_40_with_one_and_two_touches_as_special_cases(
    touches: int, expected: dict[str, float]
) -> None:
    channels = list(expected)
    # Prior touches for all but the last channel; the converting session is the last.
    prior = [Touch("cus_1", T - (10 - i) * DAY, ch) for i, ch in enumerate(channels[:-1])]
    if touches == 1:
        prior = [Touch("cus_1", T - DAY, "meta")]
        conversion = Conv("a", T, "direct")
    else:
        conversion = Conv("a", T, channels[-1])
    credits = _all_credits([conversion], prior)
    assert credits["u_shape"] == pytest.approx(expected, abs=1e-12)


def test_linear_counts_a_channel_once_per_touch() -> None:
    touches = [Touch("cus_1", T - 3 * DAY, "meta"), Touch("cus_1", T - 2 * DAY, "meta")]
    credits = _all_credits([Conv("a", T, "email")], touches)
    assert credits["linear"] == pytest.approx({"meta": 2 / 3, "email": 1 / 3}, abs=1e-12)
    assert credits["u_shape"] == pytest.approx({"meta": 0.6, "email": 0.4}, abs=1e-12)
    # data_driven splits over distinct channels, each visited with probability 1.
    assert credits["data_driven"] == pytest.approx({"meta": 0.5, "email": 0.5}, abs=1e-12)


def test_touches_at_one_instant_are_ordered_by_channel() -> None:
    touches = [Touch("cus_1", T - DAY, "tiktok"), Touch("cus_1", T - DAY, "meta")]
    credits = _all_credits([Conv("a", T, "direct")], touches)
    assert credits["first_click"] == {"meta": 1.0}


def test_touches_in_another_geo_still_belong_to_the_customer_s_path() -> None:
    credits = _all_credits([Conv("a", T, "direct")], [Touch("cus_1", T - DAY, "meta", geo="DE")])
    assert credits["first_click"] == {"meta": 1.0}


def test_series_whose_touches_all_fall_outside_the_window_get_last_click_only() -> None:
    touches = [Touch("cus_1", T - 40 * DAY, "meta")]
    conversions = [
        Conv("a", T, "email"),
        Conv("b", T, "email", customer_id="cus_2", outcome="signup"),
    ]
    touches.append(Touch("cus_2", T - DAY, "tiktok"))
    result = click_attribution(warehouse(conversions, touches))
    assert result.groupby("outcome")["model"].agg(set).to_dict() == {
        "order": {"last_click"},
        "signup": set(CLICK_MODELS),
    }


def test_value_is_split_like_the_conversion() -> None:
    touches = [Touch("cus_1", T - 3 * DAY, "meta"), Touch("cus_1", T - 2 * DAY, "tiktok")]
    result = click_attribution(warehouse([Conv("a", T, "email", value=90.0)], touches))
    assert _credits(result, "linear", "value") == pytest.approx(
        {"meta": 30.0, "tiktok": 30.0, "email": 30.0}, abs=1e-12
    )
    assert _credits(result, "u_shape", "value") == pytest.approx(
        {"meta": 36.0, "tiktok": 18.0, "email": 36.0}, abs=1e-12
    )


def test_data_driven_splits_by_the_series_removal_effects() -> None:
    # self_serve x order paths (all converting):
    #   a: meta > email, b: email, c: meta > tiktok.
    # Chain: start -> meta 2/3, start -> email 1/3; meta -> email 1/2, meta -> tiktok 1/2;
    # email, tiktok -> conversion. With no null inflow a channel's removal effect is the
    # chance the chain visits it: meta 2/3, email 1/3 + 2/3 * 1/2 = 2/3, tiktok 1/3.
    # a: meta 1/2, email 1/2; b: email 1; c: meta (2/3) / (2/3 + 1/3) = 2/3, tiktok 1/3.
    conversions = [
        Conv("a", T, "email", customer_id="cus_1"),
        Conv("b", T, "email", customer_id="cus_2"),
        Conv("c", T + DAY, "tiktok", customer_id="cus_3", geo="DE"),
        # Another series with other paths: its chain must not leak into self_serve x order.
        Conv("d", T, "meta", customer_id="cus_4", outcome="signup"),
        Conv("e", T, "meta", customer_id="cus_5", outcome="signup"),
    ]
    touches = [
        Touch("cus_1", T - DAY, "meta"),
        Touch("cus_3", T, "meta"),
        Touch("cus_4", T - DAY, "tiktok"),
        Touch("cus_5", T - DAY, "email"),
    ]
    result = click_attribution(warehouse(conversions, touches))
    order = result[(result["outcome"] == "order") & (result["model"] == "data_driven")]
    cells = {(r.geo, r.channel): r.conversions for r in order.itertuples()}
    assert cells == pytest.approx(
        {
            ("US", "meta"): 0.5,
            ("US", "email"): 1.5,
            ("DE", "meta"): 2 / 3,
            ("DE", "tiktok"): 1 / 3,
        },
        abs=1e-12,
    )
    # signup paths tiktok > meta and email > meta: meta is on every walk (effect 1),
    # tiktok and email on half (1/2): each conversion gives meta 2/3.
    signup = result[(result["outcome"] == "signup") & (result["model"] == "data_driven")]
    assert signup.set_index("channel")["conversions"].to_dict() == pytest.approx(
        {"meta": 4 / 3, "tiktok": 1 / 3, "email": 1 / 3}, abs=1e-12
    )


def test_works_on_a_read_only_warehouse_and_leaves_no_temp_tables(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    warehouse([Conv("a", T, "email")], [Touch("cus_1", T - DAY, "meta")], path).close()
    conn = duckdb.connect(str(path), read_only=True)
    result = click_attribution(conn)
    assert set(result["model"]) == set(CLICK_MODELS)
    assert conn.execute("select count(*) from duckdb_tables() where temporary").fetchone() == (0,)


@pytest.mark.parametrize(
    ("lookback_days", "error"), [(-1, ValueError), (2.5, TypeError), (True, TypeError)]
)
def test_a_bad_lookback_is_refused(lookback_days: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="lookback_days"):
        click_attribution(warehouse([], []), lookback_days=lookback_days)  # type: ignore[arg-type]


def test_an_empty_warehouse_gives_an_empty_result() -> None:
    result = click_attribution(warehouse([], []))
    assert result.empty
    assert list(result.columns)[-2:] == ["conversions", "value"]
