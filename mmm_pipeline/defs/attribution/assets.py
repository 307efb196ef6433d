"""``mmm.attribution_weekly`` and ``mmm.attribution_shift`` as one Dagster multi-asset.

Unpartitioned, after the fits: it reads every series' model in force from the ledger, so
a rejected fit changes nothing here and a refresh with new weeks reuses the accepted
posterior. Both tables are replaced together in one transaction.
"""

from collections.abc import Iterator

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource
from duckdb import DuckDBPyConnection

from mmm_pipeline.attribution.all_series import attribution_tables, coverage_gaps, read_sources
from mmm_pipeline.attribution.series_attribution import (
    ATTRIBUTION_WEEKLY_COLUMNS,
)
from mmm_pipeline.attribution.shift import ATTRIBUTION_SHIFT_COLUMNS
from mmm_pipeline.defs.jobs import ATTRIBUTION_GROUP
from mmm_pipeline.defs.modeling.assets import MODEL_RUNS_KEY
from mmm_pipeline.defs.transform.keys import MARTS, PATHS
from mmm_pipeline.publish import publish, table_replacement
from mmm_pipeline.report.figures import shift_chart
from mmm_pipeline.settings import get_settings

WEEKLY_KEY = dg.AssetKey(["mmm", "attribution_weekly"])
SHIFT_KEY = dg.AssetKey(["mmm", "attribution_shift"])
TOLERANCE = 1e-6


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            WEEKLY_KEY,
            deps=[MODEL_RUNS_KEY, *MARTS, *PATHS],
            group_name=ATTRIBUTION_GROUP,
            kinds={"duckdb", "pymc"},
            description="Conversions and value per week, geo, segment, outcome, model and "
            "channel: last click, first click, linear, U-shape, data-driven and MMM, which "
            "gives Direct and Branded Search credit back to the channels that created the "
            "demand and Word of Mouth its own line.",
        ),
        dg.AssetSpec(
            SHIFT_KEY,
            deps=[WEEKLY_KEY],
            group_name=ATTRIBUTION_GROUP,
            kinds={"duckdb"},
            description="Per series and channel: share under last click against share "
            "under the MMM, with its interval and the direction of the move.",
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "conversions_conserved",
            asset=WEEKLY_KEY,
            description="Every model's channels add up to the observed conversions and "
            "value of every week, geo, segment and outcome.",
        ),
        dg.AssetCheckSpec(
            "models_cover_the_data",
            asset=WEEKLY_KEY,
            description="Every ready series has a model in force, no geo or paid channel "
            "in the data is missing from it, and the last weeks' actuals lie within its "
            "predictive interval; otherwise the model must be rebuilt, not refreshed.",
        ),
    ],
)
def attribution(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Compute every model's credit and publish both tables together.

    Yields
    ------
    dg.MaterializeResult or dg.AssetCheckResult
        The materialization of ``mmm.attribution_weekly`` (rows, models per series), its
        checks ``conversions_conserved`` and ``models_cover_the_data`` (a warning), then the
        materialization of ``mmm.attribution_shift`` with the shift table and one chart per
        series.
    """
    settings = get_settings()
    with warehouse.get_connection() as conn:
        sources = read_sources(conn, settings.attribution_lookback_days)
    weekly, shift, drift = attribution_tables(sources, settings.interval_level)
    with warehouse.get_connection() as conn:
        publish(
            conn,
            [
                table_replacement("mmm.attribution_weekly", ATTRIBUTION_WEEKLY_COLUMNS, weekly),
                table_replacement("mmm.attribution_shift", ATTRIBUTION_SHIFT_COLUMNS, shift),
            ],
        )
        gap = conservation_gap(conn)
    charts = {
        f"chart_{segment}_{outcome}": dg.MetadataValue.md(
            shift_chart(
                rows,
                segment,
                outcome,
                settings.data_dir / "plots" / "attribution",
                settings.interval_level,
            )
        )
        for (segment, outcome), rows in shift.groupby(["segment", "outcome"])
    }
    models = weekly.groupby(["segment", "outcome"])["model"].unique()
    yield dg.MaterializeResult(
        asset_key=WEEKLY_KEY,
        metadata={
            "rows": dg.MetadataValue.int(len(weekly)),
            "models": dg.MetadataValue.md(
                "\n".join(f"- {s} {o}: {', '.join(m)}" for (s, o), m in models.items())
            ),
        },
    )
    yield dg.AssetCheckResult(
        asset_key=WEEKLY_KEY,
        check_name="conversions_conserved",
        passed=bool(gap["max_gap"].max() <= TOLERANCE) if not gap.empty else True,
        metadata={"largest gaps": dg.MetadataValue.md(gap.head(10).to_markdown(index=False))},
    )
    gaps = coverage_gaps(sources) + drift
    yield dg.AssetCheckResult(
        asset_key=WEEKLY_KEY,
        check_name="models_cover_the_data",
        passed=not gaps,
        severity=dg.AssetCheckSeverity.WARN,
        description="\n".join(gaps) or "every model in force covers its data",
    )
    shown = shift[["segment", "outcome", "channel", "last_click_share", "mmm_share", "direction"]]
    yield dg.MaterializeResult(
        asset_key=SHIFT_KEY,
        metadata={
            "rows": dg.MetadataValue.int(len(shift)),
            "shift": dg.MetadataValue.md(shown.to_markdown(index=False, floatfmt=".3f")),
            **charts,
        },
    )


def conservation_gap(conn: DuckDBPyConnection) -> pd.DataFrame:
    """Per model, the largest gap between attributed and observed conversions or value.

    Returns
    -------
    pd.DataFrame
        One row per segment, outcome and model with ``max_gap``, largest first; the
        ``conversions_conserved`` check passes when no gap exceeds ``TOLERANCE``.
    """
    return conn.execute(
        """
        with attributed as (
            select week_start, geo, segment, outcome, model,
                sum(conversions) as conversions, sum(value) as value
            from mmm.attribution_weekly group by all
        )
        select a.segment, a.outcome, a.model,
            max(greatest(abs(a.conversions - coalesce(o.conversions, 0)),
                         abs(a.value - coalesce(o.value, 0)))) as max_gap
        from attributed a
        left join marts.fct_conversions_weekly o using (week_start, geo, segment, outcome)
        group by all order by max_gap desc
        """
    ).df()
