"""Row-level rules: which delivered values are kept out of ``raw`` and why.

Each rule is a SQL predicate over one text column that is true when the value cannot be
used, and a sentence saying what it must be. Rows that break any rule go to
``raw.quarantine`` (one entry per broken rule, with file, line, column and value); the
rest of the file loads. The predicates only ever see bound values and quoted
identifiers, never text pasted from a delivery.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_IDENTIFIER_LENGTH = 256
MAX_TEXT_LENGTH = 2048


@dataclass(frozen=True)
class RowRule:
    """One thing a value must be.

    ``bad_sql`` is a predicate with ``{v}`` for the trimmed value (never null: empty text
    stands for a missing value); ``must`` finishes the sentence "<column> must ...".
    """

    column: str
    bad_sql: str
    must: str


def _present(column: str, kind_sql: str, must: str) -> RowRule:
    """A rule that applies only when the value is not empty.

    Returns
    -------
    RowRule
        The rule, with ``kind_sql`` guarded so an empty value never breaks it.
    """
    return RowRule(column, f"({{v}} <> '' and ({kind_sql}))", must)


def required(column: str) -> RowRule:
    """The value must not be empty.

    Returns
    -------
    RowRule
        Broken by empty text.
    """
    return RowRule(column, "{v} = ''", "not be empty")


def date(column: str) -> RowRule:
    """An ISO calendar date.

    Returns
    -------
    RowRule
        Broken by a value that is not ``YYYY-MM-DD`` or not a real date; empty passes.
    """
    return _present(
        column,
        r"not regexp_full_match({v}, '\d{4}-\d{2}-\d{2}') or try_cast({v} as date) is null",
        "be a date as YYYY-MM-DD",
    )


def timestamp(column: str) -> RowRule:
    """An ISO 8601 timestamp (UTC when it has no offset).

    Returns
    -------
    RowRule
        Broken by a value that does not start with a date or does not cast to a timestamp
        with time zone; empty passes.
    """
    return _present(
        column,
        r"not regexp_matches({v}, '^\d{4}-\d{2}-\d{2}') or try_cast({v} as timestamptz) is null",
        "be an ISO 8601 timestamp such as 2024-07-29T14:05:00Z",
    )


def number(column: str) -> RowRule:
    """A finite number.

    Returns
    -------
    RowRule
        Broken by a value that is not a number, or is infinite or NaN; empty passes.
    """
    return _present(
        column,
        "try_cast({v} as double) is null or not isfinite(try_cast({v} as double))",
        "be a number",
    )


def at_least_zero(column: str) -> RowRule:
    """A number >= 0 (spend, counts).

    Returns
    -------
    RowRule
        Broken by a negative number; empty passes (pair with :func:`number` for the rest).
    """
    return _present(column, "try_cast({v} as double) < 0", "be >= 0")


def above_zero(column: str) -> RowRule:
    """A number > 0 (a standard error).

    Returns
    -------
    RowRule
        Broken by zero or a negative number; empty passes.
    """
    return _present(column, "try_cast({v} as double) <= 0", "be > 0")


def identifier(column: str) -> RowRule:
    """Not absurdly long: a 10 kB campaign name is a broken export, not a campaign.

    Returns
    -------
    RowRule
        Broken by a value longer than ``MAX_IDENTIFIER_LENGTH`` characters.
    """
    return RowRule(
        column,
        f"length({{v}}) > {MAX_IDENTIFIER_LENGTH}",
        f"be at most {MAX_IDENTIFIER_LENGTH} characters",
    )


def text(column: str) -> RowRule:
    """Free text (UTMs, referrers, survey answers) within a sane length.

    Returns
    -------
    RowRule
        Broken by a value longer than ``MAX_TEXT_LENGTH`` characters.
    """
    return RowRule(
        column, f"length({{v}}) > {MAX_TEXT_LENGTH}", f"be at most {MAX_TEXT_LENGTH} characters"
    )


def _numbers(*columns: str) -> list[RowRule]:
    return [r for c in columns for r in (number(c), at_least_zero(c))]


ROW_RULES: dict[str, list[RowRule]] = {
    "ad_spend": [
        required("date"),
        date("date"),
        required("geo"),
        identifier("geo"),
        required("platform"),
        identifier("platform"),
        identifier("campaign"),
        required("spend"),
        *_numbers("spend", "impressions", "clicks", "engagements"),
        RowRule(
            "currency",
            "({v} <> '' and upper({v}) not in (select currency from _currencies))",
            "be a currency with a rate in dbt_project/seeds/currency_rates.csv",
        ),
    ],
    "conversions": [
        required("conversion_id"),
        identifier("conversion_id"),
        required("occurred_at"),
        timestamp("occurred_at"),
        required("geo"),
        identifier("geo"),
        required("outcome"),
        identifier("outcome"),
        number("value"),
        identifier("segment"),
        identifier("customer_id"),
        *[text(c) for c in ("utm_source", "utm_medium", "utm_campaign", "referrer")],
    ],
    "touchpoints": [
        required("customer_id"),
        identifier("customer_id"),
        required("occurred_at"),
        timestamp("occurred_at"),
        identifier("geo"),
        *[text(c) for c in ("utm_source", "utm_medium", "utm_campaign", "referrer")],
    ],
    "survey_responses": [
        required("response_id"),
        identifier("response_id"),
        required("conversion_id"),
        identifier("conversion_id"),
        text("answer"),
        timestamp("answered_at"),
        identifier("question_id"),
    ],
    "experiments": [
        required("experiment_id"),
        identifier("experiment_id"),
        required("channel"),
        RowRule(
            "channel",
            "({v} <> '' and lower({v}) not in (select channel from _channels))",
            "be a canonical channel (dbt_project/seeds/channels.csv)",
        ),
        *[r for c in ("start_date", "end_date") for r in (required(c), date(c))],
        required("outcome"),
        identifier("outcome"),
        *[r for c in ("spend_delta", "lift", "lift_sigma") for r in (required(c), number(c))],
        above_zero("lift_sigma"),
        identifier("geo"),
        identifier("segment"),
    ],
    "controls": [
        required("date"),
        date("date"),
        required("name"),
        identifier("name"),
        required("value"),
        number("value"),
        identifier("geo"),
    ],
    "outcomes": [
        required("date"),
        date("date"),
        required("geo"),
        identifier("geo"),
        required("outcome"),
        identifier("outcome"),
        required("conversions"),
        *_numbers("conversions"),
        number("value"),
        identifier("segment"),
    ],
}


@dataclass(frozen=True)
class CrossRule:
    """A rule between two columns of the same row."""

    columns: tuple[str, str]
    bad_sql: str
    reason: str


CROSS_RULES: dict[str, list[CrossRule]] = {
    "experiments": [
        CrossRule(
            ("start_date", "end_date"),
            "try_cast({a} as date) > try_cast({b} as date)",
            "end_date is before start_date",
        )
    ],
}
