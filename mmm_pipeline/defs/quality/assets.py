"""Data-quality findings and readiness as Dagster assets, each finding family a check.

Checks here never block: a tracking incident is something people must see, not a reason
to stop the refresh. The readiness verdict is what later stages obey.
"""

from collections import Counter
from pathlib import Path

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from mmm_pipeline.defs.transform.keys import MAPPED, MARTS
from mmm_pipeline.landing.sources import SOURCES
from mmm_pipeline.modeling.series import SERIES_PARTITIONS_NAME, Series
from mmm_pipeline.publish import replace_table
from mmm_pipeline.quality.deliveries import delivery_findings
from mmm_pipeline.quality.expectations import SuiteOutcome, expectation_findings, run_suites
from mmm_pipeline.quality.findings import FINDING_COLUMNS, findings_frame
from mmm_pipeline.quality.readiness import READINESS_COLUMNS, assess_readiness
from mmm_pipeline.quality.thresholds import load_thresholds
from mmm_pipeline.quality.tracking import TRACKING_CHECKS

FINDINGS_KEY = dg.AssetKey(["mmm", "data_quality_issues"])
READINESS_KEY = dg.AssetKey(["mmm", "readiness"])
# Families of findings, each shown as one check in the UI.
CHECK_FAMILIES = {
    "delivery_problems": ("rejected_delivery", "quarantined_row"),
    "missing_utm_share": ("missing_utm_share",),
    "click_collapse": ("click_collapse",),
    "spend_anomalies": ("spend_without_delivery", "spend_gap", "spend_spike"),
    "unmapped_values": ("unmapped_ad_spend", "unmapped_conversions", "unmapped_survey_responses"),
    "survey_response_collapse": ("survey_response_collapse",),
    "late_conversions": ("late_conversions",),
}
INCIDENT_CHECKS = ("missing_utm_share", "click_collapse")
SHOWN_MESSAGES = 15


@dg.asset(
    key=FINDINGS_KEY,
    group_name="quality",
    kinds={"duckdb", "pandas"},
    deps=[*MARTS, *MAPPED, *(dg.AssetKey(["raw", s]) for s in SOURCES)],
    description="Every data-quality finding: tracking incidents, spend anomalies, unmapped "
    "values, late data, and what the loader kept out, each with a sentence people read.",
    check_specs=[
        *(dg.AssetCheckSpec(name, asset=FINDINGS_KEY, blocking=False) for name in CHECK_FAMILIES),
        *(
            dg.AssetCheckSpec(
                f"expectations_{source}",
                asset=FINDINGS_KEY,
                blocking=False,
                description=f"great-expectations suite over staging {source}",
            )
            for source in SOURCES
        ),
    ],
)
def data_quality_issues(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource
) -> dg.MaterializeResult:
    """Run every diagnostic and publish ``mmm.data_quality_issues``.

    Returns
    -------
    dg.MaterializeResult
        Finding counts (in all and per check) and the Data Docs path as metadata, with one
        check result per check family and one per expectation suite.
    """
    thresholds = load_thresholds()
    data_dir = Path(warehouse.database).resolve().parent
    with warehouse.get_connection() as conn:
        suites, docs_index = run_suites(conn, data_dir)
        rows = delivery_findings(conn) + expectation_findings(suites)
        for check in TRACKING_CHECKS:
            rows += check(conn, thresholds)
        frame = findings_frame(rows)
        replace_table(conn, "mmm.data_quality_issues", FINDING_COLUMNS, frame)
    for message in frame.loc[frame["severity"] == "error", "message"]:
        context.log.error(message)
    by_check = Counter(frame["check_name"])
    return dg.MaterializeResult(
        metadata={
            "findings": dg.MetadataValue.int(len(frame)),
            "by_check": dg.MetadataValue.json(dict(by_check)),
            "data_docs": dg.MetadataValue.path(str(docs_index)),
        },
        check_results=[
            *(_family_result(family, names, frame) for family, names in CHECK_FAMILIES.items()),
            *(_suite_result(suite, docs_index) for suite in suites),
        ],
    )


