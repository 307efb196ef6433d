"""The planning tables' columns and their types, declared once.

``mmm.response_curves``, ``mmm.budget_allocations`` and ``mmm.budget_scenarios``: the code
that builds them, the asset that publishes them and ``mmm plan``, which prints them, all
read these.
"""

RESPONSE_CURVE_COLUMNS = {
    "segment": "VARCHAR",
    "outcome": "VARCHAR",
    "geo": "VARCHAR",
    "channel": "VARCHAR",
    "spend": "DOUBLE",
    "contribution": "DOUBLE",
    "contribution_low": "DOUBLE",
    "contribution_high": "DOUBLE",
    # The curve's slope there: extra weekly conversions per extra unit of weekly spend.
    "marginal_response": "DOUBLE",
    "is_beyond_seen": "BOOLEAN",
    "run_id": "VARCHAR",
}
BUDGET_ALLOCATION_COLUMNS = {
    "scenario": "VARCHAR",
    "segment": "VARCHAR",
    "outcome": "VARCHAR",
    "geo": "VARCHAR",
    "channel": "VARCHAR",
    "current_spend": "DOUBLE",
    "proposed_spend": "DOUBLE",
    "expected_contribution": "DOUBLE",
    "expected_contribution_low": "DOUBLE",
    "expected_contribution_high": "DOUBLE",
    "current_contribution": "DOUBLE",
    "current_contribution_low": "DOUBLE",
    "current_contribution_high": "DOUBLE",
    "highest_spend_seen": "DOUBLE",
    "is_extrapolated": "BOOLEAN",
    "run_id": "VARCHAR",
}
BUDGET_SCENARIO_COLUMNS = {
    "scenario": "VARCHAR",
    "segment": "VARCHAR",
    "outcome": "VARCHAR",
    "budget": "DOUBLE",
    "current_budget": "DOUBLE",
    "expected_contribution": "DOUBLE",
    "expected_contribution_low": "DOUBLE",
    "expected_contribution_high": "DOUBLE",
    "current_contribution": "DOUBLE",
    "current_contribution_low": "DOUBLE",
    "current_contribution_high": "DOUBLE",
    "gain": "DOUBLE",
    "gain_low": "DOUBLE",
    "gain_high": "DOUBLE",
    "probability_better": "DOUBLE",
    "warnings": "VARCHAR",
    "run_id": "VARCHAR",
}
