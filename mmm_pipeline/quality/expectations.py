"""great-expectations suites over the staging models, with Data Docs for people.

The suites live here, in code, not in a cloud context: one per landing-zone source,
checking types, ranges, allowed values and key uniqueness of what staging made of the
deliveries. Quarantine should already have kept bad values out, so a failing suite means
something slipped through (or a rule is missing) and is worth a look.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import great_expectations as gx
import pandas as pd
from duckdb import DuckDBPyConnection
from great_expectations import expectations as gxe
from great_expectations.data_context.types.base import ProgressBarsConfig

from mmm_pipeline.quality.findings import finding

EARLIEST_DATE = "2000-01-01"
MAX_VALIDATED_ROWS = 1_000_000
_SUITES_SITE = "local_site"


@dataclass(frozen=True)
class SuiteOutcome:
    """The result of one suite, for an asset check and for the findings table."""

    source: str
    success: bool
    evaluated: int
    failed: list[dict]
    rows: int
    total_rows: int


def _day(column: str) -> str:
    """SQL for a date as whole days since EARLIEST_DATE: comparable as a plain number.

    Returns
    -------
    str
        A select-list item that names its result ``<column>_day``.
    """
    return f"date_diff('day', date '{EARLIEST_DATE}', {column}) as {column}_day"


def _in_range(column: str) -> gxe.Expectation:
    """Dates from EARLIEST_DATE to tomorrow: a 1970 or 2099 date is a broken export.

    Returns
    -------
    great_expectations.expectations.Expectation
        A range expectation on the day number ``<column>_day`` made by :func:`_day`;
        "tomorrow" is the day after this machine's local date.
    """
    latest = (date.today() + timedelta(days=1) - date.fromisoformat(EARLIEST_DATE)).days
    return gxe.ExpectColumnValuesToBeBetween(column=f"{column}_day", min_value=0, max_value=latest)


def _suites(currencies: list[str], channels: list[str]) -> dict[str, tuple[str, list]]:
    """Per source: the staging query to validate and its expectations.

    Returns
    -------
    dict
        Landing-zone source name to a pair: a select over its staging model (no order
        or limit, which :func:`run_suites` adds) and the list of its expectations.
    """
    return {
        "ad_spend": (
            f"select spend_date, {_day('spend_date')}, geo, platform, campaign, spend, "  # noqa: S608 (constants only)
            "currency, impressions, clicks, engagements, _delivery_id, _line_number "
            "from staging.stg_landing__ad_spend",
            [
                gxe.ExpectColumnValuesToNotBeNull(column="spend_date"),
                _in_range("spend_date"),
                gxe.ExpectColumnValuesToNotBeNull(column="spend"),
                gxe.ExpectColumnValuesToBeBetween(column="spend", min_value=0),
                *[
                    gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0)
                    for c in ("impressions", "clicks", "engagements")
                ],
                gxe.ExpectColumnValuesToBeInSet(column="currency", value_set=currencies),
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["spend_date", "geo", "platform", "campaign"]
                ),
            ],
        ),
        "conversions": (
            f"select conversion_id, outcome, occurred_date, {_day('occurred_date')}, geo, "  # noqa: S608 (constants only)
            "segment, value, _delivery_id, _line_number from staging.stg_landing__conversions",
            [
                gxe.ExpectColumnValuesToNotBeNull(column="conversion_id"),
                gxe.ExpectColumnValuesToNotBeNull(column="occurred_date"),
                _in_range("occurred_date"),
                gxe.ExpectColumnValuesToNotBeNull(column="geo"),
                gxe.ExpectColumnValuesToNotBeNull(column="value"),
                gxe.ExpectCompoundColumnsToBeUnique(column_list=["conversion_id", "outcome"]),
            ],
        ),
        "touchpoints": (
            "select customer_id, occurred_at, "
            "_delivery_id, _line_number from staging.stg_landing__touchpoints",
            [
                gxe.ExpectColumnValuesToNotBeNull(column="customer_id"),
                gxe.ExpectColumnValuesToNotBeNull(column="occurred_at"),
            ],
        ),
        "survey_responses": (
            "select response_id, conversion_id, answer, _delivery_id, _line_number "
            "from staging.stg_landing__survey_responses",
            [
                gxe.ExpectColumnValuesToBeUnique(column="response_id"),
                gxe.ExpectColumnValuesToNotBeNull(column="conversion_id"),
                gxe.ExpectColumnValuesToNotBeNull(column="answer"),
            ],
        ),
        "experiments": (
            f"select experiment_id, channel, {_day('start_date')}, {_day('end_date')}, lift, "  # noqa: S608 (constants only)
            "lift_sigma, spend_delta, _delivery_id, _line_number "
            "from staging.stg_landing__experiments",
            [
                gxe.ExpectColumnValuesToBeUnique(column="experiment_id"),
                gxe.ExpectColumnValuesToBeInSet(column="channel", value_set=channels),
                gxe.ExpectColumnValuesToBeBetween(
                    column="lift_sigma", min_value=0, strict_min=True
                ),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="end_date_day", column_B="start_date_day", or_equal=True
                ),
                _in_range("start_date"),
            ],
        ),
        "controls": (
            "select control_date, geo, name, value, "
            "_delivery_id, _line_number from staging.stg_landing__controls",
            [
                gxe.ExpectColumnValuesToNotBeNull(column="value"),
                gxe.ExpectCompoundColumnsToBeUnique(column_list=["control_date", "geo", "name"]),
            ],
        ),
        "outcomes": (
            f"select outcome_date, {_day('outcome_date')}, geo, segment, outcome, conversions, "  # noqa: S608 (constants only)
            "value, _delivery_id, _line_number from staging.stg_landing__outcomes",
            [
                gxe.ExpectColumnValuesToBeBetween(column="conversions", min_value=0),
                _in_range("outcome_date"),
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["outcome_date", "geo", "segment", "outcome"]
                ),
            ],
        ),
    }


def _readable(column: str | None, value: object) -> str:
    """Show a day number (see :func:`_day`) as the date it stands for.

    Returns
    -------
    str
        The ISO date when ``column`` is a ``_day`` column and ``value`` a number, else
        ``value`` as text.
    """
    if column and column.endswith("_day") and isinstance(value, int | float):
        return (date.fromisoformat(EARLIEST_DATE) + timedelta(days=int(value))).isoformat()
    return str(value)


def _context(docs_root: Path) -> gx.data_context.AbstractDataContext:
    """A file context under the data folder, so Data Docs land beside the warehouse.

    Returns
    -------
    great_expectations.data_context.AbstractDataContext
        The context of the project in ``docs_root`` (its ``gx`` folder is made on first
        use), with usage analytics off unless ``GX_ANALYTICS_ENABLED`` says otherwise.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="file", project_root_dir=str(docs_root))
    # A progress bar per validation is noise in a scheduled run's log.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def run_suites(conn: DuckDBPyConnection, docs_root: Path) -> tuple[list[SuiteOutcome], Path]:
    """Validate every staging model with its suite; build Data Docs; return the outcomes.

    Parameters
    ----------
    conn
        A connection to a warehouse with the staging models and the seeds built.
    docs_root
        The folder of the great-expectations project and its Data Docs.

    Returns
    -------
    outcomes : list of SuiteOutcome
        One per landing-zone source; at most :data:`MAX_VALIDATED_ROWS` of its most
        recently delivered rows are validated.
    index : pathlib.Path
        The ``index.html`` of the Data Docs site.
    """
    currencies = [
        r[0] for r in conn.execute("select currency from seeds.currency_rates").fetchall()
    ]
    channels = [r[0] for r in conn.execute("select channel from seeds.channels").fetchall()]
    context = _context(docs_root)
    source = context.data_sources.add_or_update_pandas("staging")
    outcomes = []
    for name, (query, expectations) in _suites(currencies, channels).items():
        total = conn.execute(f"select count(*) from ({query})").fetchall()[0][0]  # noqa: S608
        # Older rows were validated by earlier runs; a first load of a huge history is
        # validated on its most recent deliveries so memory stays bounded.
        frame: pd.DataFrame = conn.execute(
            f"{query} order by _delivery_id desc, _line_number desc limit {MAX_VALIDATED_ROWS}"
        ).df()
        asset = (
            source.add_dataframe_asset(name=name)
            if name not in source.get_asset_names()
            else source.get_asset(name)
        )
        batch_definition = next(
            iter(asset.batch_definitions), None
        ) or asset.add_batch_definition_whole_dataframe("whole")
        suite = context.suites.add_or_update(gx.ExpectationSuite(name=f"staging_{name}"))
        for expectation in expectations:
            suite.add_expectation(expectation)
        validation = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=f"staging_{name}", data=batch_definition, suite=suite)
        )
        checkpoint = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=f"staging_{name}",
                validation_definitions=[validation],
                actions=[gx.checkpoint.UpdateDataDocsAction(name="docs")],
            )
        )
        result = checkpoint.run(batch_parameters={"dataframe": frame})
        (validation_result,) = result.run_results.values()
        failed = [
            {
                "expectation": r.expectation_config.type,
                "column": r.expectation_config.kwargs.get("column")
                or ", ".join(r.expectation_config.kwargs.get("column_list", []))
                or f"{r.expectation_config.kwargs.get('column_A')} >= "
                f"{r.expectation_config.kwargs.get('column_B')}",
                "unexpected_count": r.result.get("unexpected_count"),
                "unexpected_examples": [
                    _readable(r.expectation_config.kwargs.get("column"), v)
                    for v in r.result.get("partial_unexpected_list", [])[:5]
                ],
            }
            for r in validation_result.results
            if not r.success
        ]
        outcomes.append(
            SuiteOutcome(
                source=name,
                success=validation_result.success,
                evaluated=len(validation_result.results),
                failed=failed,
                rows=len(frame),
                total_rows=total,
            )
        )
    index = docs_root / "gx" / "uncommitted" / "data_docs" / _SUITES_SITE / "index.html"
    return outcomes, index


def expectation_findings(outcomes: list[SuiteOutcome]) -> list[dict]:
    """One finding per failed expectation, for ``mmm.data_quality_issues``.

    Parameters
    ----------
    outcomes
        The suite outcomes from :func:`run_suites`.

    Returns
    -------
    list of dict
        Rows as made by :func:`~mmm_pipeline.quality.findings.finding`, all errors, with
        the count of unexpected values as ``observed`` and 0 as ``expected``.
    """
    return [
        finding(
            check_name="expectation_failed",
            severity="error",
            source=outcome.source,
            observed=failure["unexpected_count"],
            expected=0,
            message=f"staging {outcome.source}: {failure['expectation']} failed on "
            f"{failure['column']} for {failure['unexpected_count'] or 'some'} of "
            f"{outcome.rows:,} rows (e.g. {', '.join(failure['unexpected_examples']) or 'n/a'})",
        )
        for outcome in outcomes
        for failure in outcome.failed
    ]
