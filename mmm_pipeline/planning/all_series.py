"""Curves and scenarios for every series with a model in force, as warehouse rows.

The warehouse is read first (the ledger, each series' panel), closed, and only then are
the models loaded and the optimizer run (DuckDB has one writer per file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.modeling.panel import build_panel
from mmm_pipeline.modeling.runs import load_model, model_in_force, series_in_marts
from mmm_pipeline.modeling.series import Series
from mmm_pipeline.modeling.specification import load_model_config
from mmm_pipeline.planning.optimizer import InfeasibleBudget
from mmm_pipeline.planning.scenarios import Scenario, built_in, validate_names
from mmm_pipeline.planning.schemas import (
    BUDGET_ALLOCATION_COLUMNS,
    BUDGET_SCENARIO_COLUMNS,
    RESPONSE_CURVE_COLUMNS,
)
from mmm_pipeline.planning.series_plan import (
    SeriesPlanInputs,
    response_curves,
    run_scenario,
)
from mmm_pipeline.publish import concat_rows


@dataclass
class PlanTables:
    """Rows for the three planning tables, and every scenario that could not be run."""

    curves: pd.DataFrame
    allocation: pd.DataFrame
    scenarios: pd.DataFrame
    mistakes: list[str] = field(default_factory=list)


def read_models_in_force(
    conn: DuckDBPyConnection, models_dir: Path | None = None
) -> list[tuple[Series, dict, object]]:
    """Each series with an accepted model whose file exists: (series, run, panel).

    ``models_dir`` is the folder model files must lie in (default ``<data_dir>/models``).

    Returns
    -------
    list of tuple of (Series, dict, ModelPanel)
        Per series of the marts with a model in force: the series, its ``mmm.model_runs``
        row and today's panel (:func:`~mmm_pipeline.modeling.panel.build_panel`).
    """
    found = []
    for series in series_in_marts(conn):
        run = model_in_force(conn, series, models_dir)
        if run is not None:
            found.append(
                (series, run, build_panel(conn, *series, exposure=load_model_config().exposure))
            )
    return found


def load_inputs(
    models: list[tuple[Series, dict, object]], models_dir: Path | None = None
) -> dict[Series, SeriesPlanInputs]:
    """Load each model in force (only from ``models_dir``, default ``<data_dir>/models``).

    Returns
    -------
    dict of Series to SeriesPlanInputs
        Each series' response draws and spend levels, from its model file and panel.
    """
    return {
        series: SeriesPlanInputs.from_model(
            series, run["run_id"], load_model(run, models_dir), panel
        )
        for series, run, panel in models
    }


def plan_tables(
    inputs: dict[Series, SeriesPlanInputs],
    user: list[Scenario],
    level: float,
    include_built_in: bool = True,
) -> PlanTables:
    """Curves, the built-in scenarios of every series, and the user's scenarios.

    Returns
    -------
    PlanTables
        Response curves and built-in scenarios (when ``include_built_in``), the user's
        scenarios whose names check out, and every mistake: unknown names and
        infeasible scenarios, which are left out of the tables.
    """
    curves, allocation, summaries, mistakes = [], [], [], []
    in_force = {(s.segment, s.outcome) for s in inputs}
    for index, scenario in enumerate(user):
        series = Series(scenario.segment, scenario.outcome)
        plan = inputs.get(series)
        names = (plan.response.geos, plan.response.channels) if plan else ([], [])
        found = validate_names(scenario, index, in_force, *names)
        mistakes += found
        if found:
            user = [s for s in user if s is not scenario]
    for series, plan in inputs.items():
        if include_built_in:
            curves.append(response_curves(plan, level))
        wanted = (built_in(*series) if include_built_in else []) + [
            s for s in user if (s.segment, s.outcome) == (series.segment, series.outcome)
        ]
        for scenario in wanted:
            try:
                result = run_scenario(plan, scenario, level)
            except InfeasibleBudget as reason:
                mistakes.append(f"{scenario.name} ({series.segment}/{series.outcome}): {reason}")
                continue
            allocation.append(result.allocation)
            summaries.append(pd.DataFrame([result.summary]))
    return PlanTables(
        curves=concat_rows(curves, RESPONSE_CURVE_COLUMNS),
        allocation=concat_rows(allocation, BUDGET_ALLOCATION_COLUMNS),
        scenarios=concat_rows(summaries, BUDGET_SCENARIO_COLUMNS),
        mistakes=mistakes,
    )
