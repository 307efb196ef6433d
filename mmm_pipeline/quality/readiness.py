"""The MMM readiness gate: whether a segment x outcome (x geo) can support a model at all.

The prerequisites practitioners insist on: 18 months of weekly history, spend that moves
enough to measure, and a paid share large enough to find. A segment that fails is not
fitted; ``reasons`` says why in plain words and what to do about it.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.marts import (
    conversions_weekly,
    last_clicks_weekly,
    spend_weekly,
    survey_answers_weekly,
)
from mmm_pipeline.modeling.series import name_problem
from mmm_pipeline.quality.findings import percent
from mmm_pipeline.quality.thresholds import QualityThresholds

ALL_GEOS = "ALL"
# ``mmm.readiness``: column and warehouse type.
READINESS_COLUMNS = {
    "segment": "VARCHAR",
    "outcome": "VARCHAR",
    "geo": "VARCHAR",
    "history_weeks": "INTEGER",
    "min_spend_cv": "DOUBLE",
    "paid_share": "DOUBLE",
    "ready": "BOOLEAN",
    "reasons": "VARCHAR",
    "median_weekly_conversions": "DOUBLE",
    "flat_channels": "VARCHAR",
    "correlated_channels": "VARCHAR",
    "tracking_incidents": "INTEGER",
    "recommendation": "VARCHAR",
}


def _spend_panel(media: pd.DataFrame, weeks: pd.DatetimeIndex) -> pd.DataFrame:
    """Weekly spend per paid channel over the given weeks, zeros where nothing was spent.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``weeks``, one column per channel with any spend in them (channels
        without are dropped).
    """
    panel = media.pivot_table(index="week_start", columns="channel", values="spend", aggfunc="sum")
    panel = panel.reindex(weeks).fillna(0.0)
    return panel.loc[:, panel.sum() > 0]


def _flat_channels(panel: pd.DataFrame, t: QualityThresholds) -> list[str]:
    """Channels whose weekly spend stays within the flat band around its median most weeks.

    Returns
    -------
    list of str
        The flat channels, in the order of ``panel``'s columns.
    """
    flat = []
    for channel in panel.columns:
        spend = panel[channel]
        median = spend[spend > 0].median()
        within = (spend - median).abs() <= t.flat_spend_band * median
        if within.mean() > t.flat_spend_week_share:
            flat.append(channel)
    return flat


def _correlated_pairs(panel: pd.DataFrame, t: QualityThresholds) -> list[str]:
    corr = panel.corr()
    return [
        f"{a}+{b}"
        for a, b in itertools.combinations(panel.columns, 2)
        if corr.loc[a, b] > t.max_spend_correlation
    ]


def _paid_share(clicks: pd.DataFrame, survey: pd.DataFrame) -> float | None:
    """Share of conversions from channels with a spend lever, by clicks or by survey.

    Click data undercounts channels that create demand (their conversions arrive as
    direct and branded search), survey answers undercount search; the larger of the two
    is the better lower bound of what paid media drives.

    Returns
    -------
    float or None
        Between 0 and 1, the larger of the click share and the share of survey answers
        (answers of ``other`` left out); None when there are neither clicks nor answers.
    """
    shares = []
    if not clicks.empty and clicks["conversions"].sum() > 0:
        shares.append(
            clicks.loc[clicks["is_paid"], "conversions"].sum() / clicks["conversions"].sum()
        )
    named = survey[survey["channel"] != "other"]
    if not named.empty and named["responses"].sum() > 0:
        shares.append(named.loc[named["is_paid"], "responses"].sum() / named["responses"].sum())
    return float(max(shares)) if shares else None


def _judge(
    key: tuple[str, str, str],
    conversions: pd.DataFrame,
    media: pd.DataFrame,
    clicks: pd.DataFrame,
    survey: pd.DataFrame,
    incidents: int,
    t: QualityThresholds,
) -> dict:
    segment, outcome, geo = key
    weekly = conversions.groupby("week_start")["conversions"].sum().sort_index()
    weeks = pd.date_range(weekly.index.min(), weekly.index.max(), freq="7D")
    history = len(weeks)
    missing_weeks = history - len(weekly)
    panel = _spend_panel(media, weeks)
    cvs = (panel.std() / panel.mean()).replace([np.inf, -np.inf], np.nan).dropna()
    flat = _flat_channels(panel, t)
    correlated = _correlated_pairs(panel, t) if panel.shape[1] > 1 else []
    paid_share = _paid_share(clicks, survey)
    median_weekly = float(weekly.reindex(weeks).fillna(0).median())

    blocking, notes, advice = [], [], []
    if problem := name_problem(segment, outcome):
        blocking.append(problem)
    if history < t.min_history_weeks:
        blocking.append(
            f"only {history} weeks of history; an MMM needs at least {t.min_history_weeks} "
            "(18 months) to separate media from seasonality"
        )
        advice.append("keep collecting weekly data")
    if missing_weeks > 0.1 * history:
        notes.append(f"{missing_weeks} of {history} weeks have no conversions delivered")
    if panel.empty:
        blocking.append("no paid spend in this geo")
    elif len(flat) == panel.shape[1]:
        blocking.append(f"spend never moves enough to measure ({', '.join(flat)})")
        advice.append(f"run a geo holdout or pause test on {', '.join(flat)}")
    elif flat:
        notes.append(f"flat spend cannot be measured: {', '.join(flat)}")
        advice.append(f"vary spend or run a lift test on {', '.join(flat)}")
    if paid_share is not None and paid_share < t.min_paid_share:
        blocking.append(
            f"paid channels drive only {percent(paid_share)} of conversions; below "
            f"{percent(t.min_paid_share)} the signal is too weak"
        )
    if paid_share is None:
        notes.append("no click or survey data: paid share unknown")
    if median_weekly < t.min_weekly_conversions:
        blocking.append(
            f"a median of {median_weekly:.0f} conversions a week; at least "
            f"{t.min_weekly_conversions:.0f} are needed"
        )
    if correlated:
        notes.append(f"spend moves together, so their effects blur: {', '.join(correlated)}")
        advice.append("stagger the flights of channels that move together")
    if incidents:
        notes.append(f"{incidents} tracking incident week(s) in the period")
    reasons = blocking + notes
    return {
        "segment": segment,
        "outcome": outcome,
        "geo": geo,
        "history_weeks": history,
        "min_spend_cv": float(cvs.min()) if not cvs.empty else None,
        "paid_share": paid_share,
        "ready": not blocking,
        "reasons": "; ".join(reasons)
        if reasons
        else "ready: enough history, moving spend, material paid share",
        "median_weekly_conversions": median_weekly,
        "flat_channels": ", ".join(flat),
        "correlated_channels": ", ".join(correlated),
        "tracking_incidents": incidents,
        "recommendation": "; ".join(advice) if blocking or advice else "",
    }


def _in_geo(frame: pd.DataFrame, geo: str) -> pd.DataFrame:
    """The rows of one geo, or all of them for ``ALL``.

    Returns
    -------
    pandas.DataFrame
        ``frame`` itself for ``ALL``, else its rows whose ``geo`` is ``geo``.
    """
    return frame if geo == ALL_GEOS else frame[frame["geo"] == geo]


def _of_series(frame: pd.DataFrame, segment: str, outcome: str) -> pd.DataFrame:
    return frame[(frame["segment"] == segment) & (frame["outcome"] == outcome)]


def assess_readiness(
    conn: DuckDBPyConnection, t: QualityThresholds, incidents_by_geo: dict[str, int]
) -> pd.DataFrame:
    """Judge every segment x outcome, per geo and for all geos together.

    Parameters
    ----------
    conn
        A connection to a warehouse with the marts and ``seeds.channels`` built.
    t
        The readiness thresholds.
    incidents_by_geo
        Tracking incident weeks per geo; the ``ALL`` rows get their sum.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`READINESS_COLUMNS`, one row per segment x outcome and geo of
        ``marts.fct_conversions_weekly`` and one more per segment x outcome with geo
        ``ALL``; ``ready`` is the verdict, ``reasons`` and ``recommendation`` say why
        and what to do.
    """
    conversions = conversions_weekly(conn)
    media = spend_weekly(conn)
    clicks = last_clicks_weekly(conn)
    survey = survey_answers_weekly(conn)
    for frame in (conversions, media):
        frame["week_start"] = pd.to_datetime(frame["week_start"])
    rows = []
    for (segment, outcome), series in conversions.groupby(["segment", "outcome"]):
        clicks_of_series = _of_series(clicks, segment, outcome)
        survey_of_series = _of_series(survey, segment, outcome)
        for geo in [*sorted(series["geo"].unique()), ALL_GEOS]:
            rows.append(
                _judge(
                    (segment, outcome, geo),
                    _in_geo(series, geo),
                    _in_geo(media, geo),
                    _in_geo(clicks_of_series, geo),
                    _in_geo(survey_of_series, geo),
                    sum(incidents_by_geo.values())
                    if geo == ALL_GEOS
                    else incidents_by_geo.get(geo, 0),
                    t,
                )
            )
    return pd.DataFrame(rows, columns=list(READINESS_COLUMNS))
