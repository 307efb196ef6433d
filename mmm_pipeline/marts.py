"""The weekly marts as frames, asked for by name: the one place their SQL is written.

The quality stage, the model and its calibration read the same few marts (spend per
week, conversions per week, the survey, last clicks, the experiments); with the queries
here, "paid spend" means one thing everywhere and a column renamed in dbt is changed in
one file.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from duckdb import DuckDBPyConnection


def media_weekly(conn: DuckDBPyConnection, geos: Sequence[str]) -> pd.DataFrame:
    """Paid spend and impressions per week, geo and channel in ``geos``.

    Returns
    -------
    pandas.DataFrame
        ``week_start``, ``geo``, ``channel``, ``spend`` in the reporting currency and
        ``impressions``, null where no platform of the channel reports them.
    """
    return conn.execute(
        "select week_start, geo, channel, spend, impressions from marts.fct_media_weekly "
        "join seeds.channels using (channel) where is_paid and list_contains($geos, geo)",
        {"geos": list(geos)},
    ).df()


def spend_weekly(
    conn: DuckDBPyConnection,
    *,
    paid_only: bool = True,
    geos: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Spend per week, geo and channel from ``marts.fct_media_weekly``.

    Parameters
    ----------
    paid_only
        Only channels ``seeds.channels`` marks as paid (what the model can move).
    geos, channels
        Only these geos or channels; every one when None.

    Returns
    -------
    pandas.DataFrame
        ``week_start``, ``geo``, ``channel``, ``spend`` in the reporting currency.
    """
    return conn.execute(
        "select week_start, geo, channel, spend from marts.fct_media_weekly "
        "join seeds.channels using (channel) "
        "where (is_paid or not $paid_only) "
        "and ($geos is null or list_contains($geos, geo)) "
        "and ($channels is null or list_contains($channels, channel))",
        {"paid_only": paid_only, "geos": _listed(geos), "channels": _listed(channels)},
    ).df()


def conversions_weekly(
    conn: DuckDBPyConnection, segment: str | None = None, outcome: str | None = None
) -> pd.DataFrame:
    """Conversions per week, geo, segment and outcome from ``marts.fct_conversions_weekly``.

    Returns
    -------
    pandas.DataFrame
        ``week_start``, ``geo``, ``segment``, ``outcome``, ``conversions``, of one segment
        and outcome when given, every one otherwise.
    """
    return conn.execute(
        "select week_start, geo, segment, outcome, conversions "
        "from marts.fct_conversions_weekly "
        "where ($segment is null or segment = $segment) "
        "and ($outcome is null or outcome = $outcome)",
        {"segment": segment, "outcome": outcome},
    ).df()


def outcomes_of(conn: DuckDBPyConnection, segment: str) -> set[str]:
    """The outcomes a segment has conversions of.

    Returns
    -------
    set of str
        Distinct ``outcome`` values of ``segment`` in ``marts.fct_conversions_weekly``.
    """
    frame = conn.execute(
        "select distinct outcome from marts.fct_conversions_weekly where segment = ?",
        [segment],
    ).df()
    return set(frame["outcome"])


def clicked_series(conn: DuckDBPyConnection) -> list[tuple[str, str]]:
    """The series (segment, outcome) with last clicks of their own.

    Returns
    -------
    list of tuple of (str, str)
        Distinct pairs of ``marts.fct_last_click_weekly``, sorted.
    """
    return conn.execute(
        "select distinct segment, outcome from marts.fct_last_click_weekly order by 1, 2"
    ).fetchall()


def value_and_conversions_by_geo(
    conn: DuckDBPyConnection, segment: str, outcome: str
) -> pd.DataFrame:
    """Each geo's total conversion value and count of one series.

    Returns
    -------
    pandas.DataFrame
        ``geo`` (in order), ``value`` (money, possibly null, to 1/100 of a cent) and
        ``conversions``.
    """
    return conn.execute(
        # Rounded like the marts and in geo order: DuckDB's parallel sums differ in the
        # last bits between runs, and a fit's fingerprint must not (fingerprint.py).
        "select geo, round(sum(value), 4) as value, sum(conversions) as conversions "
        "from marts.fct_conversions_weekly where segment = ? and outcome = ? "
        "group by geo order by geo",
        [segment, outcome],
    ).df()


def survey_answers_weekly(
    conn: DuckDBPyConnection, segment: str | None = None, outcome: str | None = None
) -> pd.DataFrame:
    """Post-purchase survey answers per week, geo and channel, with the channel's kind.

    Returns
    -------
    pandas.DataFrame
        ``week_start``, ``geo``, ``segment``, ``outcome``, ``channel``, ``responses``,
        ``is_paid``.
    """
    return conn.execute(
        "select week_start, geo, segment, outcome, channel, responses, is_paid "
        "from marts.fct_survey_answers_weekly join seeds.channels using (channel) "
        "where ($segment is null or segment = $segment) "
        "and ($outcome is null or outcome = $outcome)",
        {"segment": segment, "outcome": outcome},
    ).df()


def last_clicks_weekly(
    conn: DuckDBPyConnection, segment: str | None = None, outcome: str | None = None
) -> pd.DataFrame:
    """Last-click conversions per week, geo and channel, with what the channel's clicks mean.

    Returns
    -------
    pandas.DataFrame
        ``week_start``, ``geo``, ``segment``, ``outcome``, ``channel``, ``conversions``,
        ``is_paid`` and ``clicks_measure_effect`` (whether a click on the channel is its
        effect, as for search, or only a trace of it).
    """
    return conn.execute(
        "select week_start, geo, segment, outcome, channel, conversions, is_paid, "
        "clicks_measure_effect from marts.fct_last_click_weekly "
        "join seeds.channels using (channel) "
        "where ($segment is null or segment = $segment) "
        "and ($outcome is null or outcome = $outcome)",
        {"segment": segment, "outcome": outcome},
    ).df()


def experiments(
    conn: DuckDBPyConnection, outcome: str | None = None, segments: Sequence[str] = ()
) -> pd.DataFrame:
    """Lift tests from ``marts.dim_experiments``, in ``experiment_id`` order.

    Parameters
    ----------
    outcome
        Only tests that measured this outcome; every test when None.
    segments
        Only tests of these segments; every segment when empty.

    Returns
    -------
    pandas.DataFrame
        Every column of ``marts.dim_experiments``.
    """
    return conn.execute(
        "select * from marts.dim_experiments "
        "where ($outcome is null or outcome = $outcome) "
        "and ($segments is null or list_contains($segments, segment)) "
        "order by experiment_id",
        {"outcome": outcome, "segments": _listed(segments) if segments else None},
    ).df()


def _listed(values: Sequence[str] | None) -> list[str] | None:
    """A parameter DuckDB binds as a list, or NULL for "no filter".

    Returns
    -------
    list of str or None
        ``values`` as a list; None when None.
    """
    return None if values is None else list(values)
