"""``mmm plan``: budget scenarios from a YAML file against the models in force."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mmm_pipeline.cli.environment import apply_overrides
from mmm_pipeline.warehouse_lock import open_warehouse


def cmd_plan(args: argparse.Namespace) -> int:
    """Run the scenarios of a YAML file against the models in force and print them.

    Returns
    -------
    int
        0 once the scenarios are printed and written, 2 for a bad scenario file, a mistake in
        a scenario or a missing warehouse.
    """
    from mmm_pipeline.planning.all_series import load_inputs, plan_tables, read_models_in_force
    from mmm_pipeline.planning.scenarios import ScenarioError, load_scenarios
    from mmm_pipeline.planning.schemas import BUDGET_ALLOCATION_COLUMNS, BUDGET_SCENARIO_COLUMNS
    from mmm_pipeline.publish import publish, slice_replacement

    settings = apply_overrides(None, args.warehouse, None)
    try:
        scenarios = load_scenarios(Path(args.scenario))
    except ScenarioError as error:
        print(f"mmm plan: {error}", file=sys.stderr)
        return 2
    if not settings.warehouse_exists:
        print(
            f"mmm plan: no warehouse at {settings.warehouse}; run `mmm run` first", file=sys.stderr
        )
        return 2
    with open_warehouse(settings.warehouse, read_only=True) as conn:
        models = read_models_in_force(conn)
    wanted = {(s.segment, s.outcome) for s in scenarios}
    inputs = load_inputs([m for m in models if (m[0].segment, m[0].outcome) in wanted])
    tables = plan_tables(inputs, scenarios, settings.interval_level, include_built_in=False)
    if tables.mistakes:
        print("mmm plan: " + "\n".join(tables.mistakes), file=sys.stderr)
        return 2
    for summary in tables.scenarios.itertuples():
        rows = tables.allocation.query("scenario == @summary.scenario and geo == 'ALL'")
        print(
            f"\n{summary.scenario} ({summary.segment} {summary.outcome}): weekly budget "
            f"{summary.budget:,.0f} (now {summary.current_budget:,.0f}); expected "
            f"{summary.expected_contribution:,.1f} a week "
            f"({summary.expected_contribution_low:,.1f}-{summary.expected_contribution_high:,.1f}) "
            f"against {summary.current_contribution:,.1f} now; gain {summary.gain:+,.1f} "
            f"({summary.gain_low:+,.1f} to {summary.gain_high:+,.1f}), "
            f"P(better) {summary.probability_better:.0%}"
        )
        if summary.warnings:
            print(f"  warning: {summary.warnings}")
        shown = rows[
            [
                "channel",
                "current_spend",
                "proposed_spend",
                "expected_contribution",
                "expected_contribution_low",
                "expected_contribution_high",
            ]
        ]
        print(shown.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
    writes = []
    for name in tables.scenarios["scenario"].unique():
        where = {"scenario": name}
        writes += [
            slice_replacement(
                "mmm.budget_allocation",
                BUDGET_ALLOCATION_COLUMNS,
                tables.allocation[tables.allocation["scenario"] == name],
                where,
            ),
            slice_replacement(
                "mmm.budget_scenarios",
                BUDGET_SCENARIO_COLUMNS,
                tables.scenarios[tables.scenarios["scenario"] == name],
                where,
            ),
        ]
    with open_warehouse(settings.warehouse) as conn:
        publish(conn, writes)
    print(f"\nWritten to mmm.budget_allocation and mmm.budget_scenarios in {settings.warehouse}")
    return 0
