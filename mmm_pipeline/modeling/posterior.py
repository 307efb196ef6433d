"""Posterior draws of what a fitted model says about each channel, over the whole panel.

The model is fitted on all but the holdout weeks, but users ask about every week they
delivered. Channel contributions are a deterministic function of the posterior and the
spend, so they are recomputed on the full panel with ``sample_posterior_predictive``
(checked to equal the fitted values exactly on the training weeks). The marginal
response is the slope of the channel's steady-state response curve (``response.py``)
at its average weekly spend over the last quarter: the return on one more unit of
weekly spend once carry-over has settled, the same slope ``mmm.response_curves`` shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from pymc_marketing.mmm import MMM

from mmm_pipeline.modeling.panel import DATE, GEO, TARGET, ModelPanel
from mmm_pipeline.modeling.response import ResponseModel

# pymc-marketing's names: the contribution on the model's scale, and in outcome units.
MODEL_SCALE_CONTRIBUTION = "channel_contribution"
CONTRIBUTION = f"{MODEL_SCALE_CONTRIBUTION}_original_scale"
SAMPLE = "sample"
# "Current spend" for the marginal response: the last quarter.
RECENT_WEEKS = 13


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
    """Channel contributions (sample, date, geo, channel) for the spend in ``frame``.

    Returns
    -------
    xarray.DataArray
        The posterior draws of each channel's contribution in outcome units, for every
        week and geo of ``frame``.
    """
    predicted = mmm.sample_posterior_predictive(
        frame,
        extend_idata=False,
        include_last_observations=False,
        var_names=[CONTRIBUTION],
        progressbar=False,
    )[CONTRIBUTION]
    return predicted.transpose(SAMPLE, DATE, GEO, "channel")


def channel_draws(mmm: MMM, panel: ModelPanel) -> ChannelDraws:
    """Contribution and marginal-response draws for every geo and channel of ``panel``.

    Returns
    -------
    ChannelDraws
        Contributions over all the panel's weeks, the slope at each geo and channel's
        mean weekly spend over the last :data:`RECENT_WEEKS` weeks, the total spend and
        that recent weekly spend.
    """
    inputs = panel.frame.drop(columns=[TARGET])
    dates = np.sort(inputs[DATE].unique())
    spend_by_week = panel.spend_by_week()
    recent_spend = spend_by_week.sel({DATE: dates[-min(RECENT_WEEKS, len(dates)) :]}).mean(DATE)
    # A unit of spend now buys exposure (exposure.py) at the recent cost per impression.
    response = ResponseModel.from_mmm(mmm).priced(panel.exposure_per_money(RECENT_WEEKS))
    recent = recent_spend.transpose(GEO, "channel").reindex(
        {GEO: response.geos, "channel": response.channels}, fill_value=0.0
    )
    marginal = xr.DataArray(
        response.slope(recent.values),
        dims=(SAMPLE, GEO, "channel"),
        coords={GEO: response.geos, "channel": response.channels},
    )
    return ChannelDraws(
        contribution=contribution_draws(mmm, inputs),
        marginal=marginal.sel({GEO: recent_spend[GEO].values, "channel": panel.channels}),
        spend=spend_by_week.sum(DATE).transpose(GEO, "channel"),
        recent_weekly_spend=recent_spend.transpose(GEO, "channel"),
    )


def interval(draws: np.ndarray, level: float, center: str = "mean") -> tuple[float, float, float]:
    """Posterior centre and equal-tailed interval of one quantity's draws.

    Additive quantities (contributions) use the mean, so geo figures add up to ``ALL``;
    ratios use the median, which a few draws near zero in the denominator cannot drag.

    Returns
    -------
    tuple of float
        (centre, low, high) over the finite draws, the centre the mean or, for any other
        ``center``, the median; all NaN when no draw is finite.
    """
    finite = draws[np.isfinite(draws)]
    if finite.size == 0:
        return (np.nan, np.nan, np.nan)
    tail = (1.0 - level) / 2.0
    low, mid, high = np.quantile(finite, [tail, 0.5, 1.0 - tail])
    centre = finite.mean() if center == "mean" else mid
    return float(centre), float(low), float(high)


def parameter_draws(mmm: MMM, name: str, like: xr.DataArray) -> xr.DataArray:
    """A posterior parameter as (sample, geo, channel), pooled or not.

    Returns
    -------
    xarray.DataArray
        The parameter's draws (chain and draw stacked as ``sample``) broadcast against
        ``like``, so a parameter without a geo or channel dimension repeats along it.
    """
    posterior = mmm.idata.posterior[name].stack({SAMPLE: ("chain", "draw")})
    broadcast, _ = xr.broadcast(posterior, like)
    return broadcast.transpose(SAMPLE, GEO, "channel")
