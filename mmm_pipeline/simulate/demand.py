"""Weekly demand per geo and series, split by the source that truly caused it.

Three parts add up: a baseline (size, trend, yearly seasonality, promotions and
holidays), paid media (see :mod:`response`) and word of mouth, which brings back a few
percent of the previous weeks' conversions with no spend and no clicks. Each part's
count is drawn separately, so every conversion has one true source.
"""

from __future__ import annotations

import numpy as np

from mmm_pipeline.simulate.business import (
    BASELINE,
    SERIES,
    SOURCES,
    WOM,
    WOM_LOOKBACK_WEEKS,
)
from mmm_pipeline.simulate.controls import Controls
from mmm_pipeline.simulate.params import Business
from mmm_pipeline.simulate.timeline import Timeline


def expected_baseline(business: Business, timeline: Timeline, controls: Controls) -> np.ndarray:
    """Compute expected non-media, non-word-of-mouth conversions, shape (W, G, K).

    Returns
    -------
    np.ndarray
        Per week, geo and series: the base level with its trend, yearly seasonality and the
        lift of promotions and holidays.
    """
    years = timeline.week_years
    phase = 2.0 * np.pi * timeline.week_day_of_year() / 365.25
    season = np.stack(
        [
            1.0
            + s.season[0] * np.sin(phase)
            + s.season[1] * np.cos(phase)
            + s.season[2] * np.sin(2 * phase)
            + s.season[3] * np.cos(2 * phase)
            for s in SERIES
        ],
        axis=1,
    )
    trend = (1.0 + business.trend[None, :]) ** years[:, None]
    gamma_p = np.array([s.gamma_promotion for s in SERIES])
    gamma_h = np.array([s.gamma_holiday for s in SERIES])
    lift = np.exp(
        gamma_p[None, None, :] * controls.weekly_promotion()[:, :, None]
        + gamma_h[None, None, :] * controls.weekly_holiday()[:, None, None]
    )
    return business.base[None] * trend[:, :, None] * season[:, None, :] * lift


def _rho() -> np.ndarray:
    return np.array([s.wom_rho for s in SERIES])


def _prior_history(baseline: np.ndarray, incremental: np.ndarray) -> np.ndarray:
    """Weekly totals before the history starts: the first week's level in steady state.

    Returns
    -------
    np.ndarray
        Per geo and series, the total at which word of mouth sustains itself,
        ``(baseline + paid) / (1 - rho)``, shape (G, K).
    """
    return (baseline[0] + incremental[0].sum(axis=-1)) / (1.0 - _rho()[None, :])


def expected_components(baseline: np.ndarray, incremental: np.ndarray) -> np.ndarray:
    """Compute expected conversions per source, (W, G, K, S), word of mouth included.

    Word of mouth is linear in past totals, so running its recursion on expectations
    gives the exact expectation; experiments use this to compute true lift.

    Returns
    -------
    np.ndarray
        Expected conversions per week, geo, series and source: paid channels, then
        baseline and word of mouth in their slots of ``SOURCES``.
    """
    n_weeks = baseline.shape[0]
    out = np.zeros((*baseline.shape, len(SOURCES)))
    out[..., :WOM] = incremental
    out[..., BASELINE] = baseline
    history = [_prior_history(baseline, incremental)] * WOM_LOOKBACK_WEEKS
    for w in range(n_weeks):
        out[w, ..., WOM] = _rho()[None, :] * np.mean(history[-WOM_LOOKBACK_WEEKS:], axis=0)
        history.append(out[w].sum(axis=-1))
    return out


def draw_counts(
    baseline: np.ndarray, incremental: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Draw conversion counts per source, shape (W, G, K, S), int64.

    Paid and baseline counts are Poisson around their expectation; word of mouth is
    Poisson around ``rho`` times the mean of the previous weeks' drawn totals.

    Returns
    -------
    np.ndarray
        Drawn conversions per week, geo, series and source, laid out as
        :func:`expected_components`.
    """
    counts = np.zeros((*baseline.shape, len(SOURCES)), dtype=np.int64)
    counts[..., :WOM] = rng.poisson(incremental)
    counts[..., BASELINE] = rng.poisson(baseline)
    history = [_prior_history(baseline, incremental)] * WOM_LOOKBACK_WEEKS
    for w in range(baseline.shape[0]):
        lam = _rho()[None, :] * np.mean(history[-WOM_LOOKBACK_WEEKS:], axis=0)
        counts[w, ..., WOM] = rng.poisson(lam)
        history.append(counts[w].sum(axis=-1).astype(float))
    return counts