def _suite_result(suite: SuiteOutcome, docs_index: Path) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=f"expectations_{suite.source}",
        passed=suite.success,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"{suite.evaluated} expectations on {suite.rows:,} rows"
            + (f" (most recent of {suite.total_rows:,})" if suite.total_rows > suite.rows else "")
            + ("" if suite.success else f"; {len(suite.failed)} failed")
        ),
        metadata={
            "expectations": dg.MetadataValue.int(suite.evaluated),
            "rows_validated": dg.MetadataValue.int(suite.rows),
            "failed": dg.MetadataValue.json(suite.failed),
            "data_docs": dg.MetadataValue.path(str(docs_index)),
        },
    )


def _family_result(family: str, names: tuple[str, ...], frame: pd.DataFrame) -> dg.AssetCheckResult:
    found = frame[frame["check_name"].isin(names)]
    messages = found["message"].head(SHOWN_MESSAGES).tolist()
    if len(found) > SHOWN_MESSAGES:
        messages.append(f"... {len(found) - SHOWN_MESSAGES} more in mmm.data_quality_issues")
    return dg.AssetCheckResult(
        check_name=family,
        passed=found.empty,
        severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(messages[:1]) if messages else "nothing found",
        metadata={
            "findings": dg.MetadataValue.int(len(found)),
            "messages": dg.MetadataValue.md("\n".join(f"- {m}" for m in messages) or "none"),
        },
    )


@dg.asset(
    key=READINESS_KEY,
    group_name="quality",
    kinds={"duckdb", "pandas"},
    deps=[*MARTS, FINDINGS_KEY],
    description="Per segment, outcome and geo (and ALL): is there enough history, moving "
    "spend and paid share for an MMM? Not ready means not fitted.",
    check_specs=[dg.AssetCheckSpec("segments_ready", asset=READINESS_KEY, blocking=False)],
)
def readiness(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Judge MMM readiness and publish ``mmm.readiness``.

    Returns
    -------
    dg.MaterializeResult
        Counts of ready and not-ready series with their verdicts as metadata, and the
        ``segments_ready`` check, which warns with the reasons of each series not ready.
    """
    thresholds = load_thresholds()
    with warehouse.get_connection() as conn:
        incidents = dict(
            conn.execute(
                "select geo, count(distinct week_start) from mmm.data_quality_issues "
                "where list_contains(?, check_name) group by geo",
                [list(INCIDENT_CHECKS)],
            ).fetchall()
        )
        frame = assess_readiness(conn, thresholds, incidents)
        replace_table(conn, "mmm.readiness", READINESS_COLUMNS, frame)
    overall = frame[frame["geo"] == "ALL"]
    # A series with an unsafe name is not registered; its readiness reasons say why.
    named = [Series(row.segment, row.outcome) for row in overall.itertuples()]
    series = [s.key for s in named if s.problem is None]
    known = set(context.instance.get_dynamic_partitions(SERIES_PARTITIONS_NAME))
    if new := [key for key in series if key not in known]:
        context.instance.add_dynamic_partitions(SERIES_PARTITIONS_NAME, new)
        context.log.info(f"new model series: {', '.join(new)}")
    not_ready = overall[~overall["ready"]]
    for row in not_ready.itertuples():
        context.log.warning(f"{row.segment} x {row.outcome} is not ready: {row.reasons}")
    return dg.MaterializeResult(
        metadata={
            "ready": dg.MetadataValue.int(int(overall["ready"].sum())),
            "not_ready": dg.MetadataValue.int(len(not_ready)),
            "verdicts": dg.MetadataValue.md(
                overall[["segment", "outcome", "history_weeks", "paid_share", "ready"]].to_markdown(
                    index=False
                )
            ),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="segments_ready",
                passed=not_ready.empty,
                severity=dg.AssetCheckSeverity.WARN,
                description="; ".join(
                    f"{r.segment} x {r.outcome}: {r.reasons}" for r in not_ready.itertuples()
                )
                or "every segment and outcome is ready",
            )
        ],
    )
