"""Tables across series from a real fit: outcome comparison and time horizons."""

from __future__ import annotations


def test_reports_compare_outcomes_and_time_horizons(fitted: dict) -> None:
    assert fitted["report"].success
    comparison = fitted["conn"].execute("select * from mmm.outcome_comparison").df()
    assert set(comparison["channel"]) == {"meta", "podcast"}
    assert comparison["verdict"].isin(["room to grow", "diminishing returns", "saturated"]).all()
    horizons = fitted["conn"].execute("select * from mmm.time_horizons").df()
    assert set(horizons["channel"]) == {"meta", "podcast"}
    assert (horizons["half_life_weeks_low"] <= horizons["half_life_weeks_high"]).all()
    assert (horizons["adstock_form"] == "geometric").all()
    for name in ("peak_lag_weeks", "weeks_to_half_effect", "weeks_to_90pct_effect"):
        assert (horizons[f"{name}_low"] <= horizons[name]).all()
        assert (horizons[name] <= horizons[f"{name}_high"]).all()
    assert (horizons["weeks_to_90pct_effect"] >= horizons["weeks_to_half_effect"]).all()
    assert (horizons["weeks_to_half_effect"] >= 1).all()
