"""A funnel for lagged outcomes: pipeline created from demo requests, revenue from orders.

A downstream outcome (opportunities in a CRM) is made from an upstream one (the demo
requests that sales turns into opportunities) weeks later. Its own spend-to-outcome
adstock has to hold the channel's carry-over and the sales cycle at once, and the
downstream series has no survey or last click of its own, so nothing tells the model
which channel made it: on the held-out B2B business every channel's pipeline came out
low, LinkedIn at a fifth of its truth (docs/notes/model-recovery.md, section 14).

The upstream model already knows which channel made the demo requests. So before the
downstream series is fitted:

1. the funnel is estimated from the two observed weekly series: downstream =
   a geo's own level + rate x (upstream carried through a discretised gamma lag), the
   lag's mean and spread chosen from a grid by least squares, the rate with its
   standard error (:func:`estimate_funnel`);
2. each channel's upstream contribution (from the upstream model, with its interval)
   times the rate, as a share of the downstream total, becomes that channel's
   contribution-share prior on the downstream model (:func:`funnel_shares`), with a
   spread that adds the upstream interval's and the rate's uncertainty.

The downstream model stays an MMM on spend, so its response curves, budgets, drift
check and horizons (which then include the sales cycle) work as for any series. What
did not come through the upstream series (outbound, partners) stays with the baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from mmm_pipeline.modeling.panel import DATE, TARGET, ModelPanel
from mmm_pipeline.modeling.specification import FunnelConfig

WEEK = "week_start"
GEO = "geo"
VALUE = "conversions"
# Lag grid: mean 0-16 weeks, spread as a share of the mean (0 is a zero-lag funnel).
LAG_MEANS = np.arange(0.0, 16.5, 0.5)
LAG_SPREADS = (0.25, 0.5, 0.75)


@dataclass(frozen=True)
class Funnel:
    """How a downstream series follows its upstream one.

    ``rate`` is downstream units per upstream conversion (opportunities per demo
    request), ``rate_se`` its standard error; the lag is a discretised gamma with mean
    ``lag_mean`` and sd ``lag_sd`` weeks; ``through_share`` is the part of the downstream
    total the upstream series explains.
    """

    upstream: str
    rate: float
    rate_se: float
    lag_mean: float
    lag_sd: float
    through_share: float

    def weights(self, max_lag: int) -> np.ndarray:
        """The lag's weight per week 0..max_lag (summing to 1).

        Returns
        -------
        numpy.ndarray
            Shape (max_lag + 1,), as from :func:`lag_weights`.
        """
        return lag_weights(self.lag_mean, self.lag_sd, max_lag)


def upstream_first(
    series: list[tuple[str, str]], links: dict[tuple[str, str], str]
) -> list[tuple[str, str]]:
    """``series`` reordered so each downstream series comes after its upstream one.

    ``links`` maps a (segment, outcome) to the outcome it is made from
    (``mmm.funnel_links``, funnel_links.py).

    Returns
    -------
    list of tuple of (str, str)
        The (segment, outcome) pairs of ``series``, sorted (stably) by how many links
        lie upstream of them.
    """
    return sorted(series, key=lambda item: len(upstream_chain(links, *item)))


def upstream_chain(links: dict[tuple[str, str], str], segment: str, outcome: str) -> list[str]:
    """The outcomes ``outcome`` is made from, furthest first (revenue <- pipeline <- lead).

    Returns
    -------
    list of str
        Following ``links`` up from ``outcome`` (not included), reversed; empty for a
        series made from no other.
    """
    chain: list[str] = []
    while (outcome := links.get((segment, outcome))) and outcome not in chain:
        chain.append(outcome)
    return chain[::-1]


def lag_weights(mean: float, sd: float, max_lag: int) -> np.ndarray:
    """A gamma lag of ``mean`` and ``sd`` weeks, binned to whole weeks 0..max_lag.

    Returns
    -------
    numpy.ndarray
        Shape (max_lag + 1,), summing to 1; the last week also holds the tail beyond
        ``max_lag``. All weight at week 0 when ``mean`` is not positive.
    """
    if mean <= 0:
        return np.eye(max_lag + 1)[0]
    shape, scale = (mean / sd) ** 2, sd**2 / mean
    edges = np.concatenate([[0.0], np.arange(max_lag) + 0.5, [np.inf]])
    weights = np.diff(stats.gamma.cdf(edges, shape, scale=scale))
    return weights / weights.sum()


def lagged_upstream(upstream: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Upstream (week x geo) carried through ``weights``; NaN until the window is full.

    Returns
    -------
    numpy.ndarray
        Same shape as ``upstream`` (missing weeks count as 0): each week's weighted sum
        of it and the weeks before, NaN in the first ``len(weights) - 1`` weeks.
    """
    filled = np.nan_to_num(np.asarray(upstream, dtype=float))
    lagged = np.full(filled.shape, np.nan)
    window = len(weights) - 1
    for geo in range(filled.shape[1]):
        lagged[window:, geo] = np.convolve(filled[:, geo], weights)[window : len(filled)]
    return lagged


