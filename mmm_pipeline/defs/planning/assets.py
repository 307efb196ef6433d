"""``mmm.response_curves``, ``mmm.budget_allocation`` and ``mmm.budget_scenarios``.

Unpartitioned, after the fits, from every series' model in force. The built-in scenarios
(same budget, 20% less, 20% more) run for every series; the scenarios in the file named
by ``MMM_SCENARIOS`` run too, and a mistake in that file fails the ``scenarios_valid``
check with every mistake listed while the built-ins are still published.
"""

from collections.abc import Iterator

import dagster as dg
from dagster_duckdb import DuckDBResource

from mmm_pipeline.defs.jobs import PLANNING_GROUP
from mmm_pipeline.defs.modeling.assets import MODEL_RUNS_KEY
from mmm_pipeline.planning.all_series import load_inputs, plan_tables, read_models_in_force
from mmm_pipeline.planning.scenarios import ScenarioError, load_scenarios
from mmm_pipeline.planning.schemas import (
    BUDGET_ALLOCATION_COLUMNS,
    BUDGET_SCENARIO_COLUMNS,
    RESPONSE_CURVE_COLUMNS,
)
from mmm_pipeline.publish import publish, table_replacement
from mmm_pipeline.settings import get_settings

CURVES_KEY = dg.AssetKey(["mmm", "response_curves"])
ALLOCATION_KEY = dg.AssetKey(["mmm", "budget_allocation"])
SCENARIOS_KEY = dg.AssetKey(["mmm", "budget_scenarios"])


def _spec(key: dg.AssetKey, description: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        key,
        deps=[MODEL_RUNS_KEY],
        group_name=PLANNING_GROUP,
        kinds={"duckdb", "scipy"},
        description=description,
    )


@dg.multi_asset(
    specs=[
        _spec(
            CURVES_KEY,
            "Expected weekly contribution at steady weekly spend, from zero to twice the "
            "highest spend seen, per series, geo (and ALL) and channel, with intervals.",
        ),
        _spec(
            ALLOCATION_KEY,
            "Every scenario's proposed weekly spend per geo and channel against the "
            "current one, with the expected contribution of each and its interval.",
        ),
        _spec(
            SCENARIOS_KEY,
            "Per scenario: budget, expected contribution proposed against current, the "
            "gain with its interval, the probability the proposal beats the current plan.",
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "scenarios_valid",
            asset=SCENARIOS_KEY,
            description="The user's scenario file (MMM_SCENARIOS) is valid and every "
            "scenario in it could be run.",
        )
    ],
)
def planning(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Compute curves and scenarios from the models in force and publish them together.

    Yields
    ------
    dg.MaterializeResult or dg.AssetCheckResult
        Materializations of ``mmm.response_curves``, ``mmm.budget_allocation`` and
        ``mmm.budget_scenarios`` (row counts, the scenarios table), then the
        ``scenarios_valid`` check, which warns with every mistake in the scenarios.
    """
    settings = get_settings()
    mistakes, user = [], []
    if settings.scenarios_file is not None:
        try:
            user = load_scenarios(settings.scenarios_file)
        except ScenarioError as error:
            mistakes.append(str(error))
    with warehouse.get_connection() as conn:
        models = read_models_in_force(conn)
    tables = plan_tables(load_inputs(models), user, settings.interval_level)
    mistakes += tables.mistakes
    with warehouse.get_connection() as conn:
        publish(
            conn,
            [
                table_replacement("mmm.response_curves", RESPONSE_CURVE_COLUMNS, tables.curves),
                table_replacement(
                    "mmm.budget_allocation", BUDGET_ALLOCATION_COLUMNS, tables.allocation
                ),
                table_replacement(
                    "mmm.budget_scenarios", BUDGET_SCENARIO_COLUMNS, tables.scenarios
                ),
            ],
        )
    for mistake in mistakes:
        context.log.warning(mistake)
    yield dg.MaterializeResult(
        asset_key=CURVES_KEY, metadata={"rows": dg.MetadataValue.int(len(tables.curves))}
    )
    yield dg.MaterializeResult(
        asset_key=ALLOCATION_KEY,
        metadata={"rows": dg.MetadataValue.int(len(tables.allocation))},
    )
    shown = tables.scenarios[
        ["scenario", "segment", "outcome", "budget", "gain", "probability_better", "warnings"]
    ]
    yield dg.MaterializeResult(
        asset_key=SCENARIOS_KEY,
        metadata={
            "rows": dg.MetadataValue.int(len(tables.scenarios)),
            "scenarios": dg.MetadataValue.md(shown.to_markdown(index=False, floatfmt=",.2f")),
        },
    )
    yield dg.AssetCheckResult(
        asset_key=SCENARIOS_KEY,
        check_name="scenarios_valid",
        passed=not mistakes,
        severity=dg.AssetCheckSeverity.WARN,
        description="\n".join(mistakes) or "every scenario ran",
    )
