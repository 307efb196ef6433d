"""A downstream outcome built from drawn upstream conversions: CRM pipeline from demo requests.

Each demo request becomes an opportunity with a fixed probability after a whole-week
gamma lag, worth a log-normal amount, and keeps the cause of the demo request it came
from. A small outbound stream adds opportunities no channel caused. Because every
opportunity is traced to a drawn demo request, the per-channel truth of pipeline is a
count, not an expectation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heldout.spec import FunnelSpec


@dataclass
class FunnelDraw:
    """Opportunities and their summed amounts per (week, geo, source); source 0 = baseline."""

    counts: np.ndarray
    value: np.ndarray


def _amounts(mean: float, sigma: float, n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.lognormal(np.log(mean) - 0.5 * sigma**2, sigma, n)


def run_funnel(
    funnel: FunnelSpec,
    upstream: np.ndarray,
    outbound_rate: np.ndarray,
    rng: np.random.Generator,
) -> FunnelDraw:
    """Opportunities created per week from ``upstream`` counts (weeks, geos, sources).

    ``outbound_rate`` (weeks, geos) is the expected outbound opportunities per week; they
    are credited to the baseline with the other opportunities of no media origin.
    """
    n_weeks = upstream.shape[0]
    counts = np.zeros(upstream.shape, dtype=np.int64)
    value = np.zeros(upstream.shape)
    opportunities = rng.binomial(upstream, funnel.rate)
    cells = np.repeat(np.arange(opportunities.size), opportunities.ravel())
    week, geo, source = np.unravel_index(cells, upstream.shape)
    shape, scale = (funnel.lag_mean / funnel.lag_sd) ** 2, funnel.lag_sd**2 / funnel.lag_mean
    lag = np.clip(np.rint(rng.gamma(shape, scale, cells.size)), 0, funnel.max_lag_weeks)
    created = week + lag.astype(np.int64)
    amount = _amounts(funnel.amount_mean, funnel.amount_sigma, cells.size, rng)
    kept = created < n_weeks
    np.add.at(counts, (created[kept], geo[kept], source[kept]), 1)
    np.add.at(value, (created[kept], geo[kept], source[kept]), amount[kept])
    outbound = rng.poisson(outbound_rate)
    counts[:, :, 0] += outbound
    for (w, g), k in np.ndenumerate(outbound):
        if k:
            value[w, g, 0] += _amounts(1.25 * funnel.amount_mean, funnel.amount_sigma, k, rng).sum()
    return FunnelDraw(counts=counts, value=value)
