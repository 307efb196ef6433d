"""Posterior draws of what a fitted model says about each channel, over the whole panel.

The model is fitted on all but the holdout weeks, but users ask about every week they
delivered. Channel contributions are a deterministic function of the posterior and the
spend, so they are recomputed on the full panel with ``sample_posterior_predictive``
(checked to equal the fitted values exactly on the training weeks). The marginal
response comes from the same function on a counterfactual panel with a little more
spend, with the carry-over tail of that spend counted after the last week.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from pymc_marketing.mmm import MMM

from mmm_pipeline.modeling.panel import DATE, GEO, TARGET, ModelPanel

CONTRIBUTION = "channel_contribution_original_scale"
SAMPLE = "sample"
# "Current spend" for the marginal response: the last quarter.
RECENT_WEEKS = 13
# The marginal response is measured with a 1% increase of recent spend.
MARGINAL_STEP = 0.01


@dataclass(frozen=True)
class ChannelDraws:
    """Posterior draws per channel on the panel, with the spend they answer for.

    ``contribution`` is (sample, date, geo, channel) over the panel's weeks;
    ``marginal`` is (sample, geo, channel): extra conversions per extra unit of spend
    at the recent spend level.
    """

    contribution: xr.DataArray
    marginal: xr.DataArray
    spend: xr.DataArray
    recent_weekly_spend: xr.DataArray


def contribution_draws(mmm: MMM, frame: pd.DataFrame) -> xr.DataArray:
    """Channel contributions (sample, date, geo, channel) for the spend in ``frame``."""
    predicted = mmm.sample_posterior_predictive(
        frame,
        extend_idata=False,
        include_last_observations=False,
        var_names=[CONTRIBUTION],
        progressbar=False,
    )[CONTRIBUTION]
    return predicted.transpose(SAMPLE, DATE, GEO, "channel")


def _future_weeks(panel: ModelPanel, weeks: int) -> pd.DataFrame:
    """Weeks after the panel with no spend, so carry-over has somewhere to land."""
    last = panel.frame[DATE].max()
    dates = pd.date_range(last + pd.Timedelta(weeks=1), periods=weeks, freq="7D")
    index = pd.MultiIndex.from_product([dates, panel.geos], names=[DATE, GEO])
    future = pd.DataFrame(index=index).reset_index()
    for column in panel.frame.columns.drop([DATE, GEO, TARGET]):
        future[column] = 0.0
    return future


def channel_draws(mmm: MMM, panel: ModelPanel, carry_over_weeks: int) -> ChannelDraws:
    """Contribution and marginal-response draws for every geo and channel of ``panel``."""
    inputs = panel.frame.drop(columns=[TARGET])
    extended = pd.concat([inputs, _future_weeks(panel, carry_over_weeks)], ignore_index=True)
    dates = np.sort(inputs[DATE].unique())
    recent = extended[DATE] >= dates[-min(RECENT_WEEKS, len(dates))]
    bumped = extended.copy()
    bumped.loc[recent, panel.channels] *= 1.0 + MARGINAL_STEP

    base = contribution_draws(mmm, extended)
    more = contribution_draws(mmm, bumped)
    spend_by_week = (
        inputs.set_index([DATE, GEO])[panel.channels].to_xarray().to_dataarray("channel")
    )
    recent_spend = spend_by_week.sel({DATE: dates[-min(RECENT_WEEKS, len(dates)) :]})
    extra_spend = MARGINAL_STEP * recent_spend.sum(DATE)
    marginal = (more - base).sum(DATE) / extra_spend.where(extra_spend > 0)
    return ChannelDraws(
        contribution=base.sel({DATE: dates}),
        marginal=marginal.transpose(SAMPLE, GEO, "channel"),
        spend=spend_by_week.sum(DATE).transpose(GEO, "channel"),
        recent_weekly_spend=recent_spend.mean(DATE).transpose(GEO, "channel"),
    )


def interval(draws: np.ndarray, level: float, center: str = "mean") -> tuple[float, float, float]:
    """Posterior centre and equal-tailed interval of one quantity's draws.

    Additive quantities (contributions) use the mean, so geo figures add up to ``ALL``;
    ratios use the median, which a few draws near zero in the denominator cannot drag.
    """
    finite = draws[np.isfinite(draws)]
    if finite.size == 0:
        return (np.nan, np.nan, np.nan)
    tail = (1.0 - level) / 2.0
    low, mid, high = np.quantile(finite, [tail, 0.5, 1.0 - tail])
    centre = finite.mean() if center == "mean" else mid
    return float(centre), float(low), float(high)


def parameter_draws(mmm: MMM, name: str, like: xr.DataArray) -> xr.DataArray:
    """A posterior parameter as (sample, geo, channel), pooled or not."""
    posterior = mmm.idata.posterior[name].stack({SAMPLE: ("chain", "draw")})
    broadcast, _ = xr.broadcast(posterior, like)
    return broadcast.transpose(SAMPLE, GEO, "channel")
