"""The true media response: geometric adstock, then logistic saturation, times beta.

The same functions as pymc-marketing's ``GeometricAdstock(normalize=True)`` and
``LogisticSaturation``, so a fitted model can recover the parameters written to
ground truth directly rather than up to a reparametrisation.
"""

from __future__ import annotations

import numpy as np

from mmm_pipeline.simulate.business import ADSTOCK_L_MAX
from mmm_pipeline.simulate.params import Business


def adstock_weights(alpha: float, l_max: int = ADSTOCK_L_MAX) -> np.ndarray:
    """Normalised geometric weights ``alpha**l / sum``: carryover without changing the level.

    Returns
    -------
    np.ndarray
        ``l_max`` weights for lags 0, 1, ..., summing to 1.
    """
    weights = alpha ** np.arange(l_max)
    return weights / weights.sum()


def geometric_adstock(spend: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Adstock weekly spend of shape (W, G, C) along weeks, one ``alpha`` per channel.

    Spend before the first week is zero, as it is for a business whose history starts
    with its first campaign.

    Returns
    -------
    np.ndarray
        The adstocked spend, same shape as ``spend``.
    """
    out = np.zeros_like(spend, dtype=float)
    for c, a in enumerate(alpha):
        for lag, weight in enumerate(adstock_weights(float(a))):
            if lag == 0:
                out[:, :, c] += weight * spend[:, :, c]
            else:
                out[lag:, :, c] += weight * spend[:-lag, :, c]
    return out


def logistic_saturation(x: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """``(1 - exp(-lam x)) / (1 + exp(-lam x))``: 0 at no spend, 1 when saturated.

    Returns
    -------
    np.ndarray
        The saturated value of each ``x``, in [0, 1) for ``x >= 0``.
    """
    z = np.exp(-lam * x)
    return (1.0 - z) / (1.0 + z)


def expected_incremental(spend: np.ndarray, business: Business) -> np.ndarray:
    """Compute expected incremental conversions per week, geo, series, channel (W, G, K, C).

    Spend (USD, shape (W, G, C)) is adstocked, scaled by the channel's typical spend in
    the geo and saturated; beta is the most a channel can add in a week.

    Returns
    -------
    np.ndarray
        Expected conversions each channel adds, shape (W, G, K, C); zero where a channel is
        not bought.
    """
    stocked = geometric_adstock(spend, business.alpha)
    typical = np.where(business.typical > 0, business.typical, 1.0)
    saturated = logistic_saturation(stocked / typical[None], business.lam[None, None, :])
    return saturated[:, :, None, :] * np.moveaxis(business.beta, 2, 1)[None]
