"""The lift-test translation on cases computed by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from mmm_pipeline.modeling.lift_tests import lift_measurements

WEEKS = [date(2025, 3, 31), date(2025, 4, 7), date(2025, 4, 14), date(2025, 4, 21)]


def _test(**overrides) -> pd.DataFrame:
    row = {
        "experiment_id": "EXP-1",
        "channel": "meta",
        "geo": "DE",
        "segment": "self_serve",
        "outcome": "signup",
        "first_week_start": WEEKS[0],
        "last_week_start": WEEKS[-1],
        "window_days": 28,
        "spend_delta": -4000.0,
        "lift": -80.0,
        "lift_sigma": 20.0,
    }
    return pd.DataFrame([row | overrides])


def _media(per_geo: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        [(w, geo, "meta", spend) for w in WEEKS for geo, spend in per_geo.items()]
        + [(date(2025, 3, 24), "DE", "meta", 99_999.0)],  # outside the window: ignored
        columns=["week_start", "geo", "channel", "spend"],
    )


NO_CONVERSIONS = pd.DataFrame(columns=["week_start", "geo", "segment", "conversions"])


def test_a_geo_holdout_becomes_weekly_spend_level_change_and_lift() -> None:
    # Four weeks at 1,000 a week after a 4,000 cut: the level without the test was 2,000.
    result = lift_measurements(
        _test(), _media({"DE": 1000.0}), NO_CONVERSIONS, "self_serve", "signup"
    )
    (row,) = result.measurements.to_dict("records")
    assert row == pytest.approx(
        {
            "experiment_id": "EXP-1",
            "channel": "meta",
            "geo": "DE",
            "x": 2000.0,
            "delta_x": -1000.0,
            "delta_y": -20.0,
            "sigma": 5.0,
            "weeks": 4.0,
        }
    )


def test_a_test_over_all_geos_is_split_by_spend_share_with_variances_adding_up() -> None:
    test = _test(geo="ALL", spend_delta=8000.0, lift=40.0, lift_sigma=8.0)
    result = lift_measurements(
        test, _media({"US": 3000.0, "DE": 1000.0}), NO_CONVERSIONS, "self_serve", "signup"
    )
    rows = result.measurements.set_index("geo")
    assert rows.loc["US", ["x", "delta_x", "delta_y"]].tolist() == pytest.approx([1500, 1500, 7.5])
    assert rows.loc["DE", ["x", "delta_x", "delta_y"]].tolist() == pytest.approx([500, 500, 2.5])
    assert (rows["sigma"] ** 2).sum() == pytest.approx((8.0 / 4) ** 2)


def test_a_test_over_all_segments_gives_this_segment_its_share_of_the_lift() -> None:
    conversions = pd.DataFrame(
        [(w, "DE", "self_serve", 80.0) for w in WEEKS]
        + [(w, "DE", "sales_led", 20.0) for w in WEEKS],
        columns=["week_start", "geo", "segment", "conversions"],
    )
    result = lift_measurements(
        _test(segment="all"), _media({"DE": 1000.0}), conversions, "self_serve", "signup"
    )
    (row,) = result.measurements.to_dict("records")
    assert (row["delta_x"], row["delta_y"]) == pytest.approx((-1000.0, -20.0 * 0.8))
    assert row["sigma"] == pytest.approx(5.0 * 0.8**0.5)


def test_tests_of_other_outcomes_or_segments_are_not_used_and_unusable_ones_say_why() -> None:
    experiments = pd.concat(
        [
            _test(outcome="order"),
            _test(segment="sales_led"),
            _test(experiment_id="EXP-9", channel="tv"),
        ]
    )
    result = lift_measurements(
        experiments, _media({"DE": 1000.0}), NO_CONVERSIONS, "self_serve", "signup"
    )
    assert result.measurements.empty
    assert result.skipped == [("EXP-9", "no tv spend in DE in the model's data")]


def test_a_test_that_switched_the_channel_off_keeps_its_level_from_the_spend_cut() -> None:
    # No meta spend during the window at all: the cut of 4,000 over 4 weeks was the level.
    media = _media({"DE": 0.0})
    result = lift_measurements(_test(), media, NO_CONVERSIONS, "self_serve", "signup")
    (row,) = result.measurements.to_dict("records")
    assert (row["x"], row["delta_x"], row["delta_y"]) == pytest.approx((1000.0, -1000.0, -20.0))


def test_a_channel_read_as_impressions_is_translated_at_the_windows_cost() -> None:
    # Impressions cost twice their average in the window: the model's exposure is half
    # the spend, and the 4,000 cut took away 2,000 of exposure (500 a week), not 4,000.
    media = _media({"DE": 1000.0, "GB": 3000.0})
    media = media.assign(exposure=media["spend"] / 2)
    result = lift_measurements(_test(), media, NO_CONVERSIONS, "self_serve", "signup")
    (row,) = result.measurements.to_dict("records")
    assert row["delta_x"] == pytest.approx(-500.0)
    assert row["x"] == pytest.approx(500.0 + 500.0)
    assert row["delta_y"] == pytest.approx(-20.0)