def weekly_grid(frame: pd.DataFrame, weeks: pd.Index, geos: list[str]) -> np.ndarray:
    """A long (``week_start, geo, conversions``) frame as a week x geo array, NaN if absent.

    Returns
    -------
    numpy.ndarray
        Shape (len(weeks), len(geos)).
    """
    wide = frame.pivot_table(index=WEEK, columns=GEO, values=VALUE, aggfunc="sum")
    return wide.reindex(index=weeks, columns=geos).to_numpy(dtype=float)


@dataclass(frozen=True)
class GridFit:
    """The best lag of a grid for ``down = level[geo] (+ calendar) + rate * lag(up)``.

    ``coef`` is the whole least-squares vector: the rate, one level per geo, then the
    calendar's coefficients.
    """

    sse: float
    lag_mean: float
    lag_sd: float
    coef: np.ndarray
    rate_se: float
    through_share: float

    @property
    def rate(self) -> float:
        """Downstream units per upstream unit."""
        return float(self.coef[0])


def fit_lag_grid(
    down: np.ndarray, up: np.ndarray, max_lag: int, calendar: np.ndarray | None = None
) -> GridFit | None:
    """The lag of the grid whose least-squares fit of ``down`` on ``lag(up)`` is closest.

    ``down`` and ``up`` are week x geo arrays; ``calendar`` (week x k), when given, adds
    shared regressors (a trend, a season) to each geo's level.

    Returns
    -------
    GridFit or None
        The grid point with the smallest squared error; None when no grid point can be
        fitted (too few weeks, or no variation in the lagged upstream series).
    """
    best = None
    for mean in LAG_MEANS:
        for spread in LAG_SPREADS if mean > 0 else (1.0,):
            sd = max(spread * mean, 0.25)
            fitted = _ols(down, lagged_upstream(up, lag_weights(mean, sd, max_lag)), calendar)
            if fitted is not None and (best is None or fitted[0] < best.sse):
                best = GridFit(fitted[0], float(mean), float(sd), *fitted[1:])
    return best


def estimate_funnel(
    downstream: pd.DataFrame, upstream: pd.DataFrame, upstream_name: str, max_lag: int
) -> Funnel | None:
    """Fit ``downstream = level[geo] + rate * lag(upstream)`` by least squares on a lag grid.

    Both frames are long (``week_start, geo, conversions``). Returns None when the two
    series share too few weeks or the upstream series does not explain the downstream
    one (a rate that is not positive).

    Returns
    -------
    Funnel or None
        The grid point with the smallest squared error, over the geos both frames have;
        None as above.
    """
    geos = sorted(set(downstream[GEO]) & set(upstream[GEO]))
    weeks = pd.Index(sorted(set(downstream[WEEK]) | set(upstream[WEEK])))
    best = fit_lag_grid(
        weekly_grid(downstream, weeks, geos), weekly_grid(upstream, weeks, geos), max_lag
    )
    if best is None or best.rate <= 0:
        return None
    return Funnel(
        upstream_name, best.rate, best.rate_se, best.lag_mean, best.lag_sd, best.through_share
    )


