"""The weekly panel one segment x outcome model is fitted on: every geo, every week.

pymc-marketing's geo-panel MMM takes a long frame, one row per (date, geo), and fills a
missing row with zeros without a word (docs/notes/pymc-marketing-1.3.md, gotchas). So the
panel is built complete on purpose: every week from the first to the last week of the
outcome, for every geo that has the outcome, with explicit zeros where nothing was spent
or nothing converted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr
from duckdb import DuckDBPyConnection

from mmm_pipeline.marts import conversions_weekly, media_weekly
from mmm_pipeline.modeling.exposure import (
    ExposureChoice,
    ExposureConfig,
    choose_exposure,
    exposure_frame,
    reads_impressions,
)
from mmm_pipeline.modeling.media_priors import SURVEY, expected_shares

DATE = "date"
GEO = "geo"
TARGET = "y"
CONTROL_PREFIX = "control_"


@dataclass(frozen=True)
class ModelPanel:
    """The model frame and what its columns are.

    The channel columns of ``frame`` are each channel's exposure in money (exposure.py):
    its spend, or its impressions at its average cost per impression. ``spend`` holds
    what was paid, for returns; where every channel reads spend it is None.
    """

    segment: str
    outcome: str
    frame: pd.DataFrame
    channels: list[str]
    controls: list[str]
    # Expected share of conversions per channel from surveys or clicks (media_priors.py).
    prior_shares: dict[str, float] = field(default_factory=dict)
    # The sd of each share's log where it is not the configured one (a funnel's shares).
    prior_share_sigmas: dict[str, float] = field(default_factory=dict)
    # The channels whose share is of survey answers, read through a recall (share_prior.py).
    survey_channels: tuple[str, ...] = ()
    # What each channel's exposure is read from, and why (exposure.py).
    exposure: dict[str, ExposureChoice] = field(default_factory=dict)
    spend: pd.DataFrame | None = None

    def spend_frame(self) -> pd.DataFrame:
        """What was paid per week, geo and channel, whatever the model reads as media.

        Returns
        -------
        pandas.DataFrame
            ``date``, ``geo`` and a column of spend per channel, one row per panel row.
        """
        if self.spend is not None:
            return self.spend
        return self.frame[[DATE, GEO, *self.channels]]

    def spend_by_week(self) -> xr.DataArray:
        """:meth:`spend_frame` as an array, for returns, curves and budgets.

        Returns
        -------
        xarray.DataArray
            Spend by (date, geo, channel).
        """
        wide = self.spend_frame().set_index([DATE, GEO])[self.channels]
        return wide.to_xarray().to_dataarray("channel").transpose(DATE, GEO, "channel")

    def exposure_per_money(self, weeks: int) -> pd.DataFrame:
        """Exposure bought per unit of spend over the last ``weeks`` weeks, geo x channel.

        One for a channel read as spend, or that spent nothing in those weeks; for one
        read as impressions, its average cost over its recent cost.

        Returns
        -------
        pandas.DataFrame
            Indexed by geo, one column per channel.
        """
        recent = self.frame[DATE] >= np.sort(self.frame[DATE].unique())[-weeks:][0]
        exposure = self.frame[recent].groupby(GEO)[self.channels].sum()
        spend = self.spend_frame()[recent.to_numpy()].groupby(GEO)[self.channels].sum()
        return (exposure / spend.where(spend > 0)).fillna(1.0)

    @property
    def geos(self) -> list[str]:
        """The geos of the panel, in order."""
        return sorted(self.frame[GEO].unique())


def build_panel(
    conn: DuckDBPyConnection, segment: str, outcome: str, *, exposure: ExposureConfig
) -> ModelPanel:
    """Assemble the complete weekly panel of one segment x outcome from the marts.

    ``exposure`` is ``model.yaml``'s rule for reading impressions (exposure.py); every
    reader of a fitted model must build its panel with the fit's rule.

    Returns
    -------
    ModelPanel
        One row per week (first to last week of the outcome) and geo with the outcome:
        the target, the paid channels that spent anything (as their exposure) and the
        controls that are not all zero, zeros where nothing was recorded; with the
        tracking data's expected shares (media_priors.py) as ``prior_shares``.

    Raises
    ------
    ValueError
        If the marts hold no conversions of ``outcome`` for ``segment``.
    """
    target = conversions_weekly(conn, segment, outcome)
    if target.empty:
        raise ValueError(f"no {outcome} conversions for segment {segment} in the marts")
    target["week_start"] = pd.to_datetime(target["week_start"])
    weeks = pd.date_range(target["week_start"].min(), target["week_start"].max(), freq="7D")
    geos = sorted(target["geo"].unique())
    grid = pd.MultiIndex.from_product([weeks, geos], names=[DATE, GEO])

    media = media_weekly(conn, geos).rename(columns={"channel": "name"})
    controls = conn.execute(
        "select week_start, geo, name, value from marts.fct_controls_weekly "
        "where list_contains(?, geo)",
        [geos],
    ).df()

    frame = pd.DataFrame(index=grid)
    frame[TARGET] = _wide(target.assign(name=TARGET), "conversions", grid)[TARGET]
    spend_wide = _wide(media, "spend", grid)
    channels = [c for c in sorted(spend_wide.columns) if spend_wide[c].sum() > 0]
    spend_wide = spend_wide.reindex(columns=channels).fillna(0.0)
    impressions = _wide(media, "impressions", grid).reindex(columns=channels)
    control_wide = _wide(controls.assign(name=CONTROL_PREFIX + controls["name"]), "value", grid)
    control_columns = [c for c in sorted(control_wide.columns) if control_wide[c].abs().sum() > 0]
    choices = choose_exposure(
        frame[TARGET].fillna(0.0), spend_wide, impressions, control_wide[control_columns], exposure
    )
    exposed = exposure_frame(spend_wide, impressions, choices)
    frame = frame.join(exposed).join(control_wide[control_columns])
    shares = expected_shares(conn, segment, outcome, channels)
    return ModelPanel(
        segment=segment,
        outcome=outcome,
        frame=frame.fillna(0.0).reset_index(),
        channels=channels,
        controls=control_columns,
        prior_shares={channel: share for channel, (share, _) in shares.items()},
        survey_channels=tuple(c for c, (_, source) in shares.items() if source == SURVEY),
        exposure=choices,
        spend=spend_wide.reset_index() if reads_impressions(choices) else None,
    )


def _wide(long: pd.DataFrame, value: str, grid: pd.MultiIndex) -> pd.DataFrame:
    """Pivot ``week_start, geo, name, <value>`` to one column per name on the full grid.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``grid`` (date, geo), one column per name, summed; NaN where a name has
        no row, and no columns at all when ``long`` is empty.
    """
    if long.empty:
        return pd.DataFrame(index=grid)
    long = long.assign(week_start=pd.to_datetime(long["week_start"]))
    wide = long.pivot_table(
        index=["week_start", "geo"], columns="name", values=value, aggfunc="sum"
    )
    wide.index = wide.index.set_names([DATE, GEO])
    wide.columns.name = None
    return wide.reindex(grid)
