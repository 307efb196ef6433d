"""Every click model conserves conversions and value per cell, on generated journeys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mmm_pipeline.attribution.click_models import (
    CLICK_MODELS,
    click_attribution,
)
from tests.attribution.click_cases import Conv, Touch, warehouse

CHANNELS = ["meta", "tiktok", "email", "branded_search", "direct"]

conversion_rows = st.lists(
    st.tuples(
        st.sampled_from(["cus_1", "cus_2", "cus_3", None]),
        st.integers(0, 20 * 24),  # hours after the start
        st.sampled_from(CHANNELS),
        st.sampled_from(["self_serve", "sales_led"]),
        st.sampled_from(["order", "signup"]),
        st.sampled_from(["US", "DE"]),
        st.floats(0, 1000, allow_nan=False),
    ),
    min_size=1,
    max_size=12,
)
touch_rows = st.lists(
    st.tuples(
        st.sampled_from(["cus_1", "cus_2", "cus_3"]),
        st.integers(-40 * 24, 20 * 24),
        st.sampled_from(CHANNELS),
    ),
    max_size=15,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conversion_rows, touch_rows)
def test_every_model_conserves_conversions_and_value_per_cell(
    conversion_rows: list[tuple], touch_rows: list[tuple]
) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    conversions = [
        Conv(f"c{i}", start + timedelta(hours=h), ch, cus, seg, out, geo, value)
        for i, (cus, h, ch, seg, out, geo, value) in enumerate(conversion_rows)
    ]
    touches = [Touch(cus, start + timedelta(hours=h), ch) for cus, h, ch in touch_rows]
    conn = warehouse(conversions, touches)
    result = click_attribution(conn)
    observed = conn.execute(
        """
        select week_start, geo, segment, outcome, count(*) as n, sum(value) as v
        from intermediate.int_conversions_mapped group by all
        """
    ).df()
    keys = ["week_start", "geo", "segment", "outcome"]
    assert (result["conversions"] > 0).all()
    assert (result["value"] >= -1e-12).all()
    totals = result.groupby([*keys, "model"], as_index=False)[["conversions", "value"]].sum()
    # Each series has last_click alone or every model.
    models = totals.groupby(["segment", "outcome"])["model"].agg(frozenset)
    assert set(models) <= {frozenset({"last_click"}), frozenset(CLICK_MODELS)}
    merged = totals.merge(observed, on=keys, how="outer", validate="many_to_one")
    assert not merged[["model", "n"]].isna().any().any()
    assert (merged["conversions"] - merged["n"]).abs().max() <= 1e-9
    assert (merged["value"] - merged["v"]).abs().max() <= 1e-9
    per_model = merged.groupby(keys)["model"].nunique()
    assert set(per_model) <= {1, len(CLICK_MODELS)}
