"""A channel's weekly response to steady spend, per posterior draw, from a fitted model.

With normalised adstock weights (every form in carryover.py), spend held at ``x`` a week
for longer than the adstock's reach is passed on as ``x``, so the weekly contribution settles at

    target_scale[geo] * beta[geo, channel] * sat(lam[channel] * x / channel_scale[geo, channel])

with ``sat(z) = (1 - exp(-z)) / (1 + exp(-z)) = tanh(z / 2)``, pymc-marketing's logistic
saturation, and the model's own per-geo scales. Response curves, marginal ROI and the
budget optimizer all read this one function, so the slope that ``mmm.channel_roi`` calls
marginal ROI is the slope of the curve in ``mmm.response_curves``, and the optimizer
maximises what both show. ``tests/modeling/test_response_and_drift.py`` checks it
against the model's own prediction of held spend.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import xarray as xr
from pymc_marketing.mmm import MMM

from mmm_pipeline.modeling.panel import GEO

SAMPLE = "sample"


def evenly_spaced(total: int, samples: int | None) -> np.ndarray:
    """Which of ``total`` posterior draws to keep: ``samples`` of them, evenly spaced.

    Evenly spaced rather than random, so every run keeps the same draws.

    Returns
    -------
    numpy.ndarray
        Draw indices: all of them when ``samples`` is None or not below ``total``.
    """
    if samples is None or samples >= total:
        return np.arange(total)
    return np.rint(np.linspace(0, total - 1, samples)).astype(int)


@dataclass(frozen=True)
class ResponseModel:
    """Posterior draws of every (geo, channel)'s steady-state weekly response.

    ``beta`` is (sample, geo, channel) in outcome units at full saturation; ``rate`` is
    (sample, geo, channel), ``lam / channel_scale``: the curvature per unit of weekly
    spend in the reporting currency.
    """

    geos: list[str]
    channels: list[str]
    beta: np.ndarray
    rate: np.ndarray

    @classmethod
    def from_mmm(cls, mmm: MMM, samples: int | None = None) -> ResponseModel:
        """Read the draws (``samples`` of them, evenly spaced, or all) from a fitted model.

        Returns
        -------
        ResponseModel
            ``beta`` in outcome units and ``rate`` per unit of spend, for the model's geos
            and channels; rate 0 where a channel never ran in a geo.
        """
        posterior, constant = mmm.idata.posterior, mmm.idata.constant_data
        channel_scale, target_scale = constant["channel_scale"], constant["target_scale"]
        geos = [str(g) for g in channel_scale[GEO].values]
        channels = [str(c) for c in channel_scale["channel"].values]

        def draws(name: str) -> xr.DataArray:
            stacked = posterior[name].stack({SAMPLE: ("chain", "draw")})
            return stacked.broadcast_like(channel_scale)

        beta = (draws("saturation_beta") * target_scale).transpose(SAMPLE, GEO, "channel")
        # A channel never run in a geo has scale 0 and, in the model, no effect there.
        seen = channel_scale > 0
        rate = (draws("saturation_lam") / channel_scale.where(seen, 1.0)).where(seen, 0.0)
        rate = rate.transpose(SAMPLE, GEO, "channel")
        beta, rate = beta.values, rate.values
        picked = evenly_spaced(beta.shape[0], samples)
        beta, rate = beta[picked], rate[picked]
        return cls(geos=geos, channels=channels, beta=beta, rate=rate)

    def priced(self, exposure_per_money: pd.DataFrame) -> ResponseModel:
        """The response to spend of a model whose media is exposure (exposure.py).

        ``exposure_per_money`` (geo x channel) is what one unit of spend buys in the
        model's media; cells it lacks buy one. Scaling the rate keeps one function for
        curves, marginal ROI and the optimizer.

        Returns
        -------
        ResponseModel
            The same draws with ``rate`` per unit of spend.
        """
        per_money = exposure_per_money.reindex(
            index=self.geos, columns=self.channels, fill_value=1.0
        ).to_numpy(dtype=float)
        return replace(self, rate=self.rate * per_money[None, :, :])

    def contribution(self, spend: np.ndarray) -> np.ndarray:
        """Weekly contribution per draw for weekly ``spend`` shaped (..., geo, channel).

        Returns (sample, ..., geo, channel).

        Returns
        -------
        numpy.ndarray
            Shape (sample, ..., geo, channel): the steady-state weekly contribution, in
            outcome units.
        """
        beta, rate = self._broadcast(spend)
        return beta * np.tanh(rate * spend / 2.0)

    def slope(self, spend: np.ndarray) -> np.ndarray:
        """Extra weekly contribution per extra unit of weekly spend, at ``spend``.

        Returns
        -------
        numpy.ndarray
            Shape (sample, ..., geo, channel): the derivative of :meth:`contribution`.
        """
        beta, rate = self._broadcast(spend)
        return beta * rate * 0.5 / np.cosh(rate * spend / 2.0) ** 2

    def _broadcast(self, spend: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        extra = np.ndim(spend) - 2
        shape = (self.beta.shape[0],) + (1,) * extra + self.beta.shape[1:]
        return self.beta.reshape(shape), self.rate.reshape(shape)
