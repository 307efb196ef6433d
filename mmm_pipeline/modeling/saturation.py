"""Logistic saturation parametrised by what the data pin down: the effect at typical spend.

pymc-marketing's ``LogisticSaturation`` is ``beta * tanh(lam * x / 2)``: ``beta`` the
ceiling, ``lam`` the curvature. A channel's weeks show its response over the spend it
ran at, which fixes ``beta * tanh(lam * x / 2)`` near that spend and leaves ``beta``
and ``lam`` free to trade along a ridge (more curvature, lower ceiling). On the public
8-geo preset their posterior correlation reached -0.985, and NUTS took 140 leapfrog
steps a draw walking it (benchmarks/geometry.py).

Here the sampled parameters are ``lam`` and ``effect``, the response at the channel's
reference spend ``x_ref`` (its mean scaled spend over the weeks it ran):
``effect * tanh(lam * x / 2) / tanh(lam * x_ref / 2)``. The curve family is the same;
``effect`` is what the weeks measure and ``lam`` only bends the curve around it. The
ceiling ``saturation_beta = effect / tanh(lam * x_ref / 2)`` is kept in the model as a
deterministic (:meth:`ReferenceLogisticSaturation.add_ceiling`), so everything that reads
``beta`` and ``lam`` (response curves, lift tests, published parameters) reads the same
quantities as before. The reference spend is part of the saved model (``to_dict``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pymc.dims as pmd
from pymc_extras.prior import Prior
from pymc_marketing.mmm.components.saturation import SaturationTransformation
from pymc_marketing.mmm.transformers import logistic_saturation
from pymc_marketing.serialization import serialization
from pytensor.xtensor import as_xtensor

CEILING = "saturation_beta"
# The effect's variable (the component's prefix and parameter name).
EFFECT = "saturation_effect"
LAM = "saturation_lam"


def reference_spend(frame: pd.DataFrame, channels: list[str], geo: str) -> list[float]:
    """Each channel's mean spend, scaled by its maximum per geo, over the weeks it ran.

    Returns
    -------
    list of float
        One value in (0, 1] per channel, in order; 1 for a channel that never spent.
    """
    scaled = frame[channels] / frame.groupby(geo)[channels].transform("max").replace(0, np.nan)
    reference = scaled.where(scaled > 0).mean()
    return [float(reference.get(c)) if np.isfinite(reference.get(c)) else 1.0 for c in channels]


@serialization.register
class ReferenceLogisticSaturation(SaturationTransformation):
    """``effect * tanh(lam x / 2) / tanh(lam x_ref / 2)``: the effect at ``x_ref`` sampled.

    ``reference`` holds ``x_ref`` per channel, in the model's channel order.
    """

    lookup_name = "reference_logistic"
    default_priors = {  # noqa: RUF012 (pymc-marketing's class attribute)
        "lam": Prior("Gamma", alpha=3, beta=1, dims="channel"),
        "effect": Prior("HalfNormal", sigma=1, dims="channel"),
    }

    def __init__(
        self,
        reference: list[float],
        priors: dict[str, Any] | None = None,
        prefix: str | None = None,
    ) -> None:
        self.reference = [float(value) for value in reference]
        super().__init__(priors=priors, prefix=prefix)

    def _reference(self) -> Any:
        return as_xtensor(np.asarray(self.reference), dims=("channel",))

    def function(self, x: Any, lam: Any, effect: Any, *, dim: str | None = None) -> Any:
        """The saturated response of ``x``, equal to ``effect`` at the reference spend.

        Returns
        -------
        XTensorVariable
            ``effect * logistic(x, lam) / logistic(x_ref, lam)``.
        """
        return effect * logistic_saturation(x, lam) / logistic_saturation(self._reference(), lam)

    def add_ceiling(self, model: Any) -> None:
        """Add the curve's ceiling to ``model`` as ``saturation_beta`` (call after build)."""
        with model:
            lam, effect = model[LAM], model[EFFECT]
            pmd.Deterministic(CEILING, effect / logistic_saturation(self._reference(), lam))

    def to_dict(self) -> dict[str, Any]:
        """The parent's dictionary with the reference spend, so a saved model keeps it.

        Returns
        -------
        dict
            Prefix, priors and ``reference``.
        """
        return super().to_dict() | {"reference": self.reference}


def curvature_prior_mean(priors: dict[str, Prior]) -> float:
    """The prior mean of the curvature ``lam``: a Gamma's ``alpha / beta``, else 3.

    Returns
    -------
    float
        The mean of the configured Gamma prior on ``saturation_lam``; 3 (the default
        Gamma(3, 1)'s) for any other prior.
    """
    lam = priors.get(LAM)
    if lam is None or lam.distribution != "Gamma" or not {"alpha", "beta"} <= set(lam.parameters):
        return 3.0
    return float(lam.parameters["alpha"] / lam.parameters["beta"])


def _channel_dims(prior: Prior) -> bool:
    dims = prior.dims if isinstance(prior.dims, tuple) else (prior.dims,)
    return dims == ("channel",)


def _effect_prior(ceiling: Prior, shift: np.ndarray) -> Prior | None:
    """The effect's prior: the ceiling's log-normal with its centre moved by ``shift``.

    Returns
    -------
    pymc_extras.prior.Prior or None
        A log-normal on the channel's effect at its reference spend; None when the
        ceiling's prior is neither a per-channel log-normal nor one pooled across geos
        whose upper level is a per-channel (or scalar) Normal.
    """
    if ceiling.distribution != "Normal" or ceiling.transform != "exp":
        return None
    mu = ceiling.parameters.get("mu", 0.0)
    if isinstance(mu, Prior):
        if mu.distribution != "Normal" or not (_channel_dims(mu) or not mu.dims):
            return None
        centre = Prior(
            "Normal", **(mu.parameters | {"mu": mu.parameters["mu"] + shift}), dims="channel"
        )
        return Prior(
            "Normal",
            **(ceiling.parameters | {"mu": centre}),
            dims=ceiling.dims,
            centered=ceiling.centered,
            transform="exp",
        )
    if not _channel_dims(ceiling):
        return None
    return Prior(
        "Normal", **(ceiling.parameters | {"mu": mu + shift}), dims="channel", transform="exp"
    )


def reference_saturation(
    priors: dict[str, Prior], frame: pd.DataFrame, channels: list[str], geo: str
) -> tuple[SaturationTransformation, dict[str, Prior]]:
    """The saturation component and the priors it takes, from the configured priors.

    ``model.yaml`` states its prior on the ceiling (``saturation_beta``, log-normal), the
    quantity a marketer can picture. The effect at the reference spend is sampled with
    that prior moved by ``log tanh(lam * x_ref / 2)`` at the curvature prior's mean: the
    same curve at the prior's typical curvature.

    Returns
    -------
    tuple of (SaturationTransformation, dict of str to Prior)
        :class:`ReferenceLogisticSaturation` and the priors with ``saturation_effect`` in
        place of ``saturation_beta``; pymc-marketing's ``LogisticSaturation`` and the
        priors unchanged when the ceiling's prior is not a log-normal of that shape.
    """
    from pymc_marketing.mmm import LogisticSaturation

    ceiling = priors.get(CEILING)
    reference = reference_spend(frame, channels, geo)
    shift = np.log(np.tanh(curvature_prior_mean(priors) * np.asarray(reference) / 2.0))
    effect = None if ceiling is None else _effect_prior(ceiling, shift)
    if effect is None:
        return LogisticSaturation(), priors
    moved = {name: prior for name, prior in priors.items() if name != CEILING}
    return ReferenceLogisticSaturation(reference), moved | {EFFECT: effect}
