"""Which outcome each outcome is made from, found from the marts before any fit reads it."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from mmm_pipeline.defs.quality.assets import READINESS_KEY
from mmm_pipeline.defs.transform.keys import MARTS
from mmm_pipeline.marts import clicked_series, conversions_weekly
from mmm_pipeline.modeling.funnel_links import FUNNEL_LINK_COLUMNS, LINKED, funnel_links
from mmm_pipeline.modeling.specification import load_model_config
from mmm_pipeline.publish import replace_table

FUNNEL_LINKS_KEY = dg.AssetKey(["mmm", "funnel_links"])


@dg.asset(
    key=FUNNEL_LINKS_KEY,
    group_name="quality",
    kinds={"duckdb", "pandas"},
    deps=[*MARTS, READINESS_KEY],
    description="Every outcome without clicks of its own against each other outcome of its "
    "segment: how well a funnel from it predicts held-out weeks, and the links made. A "
    "linked series is fitted after its upstream one and takes its channel split from it.",
)
def funnel_links_table(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource
) -> dg.MaterializeResult:
    """Score every funnel candidate and publish ``mmm.funnel_links``.

    Returns
    -------
    dg.MaterializeResult
        The candidates and links as metadata.
    """
    with warehouse.get_connection() as conn:
        table = funnel_links(
            conversions_weekly(conn), clicked_series(conn), load_model_config().funnel
        )
        replace_table(conn, "mmm.funnel_links", FUNNEL_LINK_COLUMNS, table)
    for row in table.itertuples():
        context.log.info(
            f"{row.segment} x {row.outcome} from {row.upstream}: {row.decision} ({row.reason})"
        )
    shown = table[["segment", "outcome", "upstream", "decision", "heldout_error_ratio"]]
    return dg.MaterializeResult(
        metadata={
            "candidates": dg.MetadataValue.int(len(table)),
            "links": dg.MetadataValue.int(int((table["decision"] == LINKED).sum())),
            "links_table": dg.MetadataValue.md(
                shown.to_markdown(index=False) if len(shown) else ""
            ),
        }
    )
