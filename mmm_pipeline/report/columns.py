"""Which columns of the published tables each of the report's tables shows, in order.

The page turns them into words (``page.Report.table``): an estimate with ``_low`` and
``_high`` becomes one cell with its range, money columns are headed with the currency.
"""

ROI_COLUMNS = [
    "channel",
    "spend",
    *(f"{c}{e}" for c in ("contribution", "roi", "marginal_roi") for e in ("", "_low", "_high")),
    "per",
]
AGREEMENT_COLUMNS = [
    "experiment_id",
    "channel",
    "segment",
    "outcome",
    "measured_lift",
    "measured_sigma",
    "model_lift",
    "model_lift_low",
    "model_lift_high",
    "z_score",
    "agrees",
]
FORECAST_COLUMNS = [
    "fitted",
    "status",
    "weeks",
    "longest_horizon_weeks",
    "inside",
    "coverage_pct",
    "mape_pct",
    "crps",
]
# ROI and marginal ROI are in the ROI section, in each outcome's unit.
COMPARISON_COLUMNS = [
    "channel",
    "segment",
    "outcome",
    "recent_weekly_spend",
    "saturation_spend",
    "saturation_spend_low",
    "saturation_spend_high",
    "marginal_to_average",
    "verdict",
]
SHOWN_TESTS = 5
PLAN_COLUMNS = [
    "rank",
    "channel",
    "design",
    "geos",
    "test_weeks",
    "weeks",
    "spend_change",
    "expected_lift",
    "expected_lift_low",
    "expected_lift_high",
    "minimum_detectable_lift",
    "power_pct",
    "reason",
]
SHIFT_COLUMNS = [
    "channel",
    "last_click_share",
    "mmm_share",
    "mmm_share_low",
    "mmm_share_high",
    "direction",
]
SCENARIO_COLUMNS = [
    "scenario",
    "budget",
    "current_budget",
    *(f"{c}{e}" for c in ("expected_contribution", "gain") for e in ("", "_low", "_high")),
    "probability_better",
    "warnings",
]
EXPOSURE_COLUMNS = [
    "channel",
    "exposure",
    "exposure_basis",
    "cpm_variation",
    "exposure_spend_error_ratio",
]
RECALL_COLUMNS = [
    "channel",
    "survey_recall",
    "survey_recall_low",
    "survey_recall_high",
    "survey_recall_basis",
]
