"""One Dagster asset per source folder: load new deliveries into ``raw.<source>``.

The asset key ``raw/<source>`` equals the dbt source of the same name, so dbt staging
models hang under these assets in the lineage graph without further wiring.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from mmm_pipeline.defs.resources import LandingZone
from mmm_pipeline.landing.loader import SourceLoadReport, load_source, quarantine_messages
from mmm_pipeline.landing.sources import SOURCES, SourceSpec

DELIVERIES_CHECK = "deliveries_accepted"


def _metadata(report: SourceLoadReport) -> dict[str, dg.MetadataValue]:
    return {
        "new_deliveries": dg.MetadataValue.int(len(report.results)),
        "rows_added": dg.MetadataValue.int(report.rows_added),
        "already_loaded": dg.MetadataValue.int(report.already_loaded),
        "raw_row_count": dg.MetadataValue.int(report.raw_row_count),
        "rejected": dg.MetadataValue.int(len(report.rejected)),
        "rows_quarantined": dg.MetadataValue.int(report.rows_quarantined),
        "loaded_files": dg.MetadataValue.md(
            "\n".join(f"- `{r.file_name}`: {r.row_count:,} rows" for r in report.loaded) or "none"
        ),
    }


def build_landing_asset(spec: SourceSpec) -> dg.AssetsDefinition:
    """Build the ingestion asset (and its delivery check) for one source folder.

    Returns
    -------
    dg.AssetsDefinition
        The asset ``raw/<source>``: it loads the new deliveries and materializes their counts,
        with the ``deliveries_accepted`` check warning of rejected files and quarantined rows.
    """
    key = dg.AssetKey(["raw", spec.name])

    @dg.asset(
        key=key,
        group_name="ingestion",
        kinds={"duckdb"},
        description=f"{spec.description} Loaded from `<landing>/{spec.name}/`.",
        check_specs=[
            dg.AssetCheckSpec(
                DELIVERIES_CHECK,
                asset=key,
                blocking=False,
                description="Every new delivery of this run loaded whole; rejected files "
                "and quarantined rows are named with file, line and reason.",
            )
        ],
    )
    def landing_asset(
        context: dg.AssetExecutionContext, warehouse: DuckDBResource, landing_zone: LandingZone
    ) -> dg.MaterializeResult:
        with warehouse.get_connection() as conn:
            report = load_source(conn, landing_zone.root, spec)
            quarantined = quarantine_messages(conn, report)
        for rejected in report.rejected:
            context.log.error(rejected.reason)
        for problem in quarantined:
            context.log.warning(problem)
        context.log.info(
            f"{spec.name}: {len(report.loaded)} new deliveries, {report.rows_added:,} rows; "
            f"{report.already_loaded} already loaded; {len(report.rejected)} rejected; "
            f"{report.rows_quarantined:,} rows quarantined"
        )
        return dg.MaterializeResult(
            metadata=_metadata(report),
            check_results=[
                dg.AssetCheckResult(
                    check_name=DELIVERIES_CHECK,
                    passed=not report.rejected and not report.rows_quarantined,
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata={
                        "rejected_files": dg.MetadataValue.md(
                            "\n".join(f"- {r.reason}" for r in report.rejected) or "none"
                        ),
                        "quarantined_rows": dg.MetadataValue.md(
                            "\n".join(f"- {m}" for m in quarantined) or "none"
                        ),
                    },
                )
            ],
        )

    return landing_asset


landing_assets = [build_landing_asset(spec) for spec in SOURCES.values()]
