"""The shape of a data-quality finding: one row of ``mmm.data_quality_issues``."""

from __future__ import annotations

import pandas as pd

# ``mmm.data_quality_issues``: column and warehouse type.
FINDING_COLUMNS = {
    "check_name": "VARCHAR",
    "severity": "VARCHAR",
    "source": "VARCHAR",
    "week_start": "DATE",
    "geo": "VARCHAR",
    "channel": "VARCHAR",
    "observed": "DOUBLE",
    "expected": "DOUBLE",
    "message": "VARCHAR",
}


def findings_frame(rows: list[dict]) -> pd.DataFrame:
    """Build a frame with exactly the contract's columns, typed, from finding dicts.

    Parameters
    ----------
    rows
        Findings as made by :func:`finding`; may be empty.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`FINDING_COLUMNS` in order, one row per finding: ``week_start``
        as dates, ``observed`` and ``expected`` as floats (NaN where empty).
    """
    frame = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    frame["week_start"] = pd.to_datetime(frame["week_start"]).dt.date
    for column in ("observed", "expected"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    return frame


def week_label(value: object) -> str:
    """A week as findings name it.

    Parameters
    ----------
    value
        A week's first day, as anything pandas reads as a time.

    Returns
    -------
    str
        The ISO date, e.g. ``2024-03-04``.
    """
    return pd.Timestamp(value).date().isoformat()


def percent(share: float) -> str:
    """0.412 -> '41%', the way a marketer reads a share.

    Parameters
    ----------
    share
        A share, 1.0 being all.

    Returns
    -------
    str
        The share in whole percent, with a percent sign.
    """
    return f"{share:.0%}"


def finding(
    *,
    check_name: str,
    severity: str,
    source: str | None,
    message: str,
    week_start: object = None,
    geo: str | None = None,
    channel: str | None = None,
    observed: float | None = None,
    expected: float | None = None,
) -> dict:
    """One row of ``mmm.data_quality_issues``; columns a check does not know stay empty.

    Parameters
    ----------
    check_name
        The check that found the problem, such as ``rejected_delivery``.
    severity
        ``error`` or ``warn``.
    source
        The landing-zone source concerned, if any.
    message
        What is wrong and what to do, in plain words.
    week_start, geo, channel
        Where the problem is, as far as the check knows.
    observed, expected
        The measured figure and what it should have been.

    Returns
    -------
    dict
        One entry per column of :data:`FINDING_COLUMNS`.
    """
    return {
        "check_name": check_name,
        "severity": severity,
        "source": source,
        "week_start": week_start,
        "geo": geo,
        "channel": channel,
        "observed": observed,
        "expected": expected,
        "message": message,
    }