def _ols(
    down: np.ndarray, lagged: np.ndarray, calendar: np.ndarray | None
) -> tuple[float, np.ndarray, float, float] | None:
    """(SSE, coefficients, the rate's standard error, share explained) of one lag's fit.

    Returns
    -------
    tuple or None
        As above, the share being the rate times the lagged upstream total over the
        downstream total; None with fewer than 20 week-geo rows or no variation in the
        lagged upstream series.
    """
    rows = np.isfinite(down) & np.isfinite(lagged)
    if rows.sum() < 20 or lagged[rows].std() == 0:
        return None
    week, geo = np.nonzero(rows)
    columns = [lagged[rows][:, None], np.eye(down.shape[1])[geo]]
    if calendar is not None:
        columns.append(calendar[week])
    design, y = np.hstack(columns), down[rows]
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ coef
    dof = max(len(y) - design.shape[1], 1)
    cov = np.linalg.pinv(design.T @ design) * (residual @ residual / dof)
    through = coef[0] * lagged[rows].sum() / y.sum()
    return float(residual @ residual), coef, float(np.sqrt(cov[0, 0])), float(through)


def funnel_shares(
    funnel: Funnel,
    contributions: pd.DataFrame,
    downstream_total: float,
    level: float,
    min_sigma: float,
    max_sigma: float,
) -> tuple[dict[str, float], dict[str, float]]:
    """Each channel's expected share of the downstream outcome, and the sd of its log.

    ``contributions`` has one row per channel (``channel, contribution,
    contribution_low, contribution_high``): the upstream model's total over the weeks
    ``downstream_total`` sums, its interval at ``level``.

    Returns
    -------
    shares : dict of str to float
        Per channel, ``rate`` times its upstream contribution over ``downstream_total``;
        channels without a positive contribution are left out (all, when the total is
        not positive).
    sigmas : dict of str to float
        Per channel, the upstream interval's and the rate's relative spread combined,
        clipped to ``[min_sigma, max_sigma]``.
    """
    z = stats.norm.ppf(0.5 + level / 2)
    shares, sigmas = {}, {}
    rate_sd = funnel.rate_se / funnel.rate
    for row in contributions.itertuples(index=False):
        if not row.contribution > 0 or downstream_total <= 0:
            continue
        low = max(row.contribution_low, row.contribution * 1e-3)
        upstream_sd = (np.log(max(row.contribution_high, low)) - np.log(low)) / (2 * z)
        shares[row.channel] = funnel.rate * row.contribution / downstream_total
        sigma = float(np.hypot(upstream_sd, rate_sd))
        sigmas[row.channel] = float(np.clip(sigma, min_sigma, max_sigma))
    return shares, sigmas


def with_funnel_prior(
    panel: ModelPanel,
    funnel: Funnel,
    contributions: pd.DataFrame,
    weeks: tuple[pd.Timestamp, pd.Timestamp],
    level: float,
    config: FunnelConfig,
) -> ModelPanel:
    """``panel`` with the funnel's shares as its prior (the upstream's, over ``weeks``).

    Returns
    -------
    ModelPanel
        A copy with ``prior_shares`` and ``prior_share_sigmas`` set, for the panel's own
        channels; ``panel`` itself when no channel gets a share.
    """
    dates = panel.frame[DATE]
    total = float(panel.frame.loc[dates.between(*weeks), TARGET].sum())
    known = contributions[contributions["channel"].isin(panel.channels)]
    shares, sigmas = funnel_shares(funnel, known, total, level, config.min_sigma, config.max_sigma)
    if not shares:
        return panel
    return replace(panel, prior_shares=shares, prior_share_sigmas=sigmas, survey_channels=())


def ledger_columns(funnel: Funnel | None) -> dict:
    """The ledger's account of the funnel a downstream series' prior came through.

    Returns
    -------
    dict
        The ``funnel_*`` columns of ``mmm.model_runs``; all None without a funnel.
    """
    return {
        "funnel_upstream": funnel.upstream if funnel else None,
        "funnel_rate": funnel.rate if funnel else None,
        "funnel_rate_se": funnel.rate_se if funnel else None,
        "funnel_lag_mean_weeks": funnel.lag_mean if funnel else None,
        "funnel_lag_sd_weeks": funnel.lag_sd if funnel else None,
        "funnel_through_share": funnel.through_share if funnel else None,
    }
