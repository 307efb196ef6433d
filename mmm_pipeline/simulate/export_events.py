"""Deliveries of events and small sources: conversions, visits, survey, CRM, tests, calendar.

Conversions arrive as monthly CSV exports, the last month as Parquet, and a re-export
later corrects the value of a few of its orders (same ``conversion_id``; the last
delivery wins). Visits and survey answers arrive quarterly.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa

from mmm_pipeline.simulate.business import SERIES
from mmm_pipeline.simulate.deliveries import (
    Delivery,
    at_day,
    month_codes,
    quarter_codes,
    quarter_end,
    quarter_label,
    runs,
)
from mmm_pipeline.simulate.events import ID_PREFIX, Conversions
from mmm_pipeline.simulate.formats import (
    NAIVE,
    PLUS_TWO,
    ZULU,
    dates,
    lookup,
    money,
    prefixed,
    timestamps,
)
from mmm_pipeline.simulate.journeys import Survey, Touchpoints
from mmm_pipeline.simulate.params import Business
from mmm_pipeline.simulate.timeline import SECONDS_PER_DAY, Timeline
from mmm_pipeline.simulate.tracking import FormTable

EUROPEAN_BACK_OFFICE = ("DE", "FR")
GROSS_VAT = 1.19


def _days(seconds: np.ndarray) -> np.ndarray:
    return (seconds // SECONDS_PER_DAY).astype("datetime64[D]")


def _utm_columns(forms: FormTable, form: np.ndarray) -> dict[str, pa.Array]:
    fields = ("utm_source", "utm_medium", "utm_campaign", "referrer")
    return {f: lookup(forms.column(f), form) for f in fields}


def conversion_ids(series: np.ndarray, number: np.ndarray) -> pa.Array:
    """``SU-``, ``ORD-`` or ``DEMO-`` ids: each system numbers its own outcome.

    Returns
    -------
    pa.Array
        One string per row: its series' prefix and its number.
    """
    prefixes = [ID_PREFIX.get((s.segment, s.outcome), "") for s in SERIES]
    return prefixed(lookup(prefixes, series), number)


def _timestamp_style(geo: np.ndarray, codes: list[str], months: np.ndarray) -> np.ndarray:
    """Which spelling of time each row's export used, by month and geo.

    Returns
    -------
    np.ndarray
        ``NAIVE``, ``ZULU`` (every fourth month) or ``PLUS_TWO`` (every other month, for
        the European back office's geos) per row.
    """
    relative = months - months.min()
    european = np.isin(np.array(codes)[geo], EUROPEAN_BACK_OFFICE)
    style = np.where(relative % 4 == 3, ZULU, NAIVE)
    return np.where(european & (relative % 2 == 0), PLUS_TWO, style)


def _conversion_table(
    conv: Conversions,
    rows: slice | np.ndarray,
    value_cents: np.ndarray,
    style: np.ndarray,
    form: np.ndarray,
    forms: FormTable,
    codes: list[str],
) -> pa.Table:
    return pa.table(
        {
            "conversion_id": conversion_ids(conv.series[rows], conv.number[rows]),
            "occurred_at": timestamps(conv.at[rows], style[rows]),
            "geo": lookup(codes, conv.geo[rows]),
            "segment": lookup([s.segment for s in SERIES], conv.series[rows]),
            "outcome": lookup([s.outcome for s in SERIES], conv.series[rows]),
            "value": money(value_cents[rows]),
            "customer_id": prefixed("cus_", conv.customer[rows]),
            "is_new_customer": pa.array(conv.is_new[rows]),
            **_utm_columns(forms, form[rows]),
        }
    )


def conversion_deliveries(
    conv: Conversions,
    form: np.ndarray,
    forms: FormTable,
    business: Business,
    timeline: Timeline,
    rng: np.random.Generator,
) -> tuple[list[Delivery], dict]:
    """Monthly conversion exports, the last as Parquet, plus a value-correcting re-export.

    The monthly exports carry some of the last month's orders at their gross (VAT
    included) value; the re-export corrects them to the true net value.

    Returns
    -------
    tuple of (list of Delivery, dict)
        One delivery per month plus the re-export if any row was corrected, and the truth
        record: how many rows it corrects and the factor they were first delivered at.
    """
    codes = business.geo_codes
    months = month_codes(_days(conv.at))
    style = _timestamp_style(conv.geo, codes, months)
    last_month = int(months.max())
    candidates = np.nonzero((months == last_month) & (conv.value_cents > 0))[0]
    n_fixed = min(len(candidates), 50, max(3, round(0.01 * len(candidates))))
    fixed = np.sort(rng.choice(candidates, size=n_fixed, replace=False))
    first_value = conv.value_cents.copy()
    first_value[fixed] = np.rint(conv.value_cents[fixed] * GROSS_VAT).astype(np.int64)
    end_day = timeline.days[-1]
    deliveries = []
    for month, rows in runs(months):
        month_end = (np.datetime64(month, "M") + 1).astype("datetime64[D]") - 1
        due = min(month_end, end_day) + np.timedelta64(2, "D")
        deliveries.append(
            Delivery(
                "conversions",
                f"conversions_{np.datetime64(month, 'M')}",
                at_day(due),
                partial(_conversion_table, conv, rows, first_value, style, form, forms, codes),
                parquet=month == last_month,
            )
        )
    if n_fixed:
        deliveries.append(
            Delivery(
                "conversions",
                f"conversions_{np.datetime64(last_month, 'M')}_reexport",
                at_day(end_day + np.timedelta64(6, "D")),
                partial(
                    _conversion_table, conv, fixed, conv.value_cents, style, form, forms, codes
                ),
            )
        )
    return deliveries, {"rows": int(n_fixed), "delivered_value_factor": GROSS_VAT}


def _quarterly(
    folder: str,
    stem: str,
    at: np.ndarray,
    end_day: np.datetime64,
    table: Callable[[slice], pa.Table],
) -> list[Delivery]:
    out = []
    for code, rows in runs(quarter_codes(_days(at))):
        due = min(quarter_end(code), end_day) + np.timedelta64(3, "D")
        name = f"{stem}_{quarter_label(code)}"
        out.append(Delivery(folder, name, at_day(due, hour=5), partial(table, rows)))
    return out


def touchpoint_deliveries(
    visits: Touchpoints, forms: FormTable, business: Business, timeline: Timeline
) -> list[Delivery]:
    """Quarterly web-analytics exports of tracked visits (JavaScript time, with ``Z``).

    Returns
    -------
    list of Delivery
        One ``touchpoints/`` file per quarter of visits, due three days after it ends.
    """

    def table(rows: slice) -> pa.Table:
        return pa.table(
            {
                "customer_id": prefixed("cus_", visits.customer[rows]),
                "occurred_at": timestamps(visits.at[rows], ZULU),
                "geo": lookup(business.geo_codes, visits.geo[rows]),
                **_utm_columns(forms, visits.form[rows]),
            }
        )

    return _quarterly("touchpoints", "web_sessions", visits.at, timeline.days[-1], table)


def survey_deliveries(survey: Survey, conv: Conversions, timeline: Timeline) -> list[Delivery]:
    """Quarterly exports of the post-purchase survey tool.

    Returns
    -------
    list of Delivery
        One ``survey_responses/`` file per quarter of answers, due three days after it ends.
    """
    response = 5_000_001 + np.arange(len(survey.answer))

    def table(rows: slice) -> pa.Table:
        of = survey.conversion_row[rows]
        return pa.table(
            {
                "response_id": prefixed("RSP-", response[rows]),
                "conversion_id": conversion_ids(conv.series[of], conv.number[of]),
                "answered_at": timestamps(survey.answered_at[rows], NAIVE),
                "question_id": pa.array(["hdyhau"] * len(of), pa.string()),
                "answer": lookup(survey.texts, survey.answer[rows], empty_as_null=False),
            }
        )

    end_day = timeline.days[-1]
    return _quarterly("survey_responses", "survey_responses", survey.answered_at, end_day, table)


def outcome_delivery(
    counts: np.ndarray, value_cents: np.ndarray, business: Business, timeline: Timeline
) -> Delivery:
    """Build the CRM's weekly pipeline export: a row per week and geo, dated Friday.

    Returns
    -------
    Delivery
        One ``outcomes/`` file over the whole history, delivered three days after its end.
    """
    n_weeks, n_geos = counts.shape
    week, geo = np.meshgrid(np.arange(n_weeks), np.arange(n_geos), indexing="ij")
    k = next(i for i, s in enumerate(SERIES) if s.delivered_as == "outcomes")
    table = pa.table(
        {
            "date": dates(timeline.week_starts[week.ravel()] + np.timedelta64(4, "D")),
            "geo": lookup(business.geo_codes, geo.ravel()),
            "segment": pa.array([SERIES[k].segment] * counts.size, pa.string()),
            "outcome": pa.array([SERIES[k].outcome] * counts.size, pa.string()),
            "conversions": pa.array(counts.ravel()),
            "value": money(value_cents.ravel()),
        }
    )
    first, last = timeline.week_starts[0], timeline.days[-1]
    due = last + np.timedelta64(3, "D")
    stem = f"crm_pipeline_weekly_{first}_{last}"
    return Delivery("outcomes", stem, at_day(due, 8), lambda: table)


def single_deliveries(
    experiments: pd.DataFrame, controls: pa.Table, timeline: Timeline
) -> list[Delivery]:
    """Deliver the lift-test results sheet and the marketing calendar: one file each.

    Returns
    -------
    list of Delivery
        The ``experiments/`` sheet, ten days after the history ends, and the ``controls/``
        calendar, the day after.
    """
    end_day = timeline.days[-1]
    columns = [
        "experiment_id",
        "channel",
        "geo",
        "segment",
        "outcome",
        "start_date",
        "end_date",
        "spend_delta",
        "lift",
        "lift_sigma",
    ]
    tests = pa.Table.from_pandas(experiments.reindex(columns=columns), preserve_index=False)
    return [
        Delivery(
            "experiments",
            "lift_test_results",
            at_day(end_day + np.timedelta64(10, "D")),
            lambda: tests,
        ),
        Delivery(
            "controls",
            "marketing_calendar",
            at_day(end_day + np.timedelta64(1, "D")),
            lambda: controls,
        ),
    ]
