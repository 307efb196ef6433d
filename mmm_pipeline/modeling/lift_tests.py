"""Lift tests as pymc-marketing calibration data: from the contract's window totals to per-week.

The contract records a test over its whole window: ``spend_delta`` (money), ``lift`` (the
incremental count of the outcome) and ``lift_sigma`` (its standard error).
pymc-marketing's ``add_lift_test_measurements`` wants, per channel and geo, in the units
of one row of the weekly panel:

- ``x``: the weekly spend the channel would have had without the test,
- ``delta_x``: the change in weekly spend the test made,
- ``delta_y``: the weekly incremental outcome, and ``sigma`` its standard error.

The translation (see docs/notes/pymc-marketing-1.3.md, section 3, for why per-week units
are consistent with the model's normalised adstock):

- Window weeks ``W = window_days / 7``; ``delta_x = spend_delta / W``; ``delta_y = lift / W``;
  ``sigma = lift_sigma / W``.
- ``x`` is the spend actually observed in the window's weeks minus the test's change: the
  counterfactual level, read from the same weekly media mart the model is fitted on.
- A test over ``ALL`` geos is split across geos by each geo's share ``w`` of the
  channel's spend in the window: ``delta_x`` and ``delta_y`` scale by ``w``, ``sigma`` by
  ``sqrt(w)``, so the pieces' variances add back up to the whole test's.
- A test over all segments, calibrating one segment's model, keeps the full spend change
  (spend is not split by segment) and takes the segment's share ``s`` of the outcome's
  conversions in that geo and window: ``delta_y`` scales by ``s``, ``sigma`` by ``sqrt(s)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.marts import conversions_weekly, spend_weekly
from mmm_pipeline.marts import experiments as read_experiments
from mmm_pipeline.modeling.panel import DATE, GEO, ModelPanel

ALL = "ALL"
ALL_SEGMENTS = "all"
DAYS_PER_WEEK = 7
LIFT_COLUMNS = ["experiment_id", "channel", "geo", "x", "delta_x", "delta_y", "sigma", "weeks"]


@dataclass
class Calibration:
    """Lift measurements ready for the model, and the tests that could not be used."""

    measurements: pd.DataFrame
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _window(frame: pd.DataFrame, test: pd.Series) -> pd.DataFrame:
    weeks = pd.to_datetime(frame["week_start"])
    first, last = pd.Timestamp(test.first_week_start), pd.Timestamp(test.last_week_start)
    return frame[(weeks >= first) & (weeks <= last)]


def lift_measurements(
    experiments: pd.DataFrame,
    media: pd.DataFrame,
    conversions: pd.DataFrame,
    segment: str,
    outcome: str,
) -> Calibration:
    """Translate the lift tests of one segment x outcome model to per-week measurements.

    Parameters
    ----------
    experiments
        Rows of ``marts.dim_experiments``.
    media
        Weekly paid spend the model is fitted on: ``week_start``, ``geo``, ``channel``,
        ``spend``, and ``exposure`` where the model reads a channel's impressions
        (exposure.py): then ``x`` is exposure, and the test's spend change is exposure
        at the cost per impression of the test's window.
    conversions
        Weekly conversions of the outcome for every segment: ``week_start``, ``geo``,
        ``segment``, ``conversions``.
    segment, outcome
        The model being calibrated.

    Returns
    -------
    Calibration
        One measurement row per test and geo (``LIFT_COLUMNS``), and the tests skipped
        with the reason.
    """
    calibration = Calibration(measurements=pd.DataFrame(columns=LIFT_COLUMNS))
    relevant = experiments[
        (experiments["outcome"] == outcome) & experiments["segment"].isin([segment, ALL_SEGMENTS])
    ]
    if "exposure" not in media:
        media = media.assign(exposure=media["spend"])
    rows = []
    for test in relevant.itertuples(index=False):
        channel_media = media[media["channel"] == test.channel]
        channel_spend = channel_media
        if test.geo != ALL:
            channel_spend = channel_spend[channel_spend["geo"] == test.geo]
        if channel_spend["spend"].sum() <= 0:
            where = "any geo" if test.geo == ALL else test.geo
            calibration.skipped.append(
                (test.experiment_id, f"no {test.channel} spend in {where} in the model's data")
            )
            continue
        by_geo = _window(channel_spend, test).groupby("geo")["exposure"].sum()
        per_money = _exposure_per_money(channel_media, test)
        if test.geo != ALL:
            # A geo test may have switched the channel off: no window spend is a result.
            by_geo = by_geo.reindex([test.geo], fill_value=0.0)
            shares = pd.Series({test.geo: 1.0})
        else:
            basis = by_geo if by_geo.sum() > 0 else channel_spend.groupby("geo")["exposure"].sum()
            shares = basis / basis.sum()
            by_geo = by_geo.reindex(shares.index, fill_value=0.0)
        weeks = test.window_days / DAYS_PER_WEEK
        for geo, share in shares.items():
            segment_share = _segment_share(conversions, test, geo, segment)
            delta_x = test.spend_delta * per_money * share / weeks
            observed_weekly = by_geo[geo] / weeks
            rows.append(
                {
                    "experiment_id": test.experiment_id,
                    "channel": test.channel,
                    "geo": geo,
                    "x": max(observed_weekly - delta_x, 0.0),
                    "delta_x": delta_x,
                    "delta_y": test.lift * share * segment_share / weeks,
                    "sigma": test.lift_sigma * np.sqrt(share * segment_share) / weeks,
                    "weeks": weeks,
                }
            )
    if rows:
        calibration.measurements = pd.DataFrame(rows, columns=LIFT_COLUMNS)
    return calibration


def _exposure_per_money(channel_media: pd.DataFrame, test: pd.Series) -> float:
    """Exposure one unit of spend bought in the test's window, over every geo (1 for spend).

    A holdout geo spends nothing in its window, so the other geos' cost stands in; with no
    spend anywhere in the window, the channel's average cost (exposure is then spend).

    Returns
    -------
    float
        The window's exposure over its spend, or 1.
    """
    window = _window(channel_media, test)
    spent = window["spend"].sum()
    return float(window["exposure"].sum() / spent) if spent > 0 else 1.0


def _segment_share(conversions: pd.DataFrame, test: pd.Series, geo: str, segment: str) -> float:
    """Share of the outcome's conversions in this geo and window that belong to the segment.

    Returns
    -------
    float
        1.0 for a test of one segment; for a test over all segments, the segment's share
        of the geo's conversions in the test window, or 0.0 when there were none.
    """
    if test.segment != ALL_SEGMENTS:
        return 1.0
    window = _window(conversions[conversions["geo"] == geo], test)
    total = window["conversions"].sum()
    if total <= 0:
        return 0.0
    return float(window.loc[window["segment"] == segment, "conversions"].sum() / total)


def load_calibration(
    conn: DuckDBPyConnection, segment: str, outcome: str, panel: ModelPanel | None = None
) -> Calibration:
    """Read the lift tests and the spend and conversions they are translated against.

    With the ``panel`` the model is fitted on, a channel it reads as impressions is
    translated in its exposure (exposure.py); without it, in spend.

    Returns
    -------
    Calibration
        As from :func:`lift_measurements`, on ``marts.dim_experiments``, the paid spend of
        ``marts.fct_media_weekly`` and the outcome's ``marts.fct_conversions_weekly``;
        no measurements when there are no experiments.
    """
    experiments = read_experiments(conn)
    if experiments.empty:
        return Calibration(measurements=pd.DataFrame(columns=LIFT_COLUMNS))
    media = spend_weekly(conn)
    if panel is not None and panel.spend is not None:
        media = _with_exposure(media, panel)
    conversions = conversions_weekly(conn, outcome=outcome)
    return lift_measurements(experiments, media, conversions, segment, outcome)


def _with_exposure(media: pd.DataFrame, panel: ModelPanel) -> pd.DataFrame:
    """``media`` with the panel's exposure per week, geo and channel.

    Returns
    -------
    pandas.DataFrame
        ``media`` with an ``exposure`` column: the spend where the panel has no cell.
    """
    exposure = panel.frame.melt(
        id_vars=[DATE, GEO], value_vars=panel.channels, var_name="channel", value_name="exposure"
    ).rename(columns={DATE: "week_start", GEO: "geo"})
    media = media.assign(week_start=pd.to_datetime(media["week_start"]))
    joined = media.merge(exposure, on=["week_start", "geo", "channel"], how="left")
    return joined.assign(exposure=joined["exposure"].fillna(joined["spend"]))
