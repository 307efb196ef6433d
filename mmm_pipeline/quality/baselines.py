"""Robust trailing baselines: what is normal for this geo and channel, recently.

Median and MAD over the previous weeks (never including the week judged), so a single
odd week neither raises an alarm by itself nor hides the next one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np
import pandas as pd

MAD_TO_SIGMA = 1.4826


def trailing_median(values: pd.Series, weeks: int, min_weeks: int) -> pd.Series:
    """Median of the previous ``weeks`` values; NaN until ``min_weeks`` exist.

    Parameters
    ----------
    values
        One geo's (or channel's) weekly values, in week order.
    weeks
        Length of the trailing window, in weeks.
    min_weeks
        Fewest earlier weeks that give a median.

    Returns
    -------
    pandas.Series
        Aligned with ``values``: each week's trailing median, the week itself excluded.
    """
    return values.shift(1).rolling(weeks, min_periods=min_weeks).median()


def trailing_mad(values: pd.Series, weeks: int, min_weeks: int) -> pd.Series:
    """Scaled median absolute deviation of the previous ``weeks`` values.

    Parameters
    ----------
    values
        One geo's (or channel's) weekly values, in week order.
    weeks
        Length of the trailing window, in weeks.
    min_weeks
        Fewest earlier weeks that give a MAD.

    Returns
    -------
    pandas.Series
        Aligned with ``values``: each week's trailing MAD times :data:`MAD_TO_SIGMA` (on
        the scale of a standard deviation), the week itself excluded; NaN until
        ``min_weeks`` earlier weeks exist.
    """

    def mad(window: np.ndarray) -> float:
        return float(np.median(np.abs(window - np.median(window)))) * MAD_TO_SIGMA

    return values.shift(1).rolling(weeks, min_periods=min_weeks).apply(mad, raw=True)


def with_baseline(
    frame: pd.DataFrame, keys: list[str], value: str, weeks: int, min_weeks: int
) -> pd.DataFrame:
    """Add ``<value>_median`` and ``<value>_mad`` per group of ``keys``, in week order.

    Parameters
    ----------
    frame
        Weekly rows with a ``week_start`` column, the ``keys`` columns and ``value``.
    keys
        The columns that make a group, such as ``["geo", "channel"]``.
    value
        The column to take the baseline of.
    weeks, min_weeks
        Trailing window and fewest earlier weeks, as in :func:`trailing_median`.

    Returns
    -------
    pandas.DataFrame
        A copy of ``frame`` sorted by ``keys`` and week, with a fresh index and the two
        baseline columns (see :func:`trailing_median` and :func:`trailing_mad`).
    """
    frame = frame.sort_values([*keys, "week_start"]).reset_index(drop=True)
    grouped = frame.groupby(keys, sort=False)[value]
    frame[f"{value}_median"] = grouped.transform(lambda s: trailing_median(s, weeks, min_weeks))
    frame[f"{value}_mad"] = grouped.transform(lambda s: trailing_mad(s, weeks, min_weeks))
    return frame


def flag_against_clean_baseline(
    frame: pd.DataFrame,
    keys: list[str],
    value: str,
    weeks: int,
    min_weeks: int,
    is_outlier: Callable[[pd.Series, float, float], bool],
) -> pd.DataFrame:
    """Flag outlier weeks against a baseline built only from weeks not flagged before.

    An incident lasting several weeks would otherwise widen its own baseline (the MAD
    grows with every bad week in the window) and hide its later weeks. Adds
    ``<value>_median``, ``<value>_mad`` and ``is_flagged``, in week order per group.

    Parameters
    ----------
    frame
        Weekly rows with a ``week_start`` column, the ``keys`` columns and ``value``.
    keys
        The columns that make a group, such as ``["geo", "channel"]``.
    value
        The column to take the baseline of.
    weeks
        How many of the latest unflagged weeks form the baseline.
    min_weeks
        Fewest unflagged weeks before a week is judged at all.
    is_outlier
        Called with a row, its baseline median and scaled MAD; True flags the week.

    Returns
    -------
    pandas.DataFrame
        A copy of ``frame`` sorted by ``keys`` and week, with a fresh index and the three
        columns; median and MAD are NaN, and ``is_flagged`` False, until a group has
        ``min_weeks`` unflagged weeks.
    """
    frame = frame.sort_values([*keys, "week_start"]).reset_index(drop=True)
    medians, mads, flags = [], [], []
    for _, group in frame.groupby(keys, sort=False):
        clean: deque[float] = deque(maxlen=weeks)
        for _, row in group.iterrows():
            if len(clean) >= min_weeks:
                window = np.fromiter(clean, dtype=float)
                median = float(np.median(window))
                mad = float(np.median(np.abs(window - median))) * MAD_TO_SIGMA
            else:
                median = mad = float("nan")
            flagged = len(clean) >= min_weeks and bool(is_outlier(row, median, mad))
            medians.append(median)
            mads.append(mad)
            flags.append(flagged)
            if not flagged:
                clean.append(float(row[value]))
    frame[f"{value}_median"] = medians
    frame[f"{value}_mad"] = mads
    frame["is_flagged"] = flags
    return frame
