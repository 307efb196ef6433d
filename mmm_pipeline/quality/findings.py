"""The shape of a data-quality finding: one row of ``mmm.data_quality_issues``."""

from __future__ import annotations

import pandas as pd

FINDING_COLUMNS = [
    "check_name",
    "severity",
    "source",
    "week_start",
    "geo",
    "channel",
    "observed",
    "expected",
    "message",
]


def findings_frame(rows: list[dict]) -> pd.DataFrame:
    """Build a frame with exactly the contract's columns, typed, from finding dicts."""
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    frame["week_start"] = pd.to_datetime(frame["week_start"]).dt.date
    for column in ("observed", "expected"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    return frame


def percent(share: float) -> str:
    """0.412 -> '41%', the way a marketer reads a share."""
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
    """One row of ``mmm.data_quality_issues``; columns a check does not know stay empty."""
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
