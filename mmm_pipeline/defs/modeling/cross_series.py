"""Tables across every series' model in force (unpartitioned, after the fits)."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from mmm_pipeline.defs.jobs import REPORT_GROUP
from mmm_pipeline.defs.modeling.assets import RESULT_KEYS
from mmm_pipeline.defs.transform.keys import MARTS
from mmm_pipeline.modeling.cross_series import (
    OUTCOME_COMPARISON_COLUMNS,
    TIME_HORIZON_COLUMNS,
    outcome_comparison,
    time_horizons,
)
from mmm_pipeline.publish import replace_table


@dg.asset(
    key=["mmm", "outcome_comparison"],
    group_name=REPORT_GROUP,
    kinds={"duckdb"},
    deps=[RESULT_KEYS["mmm.channel_roi"], RESULT_KEYS["mmm.channel_parameters"]],
    description="The same channel across segments and outcomes: ROI, marginal ROI, "
    "where it saturates, and a verdict (room to grow / diminishing / saturated).",
)
def outcome_comparison_table(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Publish ``mmm.outcome_comparison`` from the accepted models.

    Returns
    -------
    dg.MaterializeResult
        The row count and the comparison's verdicts as metadata.
    """
    with warehouse.get_connection() as conn:
        frame = outcome_comparison(conn)
        replace_table(conn, "mmm.outcome_comparison", OUTCOME_COMPARISON_COLUMNS, frame)
    shown = frame[["channel", "segment", "outcome", "marginal_to_average", "verdict"]]
    return dg.MaterializeResult(
        metadata={
            "rows": dg.MetadataValue.int(len(frame)),
            "comparison": dg.MetadataValue.md(shown.to_markdown(index=False, floatfmt=".2f")),
        }
    )


@dg.asset(
    key=["mmm", "time_horizons"],
    group_name=REPORT_GROUP,
    kinds={"duckdb"},
    deps=[RESULT_KEYS["mmm.channel_parameters"], *MARTS],
    description="Per channel: adstock half-life (decay) next to the lag at which sustained "
    "spend shows in outcomes, so decay is not mistaken for a decision horizon.",
)
def time_horizons_table(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Publish ``mmm.time_horizons`` from the accepted models and the marts.

    Returns
    -------
    dg.MaterializeResult
        The row count and the table of horizons as metadata.
    """
    with warehouse.get_connection() as conn:
        frame = time_horizons(conn)
        replace_table(conn, "mmm.time_horizons", TIME_HORIZON_COLUMNS, frame)
    return dg.MaterializeResult(
        metadata={
            "rows": dg.MetadataValue.int(len(frame)),
            "horizons": dg.MetadataValue.md(frame.to_markdown(index=False, floatfmt=".2f")),
        }
    )
