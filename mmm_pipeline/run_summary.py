"""A readable end-of-run summary for ``mmm run``: what ran, what was kept out, where to look.

Built from the Dagster run's own events, so it reports exactly what the UI shows for the
same run, plus row counts of the tables users query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from mmm_pipeline.landing.raw_tables import quote_identifier
from mmm_pipeline.warehouse_lock import open_warehouse

QUERYABLE_SCHEMAS = ("marts", "mmm")
# dbt singular tests store their failing rows here, with a `message` column for people.
AUDIT_SCHEMA = "audit"
MAX_QUOTED_MESSAGES = 5


@dataclass
class RunSummary:
    """The facts a user needs after a run, gathered from events and the warehouse."""

    success: bool
    run_id: str
    seconds: float
    landing_dir: Path
    warehouse: Path
    ingestion: dict[str, dict[str, int]] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)
    checks_passed: int = 0
    check_warnings: list[str] = field(default_factory=list)
    check_failures: list[str] = field(default_factory=list)
    step_failures: list[str] = field(default_factory=list)
    table_rows: dict[str, int] = field(default_factory=dict)
    findings: list[tuple[str, str, int]] = field(default_factory=list)
    readiness: list[tuple[str, str, bool, str]] = field(default_factory=list)
    models: list[tuple] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)
    # Series not refitted because nothing they read changed: "series (fit run_id, status)".
    reused: list[str] = field(default_factory=list)
    runs: int = 1
    report: str | None = None
    # The run's log file (run_console.py) and the warnings logged into it.
    log_path: Path | None = None
    logged_warnings: int = 0

    def render(self) -> str:
        """Render the summary as plain text for a terminal.

        Returns
        -------
        str
            Lines separated by newlines, no trailing newline: the verdict and paths,
            ingestion, checks, then the sections that have something to show.
        """
        verdict = "succeeded" if self.success else "FAILED"
        lines = [
            f"mmm run {verdict} in {self.seconds:.1f} s (Dagster run {self.run_id[:8]}"
            + (f" and {self.runs - 1} more)" if self.runs > 1 else ")"),
            f"  landing zone  {self.landing_dir}",
            f"  warehouse     {self.warehouse}",
            "",
            "Ingestion (new deliveries this run)",
        ]
        for source, counts in sorted(self.ingestion.items()):
            lines.append(
                f"  {source:<17} {counts['new_deliveries']:>3} new files, "
                f"{counts['rows_added']:>10,} rows added; {counts['already_loaded']} already "
                f"loaded, {counts['rejected']} rejected, {counts['rows_quarantined']:,} rows "
                f"quarantined; {counts['raw_row_count']:,} rows in raw"
            )
        if self.rejected:
            lines += ["", "Kept out (files are untouched in the landing zone):"]
            lines += [f"  x {reason}" for reason in self.rejected]
        lines += [
            "",
            f"Checks: {self.checks_passed} passed, {len(self.check_warnings)} warnings, "
            f"{len(self.check_failures)} failed",
        ]
        lines += [f"  ! {warning}" for warning in self.check_warnings]
        lines += [f"  x {failure}" for failure in self.check_failures]
        if self.step_failures:
            lines += ["", "Failed steps:"]
            lines += [f"  x {failure}" for failure in self.step_failures]
        if self.findings:
            lines += ["", "Data quality (mmm.data_quality_issues):"]
            lines += [
                f"  {count:>5} {severity:<5} {check}" for check, severity, count in self.findings
            ]
        if self.readiness:
            lines += ["", "MMM readiness, all geos (mmm.readiness):"]
            lines += [
                f"  {'ready    ' if ready else 'NOT READY'} {segment} x {outcome}"
                + ("" if ready else f": {reasons}")
                for segment, outcome, ready, reasons in self.readiness
            ]
        if self.models:
            lines += ["", "Models fitted this run (mmm.model_runs):"]
            lines += [_describe_model(*model) for model in self.models]
        if self.reused:
            lines += ["", "Models reused, nothing they read changed (mmm run --refit fits them):"]
            lines += [f"  {reused}" for reused in self.reused]
        if self.disagreements:
            lines += ["", "Lift tests the models disagree with (mmm.experiment_agreement):"]
            lines += [f"  ! {message}" for message in self.disagreements]
        if self.table_rows:
            lines += ["", "Tables to query:"]
            lines += [f"  {name:<40} {rows:>10,} rows" for name, rows in self.table_rows.items()]
            lines += ["", 'Try: mmm query "select * from marts.fct_media_weekly limit 10"']
        if self.report:
            lines += [f"Report: {self.report}"]
        if self.log_path:
            lines += [f"Log:    {self.log_path} ({self.logged_warnings} warnings logged)"]
        return "\n".join(lines)


def _describe_model(
    segment: str,
    outcome: str,
    status: str,
    rhat: float,
    ess: float,
    divergences: int,
    mape: float | None,
    naive: float | None,
    seconds: float,
    reasons: str,
    attempt: int | None = None,
    attempt_label: str | None = None,
    advice: str | None = None,
    fit_reason: str | None = None,
) -> str:
    error = "no holdout" if mape is None else f"holdout MAPE {mape:.1%}"
    if mape is not None and naive is not None:
        error += f" (naive {naive:.1%})"
    line = (
        f"  {status.upper() if status != 'accepted' else status:<9} {segment} x {outcome}: "
        f"R-hat {rhat:.3f}, ESS {ess:.0f}, {divergences} divergence(s), {error}; "
        f"{seconds:.0f} s"
    )
    if attempt is not None and attempt > 1:
        line += f" (attempt {attempt}: {attempt_label})"
    line += f"\n      {reasons}" if reasons else ""
    line += f"\n      fitted because: {fit_reason}" if fit_reason and attempt in (None, 1) else ""
    return line + (f"\n      what to do: {advice}" if advice else "")


def _int(metadata: dict, key: str) -> int:
    value = metadata.get(key)
    return int(value.value) if value is not None else 0


def _rejected_files(evaluation: dg.AssetCheckEvaluation) -> list[str]:
    """List what an ingestion check kept out: rejected files, then quarantined rows.

    Returns
    -------
    list of str
        One entry per line of the ``rejected_files`` and ``quarantined_rows`` metadata,
        without the leading ``- ``; empty when the check lists none.
    """
    kept_out = []
    for key in ("rejected_files", "quarantined_rows"):
        listing = evaluation.metadata.get(key)
        if listing is not None and listing.value != "none":
            kept_out += [line.removeprefix("- ") for line in str(listing.value).splitlines()]
    return kept_out


def _describe_check(evaluation: dg.AssetCheckEvaluation) -> str:
    name = f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}"
    if "rejected_files" in evaluation.metadata:
        return f"{name}: deliveries or rows kept out, listed below"
    return f"{name}: {evaluation.description}" if evaluation.description else name


def _table_row_counts(warehouse: Path) -> dict[str, int]:
    if not warehouse.exists():
        return {}
    counts: dict[str, int] = {}
    with open_warehouse(warehouse, read_only=True) as conn:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ? order by 1, 2",
            [list(QUERYABLE_SCHEMAS)],
        ).fetchall()
        for schema, table in tables:
            # A table named with a double quote must stay one name, not become SQL.
            name = f"{quote_identifier(schema)}.{quote_identifier(table)}"
            counts[f"{schema}.{table}"] = conn.execute(
                f"select count(*) from {name}"  # noqa: S608 (quoted names from the catalog)
            ).fetchall()[0][0]
    return counts


def summarize(
    results: list[dg.ExecuteInProcessResult], seconds: float, landing_dir: Path, warehouse: Path
) -> RunSummary:
    """Gather the summary of the in-process runs of one ``mmm run`` (data, fits, reports).

    Parameters
    ----------
    results
        The runs of this ``mmm run``, at least one; the first names the summary.
    seconds
        Wall time of the whole command.
    landing_dir, warehouse
        Where the run read deliveries and wrote its tables.

    Returns
    -------
    RunSummary
        Successful when every run was; the events' ingestion counts, checks and failed
        steps, and what the warehouse now holds (row counts, findings, readiness, this
        run's fits and disagreeing lift tests) where its tables exist.
    """
    summary = RunSummary(
        success=all(result.success for result in results),
        run_id=results[0].run_id,
        seconds=seconds,
        landing_dir=landing_dir,
        warehouse=warehouse,
        runs=len(results),
    )
    for event in (event for result in results for event in result.all_events):
        if event.is_step_materialization:
            materialization = event.event_specific_data.materialization  # type: ignore[union-attr]
            key = materialization.asset_key
            if key.path == ["mmm", "report"] and "path" in materialization.metadata:
                summary.report = str(materialization.metadata["path"].value)
            if key.path[0] == "raw":
                metadata = materialization.metadata
                summary.ingestion[key.path[-1]] = {
                    name: _int(metadata, name)
                    for name in (
                        "new_deliveries",
                        "rows_added",
                        "already_loaded",
                        "rejected",
                        "rows_quarantined",
                        "raw_row_count",
                    )
                }
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation: dg.AssetCheckEvaluation = event.event_specific_data  # type: ignore[assignment]
            if evaluation.passed:
                summary.checks_passed += 1
                continue
            summary.rejected += _rejected_files(evaluation)
            if evaluation.severity == dg.AssetCheckSeverity.WARN:
                summary.check_warnings.append(_describe_check(evaluation))
            else:
                summary.check_failures.append(_describe_check(evaluation))
        elif event.event_type == dg.DagsterEventType.ASSET_OBSERVATION:
            observation = event.event_specific_data.asset_observation  # type: ignore[union-attr]
            reused = observation.metadata.get("reused_run_id")
            if reused is not None:
                status = observation.metadata["status"].value
                summary.reused.append(f"{observation.partition}: fit {reused.value} ({status})")
        elif event.is_step_failure:
            error = event.step_failure_data.error  # type: ignore[union-attr]
            message = error.message.strip().splitlines()[0] if error else "unknown error"
            summary.step_failures.append(f"{event.step_key}: {message}")
    summary.check_failures = [
        _with_audit_messages(warehouse, failure) for failure in summary.check_failures
    ]
    summary.table_rows = _table_row_counts(warehouse)
    if "mmm.data_quality_issues" in summary.table_rows:
        summary.findings = _query(
            warehouse,
            "select check_name, severity, count(*) from mmm.data_quality_issues "
            "group by all order by 2, 1",
        )
    if "mmm.model_runs" in summary.table_rows:
        # A ledger from before fit_reason existed gets the column with its next fit.
        has_reason = _query(
            warehouse,
            "select count(*) from information_schema.columns where table_schema = 'mmm' "
            "and table_name = 'model_runs' and column_name = 'fit_reason'",
        )[0][0]
        reason = "fit_reason" if has_reason else "null"
        summary.models = _query(
            warehouse,
            "select segment, outcome, status, max_rhat, min_ess, divergences, holdout_mape, "  # noqa: S608 (fixed names)
            f"naive_mape, fit_seconds, reasons, attempt, attempt_label, advice, {reason} "
            "from mmm.model_runs "
            "where list_contains(?, dagster_run_id) order by segment, outcome, attempt",
            [[result.run_id for result in results]],
        )
    if "mmm.experiment_agreement" in summary.table_rows:
        summary.disagreements = [
            row[0]
            for row in _query(
                warehouse, "select message from mmm.experiment_agreement where not agrees"
            )
        ]
    if "mmm.readiness" in summary.table_rows:
        summary.readiness = _query(
            warehouse,
            "select segment, outcome, ready, reasons from mmm.readiness "
            "where geo = 'ALL' order by segment, outcome",
        )
    return summary


def _query(warehouse: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    with open_warehouse(warehouse, read_only=True) as conn:
        return conn.execute(sql, parameters).fetchall()


def _with_audit_messages(warehouse: Path, failure: str) -> str:
    """Append the messages a failed singular dbt test stored about its failing rows.

    Returns
    -------
    str
        ``failure``, followed by up to :data:`MAX_QUOTED_MESSAGES` stored messages on
        indented lines; ``failure`` alone for any other check or when nothing is stored.
    """
    check_name = failure.split(" ")[1].split(":")[0]
    if not check_name.startswith("assert_") or not warehouse.exists():
        return failure
    with open_warehouse(warehouse, read_only=True) as conn:
        exists = conn.execute(
            "select count(*) from information_schema.columns "
            "where table_schema = ? and table_name = ? and column_name = 'message'",
            [AUDIT_SCHEMA, check_name],
        ).fetchall()[0][0]
        if not exists:
            return failure
        messages = conn.execute(
            f"select message from {AUDIT_SCHEMA}.{quote_identifier(check_name)} "  # noqa: S608
            f"limit {MAX_QUOTED_MESSAGES}"
        ).fetchall()
    return "\n      ".join([failure, *(str(m[0]) for m in messages)])
