"""Writing the landing zone: one folder per source, CSV files in the data contract's columns.

Only this module knows file names and column order. Spend is split from weeks into
campaigns and days so that the delivered rows add back up to the weekly spend the
business saw, to the cent; conversions and survey answers are split into yearly files,
as exports usually come.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from heldout.spec import ChannelSpec

CURRENCY = "USD"  # the pipeline's default reporting currency (MMM_REPORTING_CURRENCY)
SPEND_DAY_WEIGHTS = np.array([1.0, 1.02, 1.03, 1.02, 1.0, 0.95, 0.93])


def _split(total: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Split ``total`` (n,) by ``shares`` (n, k) into cents; the last part takes the rest."""
    parts = np.round(total[:, None] * shares, 2)
    parts[:, -1] = np.round(total - parts[:, :-1].sum(axis=1), 2)
    return parts


def spend_rows(
    channel: ChannelSpec,
    weekly: np.ndarray,
    cpm_multiplier: np.ndarray,
    mondays: pd.DatetimeIndex,
    geos: tuple[str, ...],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Daily rows of one channel from its delivered weekly spend (weeks, geos).

    Each campaign keeps a drawn share of the channel's budget with weekly jitter; days
    follow a mild weekday pattern. Impressions follow the channel's CPM times the week's
    ``cpm_multiplier`` (weeks,), clicks a CTR, each with noise; offline channels export
    no clicks.
    """
    week, geo = np.nonzero(weekly > 0)
    total = weekly[week, geo]
    k = len(channel.campaigns)
    base = rng.dirichlet(np.full(k, 8.0))
    shares = base * rng.lognormal(0.0, 0.1, (week.size, k))
    by_campaign = _split(total, shares / shares.sum(axis=1, keepdims=True))
    days = SPEND_DAY_WEIGHTS * rng.lognormal(0.0, 0.12, (week.size * k, 7))
    daily = _split(by_campaign.ravel(), days / days.sum(axis=1, keepdims=True))
    if (daily < 0).any():
        raise ValueError(f"{channel.name}: a week's spend is too small to split into days")
    n = daily.size
    row_week = np.repeat(np.repeat(week, k), 7)
    dates = mondays[row_week] + pd.to_timedelta(np.tile(np.arange(7), week.size * k), unit="D")
    spend = daily.ravel()
    cpm = channel.cpm * cpm_multiplier[row_week]
    impressions = np.rint(spend / cpm * 1000 * rng.lognormal(0.0, 0.08, n))
    frame = pd.DataFrame(
        {
            "date": dates.strftime("%Y-%m-%d"),
            "geo": np.array(geos, dtype=object)[np.repeat(np.repeat(geo, k), 7)],
            "platform": channel.platform,
            "campaign": np.array(channel.campaigns, dtype=object)[
                np.tile(np.repeat(np.arange(k), 7), week.size)
            ],
            "spend": np.round(spend, 2),
            "currency": CURRENCY,
            "impressions": impressions.astype(np.int64),
        }
    )
    if channel.ctr is not None:
        clicks = np.rint(impressions * channel.ctr * rng.lognormal(0.0, 0.15, n))
        frame["clicks"] = clicks.astype(np.int64)
    return frame


def _write(frame: pd.DataFrame, path: Path, float_format: str | None = "%.2f") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, float_format=float_format)


def write_spend(frames: dict[str, list[pd.DataFrame]], out: Path) -> None:
    """One export per platform, as each platform's UI would download it."""
    for platform, parts in frames.items():
        frame = pd.concat(parts, ignore_index=True).sort_values(["date", "geo", "campaign"])
        _write(frame, out / "ad_spend" / f"{platform}_export.csv")


def write_by_year(frame: pd.DataFrame, folder: Path, stem: str, column: str) -> None:
    """Split rows into one file per calendar year of their ``column`` timestamp.

    Files are written oldest first, and their names sort the same way: the pipeline
    takes deliveries in arrival order and flags events that arrive long after a later
    period was delivered, which is not what a yearly export is.
    """
    frame = frame.sort_values(column, kind="stable")
    years = frame[column].str[:4]
    for year in sorted(years.unique()):
        _write(frame[years == year], folder / f"{stem}_{year}.csv")


def write_conversions(frames: list[pd.DataFrame], out: Path) -> None:
    """Conversion events of every series in the contract's columns, one file per year."""
    public = pd.concat(frames, ignore_index=True).drop(columns=["_source", "_occurred"])
    write_by_year(public, out / "conversions", "conversions", "occurred_at")


def write_survey(frames: list[pd.DataFrame], out: Path) -> None:
    """Survey answers of every surveyed series, one file per year of answering."""
    responses = pd.concat(frames, ignore_index=True)
    write_by_year(responses, out / "survey_responses", "survey_responses", "answered_at")


def write_outcomes(frame: pd.DataFrame, out: Path, stem: str) -> None:
    """A pre-aggregated outcome export: date (Monday), geo, segment, outcome, counts, value."""
    _write(frame, out / "outcomes" / f"{stem}.csv")


def write_controls(frame: pd.DataFrame, out: Path) -> None:
    """Weekly control values, ``geo`` ALL for national ones."""
    _write(frame, out / "controls" / "controls.csv", float_format="%.4f")


def write_experiments(rows: list[dict], out: Path) -> None:
    """Lift-test results in the contract's columns."""
    columns = [
        "experiment_id",
        "channel",
        "start_date",
        "end_date",
        "outcome",
        "spend_delta",
        "lift",
        "lift_sigma",
        "geo",
        "segment",
    ]
    frame = pd.DataFrame(
        [
            {**r, "lift": round(r["measured_lift"], 1), "lift_sigma": round(r["lift_sigma"], 1)}
            for r in rows
        ]
    )
    _write(frame[columns], out / "experiments" / "lift_tests.csv")
