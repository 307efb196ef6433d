"""How long a channel's effect takes, read from the fitted carry-over kernel.

A half-life says how fast an effect decays, which is not how long a marketer must keep
spending to see it: a brand channel whose effect peaks weeks after the spend reaches its
full weekly effect far later than its decay rate suggests. So the horizons come from
the kernel itself, per posterior draw, whatever the adstock form:

- ``peak_lag_weeks``: the lag (0 = the week of the spend) that carries the most weight;
- ``half_life_weeks``: weeks from the peak until the weight has halved (log-linear
  between lags, which is exact for geometric carry-over);
- ``weeks_to_half_effect`` / ``weeks_to_90pct_effect``: weeks of sustained spend (the
  first week counts as 1) until the carried-over spend, and so the weekly effect where
  the response is near linear, reaches half and 90% of its steady state: the kernel's
  cumulative weight (pymc-marketing's ``cumulative_weights``) crossing 0.5 and 0.9.

Before this the table showed the lag of the best cross-correlation between spend and
outcome changes, which ranged 0-16 weeks at random across channels (correlations of
0.05-0.43) on held-out data: noise, not a horizon.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from pymc_marketing.mmm import MMM

from mmm_pipeline.modeling.panel import GEO
from mmm_pipeline.modeling.posterior import SAMPLE, interval

HORIZON = "horizon"
HORIZON_STATISTICS = (
    "peak_lag_weeks",
    "half_life_weeks",
    "weeks_to_half_effect",
    "weeks_to_90pct_effect",
)

# The columns the horizons add to a table, with their types.
HORIZON_COLUMNS = {"adstock_form": "VARCHAR"} | {
    f"{name}{suffix}": "DOUBLE" for name in HORIZON_STATISTICS for suffix in ("", "_low", "_high")
}


def adstock_form(mmm: MMM) -> str:
    """The carry-over form in words, as ``mmm.channel_parameters`` reports it.

    Returns
    -------
    str
        ``geometric``, ``delayed``, ``weibull_pdf``, ``weibull_cdf`` or ``two_stage``;
        the adstock's class name for any other form.
    """
    return {
        "GeometricAdstock": "geometric",
        "DelayedAdstock": "delayed",
        "WeibullPDFAdstock": "weibull_pdf",
        "WeibullCDFAdstock": "weibull_cdf",
        "TwoStageAdstock": "two_stage",
    }.get(type(mmm.adstock).__name__, type(mmm.adstock).__name__)


def cumulative_kernel(mmm: MMM, spend: xr.DataArray | None = None) -> xr.DataArray:
    """(sample, channel, horizon): the share of a unit of spend passed on by each lag.

    ``spend`` (geo, channel) weights geos where the kernel differs by geo.

    Returns
    -------
    xarray.DataArray
        Dimensions ``sample`` (chain and draw stacked), ``channel``, ``horizon``: the
        kernel's cumulative weight up to each lag, per posterior draw.
    """
    names = list(mmm.adstock.variable_mapping.values())
    posterior = mmm.idata.posterior
    parameters = xr.Dataset({name: posterior[name] for name in names})
    shares = mmm.adstock.cumulative_weights(parameters, progressbar=False)
    if GEO in shares.dims:
        weights = (spend / spend.sum(GEO)).fillna(1.0 / spend.sizes[GEO])
        shares = (shares * weights).sum(GEO)
    return shares.stack({SAMPLE: ("chain", "draw")}).transpose(SAMPLE, "channel", HORIZON)


def kernel_statistics(cumulative: np.ndarray) -> dict[str, np.ndarray]:
    """Each horizon statistic per draw, from cumulative kernel shares (..., lags).

    Returns
    -------
    dict of str to numpy.ndarray
        Keyed by :data:`HORIZON_STATISTICS`, each of shape ``cumulative.shape[:-1]``, in
        weeks.
    """
    weights = np.diff(cumulative, axis=-1, prepend=0.0)
    lags = weights.shape[-1]
    peak = np.argmax(weights, axis=-1)
    top = np.take_along_axis(weights, peak[..., None], axis=-1)[..., 0]
    return {
        "peak_lag_weeks": peak.astype(float),
        "half_life_weeks": _half_life(weights, peak, top, lags),
        "weeks_to_half_effect": (cumulative < 0.5).sum(axis=-1) + 1.0,
        "weeks_to_90pct_effect": (cumulative < 0.9 - 1e-9).sum(axis=-1) + 1.0,
    }


def _half_life(weights: np.ndarray, peak: np.ndarray, top: np.ndarray, lags: int) -> np.ndarray:
    """Weeks from the peak until the weight falls to half of it; inf when it never does.

    Returns
    -------
    numpy.ndarray
        Shape of ``peak``: the half-life in weeks, interpolated log-linearly between the
        last lag above half the peak weight and the first at or below it.
    """
    with np.errstate(divide="ignore"):
        log_weights = np.log(weights)
    target = np.log(top / 2.0)
    after = np.arange(lags) > peak[..., None]
    below = after & (log_weights <= target[..., None])
    first = np.where(below.any(axis=-1), np.argmax(below, axis=-1), -1)
    result = np.full(peak.shape, np.inf)
    found = first > 0
    upper = np.take_along_axis(log_weights, np.maximum(first, 1)[..., None], axis=-1)[..., 0]
    lower = np.take_along_axis(log_weights, np.maximum(first - 1, 0)[..., None], axis=-1)[..., 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        step = np.where(np.isfinite(upper), (lower - target) / (lower - upper), 1.0)
    result[found] = (first - 1 - peak + np.clip(step, 0.0, 1.0))[found]
    return result


def through_lag(cumulative: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """Cumulative shares (..., lags) of a kernel followed by a further ``lag`` (weights).

    Returns
    -------
    numpy.ndarray
        Shape (..., lags + len(lag) - 1): the cumulative weights of the kernel convolved
        with ``lag``.
    """
    weights = np.diff(cumulative, axis=-1, prepend=0.0)
    carried = np.zeros((*weights.shape[:-1], weights.shape[-1] + len(lag) - 1))
    for delay, share in enumerate(lag):
        carried[..., delay : delay + weights.shape[-1]] += share * weights
    return np.cumsum(carried, axis=-1)


def channel_horizons(
    mmm: MMM, spend: xr.DataArray, level: float, funnel_lag: np.ndarray | None = None
) -> pd.DataFrame:
    """One row per channel: the adstock form and each horizon with its interval.

    ``funnel_lag`` (weights per week) is the lag of a funnel that follows ``mmm``'s
    kernel: a downstream outcome's horizons are its upstream model's carry-over, then
    the sales cycle (funnel.py).

    Returns
    -------
    pandas.DataFrame
        Columns ``channel``, ``adstock_form`` and each of :data:`HORIZON_STATISTICS` with
        its ``_low`` and ``_high`` bound: the posterior median and the interval at
        ``level``.
    """
    cumulative = cumulative_kernel(mmm, spend)
    values = cumulative.values if funnel_lag is None else through_lag(cumulative.values, funnel_lag)
    statistics = kernel_statistics(values)
    form = adstock_form(mmm) + ("" if funnel_lag is None else " then funnel lag")
    rows = []
    for index, channel in enumerate(cumulative["channel"].values):
        row: dict[str, object] = {"channel": str(channel), "adstock_form": form}
        for name in HORIZON_STATISTICS:
            centre, low, high = interval(statistics[name][:, index], level, "median")
            row |= {name: centre, f"{name}_low": low, f"{name}_high": high}
        rows.append(row)
    return pd.DataFrame(rows)
