"""The carry-over (adstock) of a series' model: its form, its window, and its kernel.

Three of pymc-marketing's own forms, chosen in ``model.yaml`` (``adstock.form``):

- ``geometric``: the weight at lag ``l`` is ``alpha ** l``; the effect is largest in the
  week of the spend and decays from there.
- ``delayed``: the weight is ``alpha ** ((l - theta) ** 2)``, with a peak lag ``theta``
  per channel. The prior on ``theta`` is wide enough (``delay_sigma``) for a brand
  channel to ramp for weeks while a search channel keeps its peak at lag 0: the data
  choose the peak, channel by channel, instead of a hard-coded list.
- ``weibull``: the Weibull density at lags 1..l_max (pymc-marketing's
  ``WeibullPDFAdstock``), rescaled to [0, 1]. Shape 1 is geometric decay; a shape above
  1 ramps to a peak weeks after the spend. The shape's prior is centred on 1, so a
  channel ramps only where its data say so.
- ``two_stage``: spend builds something (awareness, consideration) that fades at
  ``alpha * ramp`` a week and turns into the outcome at a rate that fades at ``alpha``:
  the two geometric kernels convolved, ``alpha ** l * (1 - ramp ** (l + 1))``
  (:class:`TwoStageAdstock`). ``ramp = 0`` is geometric decay exactly; towards 1 the
  effect builds to a peak near ``-1 / log(alpha) - 1`` weeks. Its prior sits near 0, so
  a channel ramps only where its weeks say so, and a ramp comes with the slow decay
  that makes one (a channel retaining half or less never peaks after its first week).

The window (``l_max``) depends on the outcome: a downstream outcome such as pipeline
follows the spend by months, not the 8 weeks a signup needs (``l_max_by_outcome``).

The lift-test term (calibration.py) needs the same kernel as a tensor, per lift-test row;
:func:`kernel_tensor` is the one place that writes each form's weights.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytensor.tensor as pt
from pymc_extras.prior import Prior
from pymc_marketing.mmm import MMM, DelayedAdstock, GeometricAdstock, WeibullPDFAdstock
from pymc_marketing.mmm.components.adstock import AdstockTransformation
from pymc_marketing.mmm.transformers import batched_convolution
from pymc_marketing.serialization import serialization
from pytensor import xtensor as ptx

GEOMETRIC = "geometric"
DELAYED = "delayed"
WEIBULL = "weibull"
TWO_STAGE = "two_stage"
FORMS = (GEOMETRIC, DELAYED, WEIBULL, TWO_STAGE)


@serialization.register
class TwoStageAdstock(AdstockTransformation):
    """Geometric carry-over through a build-up stage, which lets a channel ramp.

    The weight at lag ``l`` is ``alpha ** l * (1 - ramp ** (l + 1))``, normalised: the
    convolution of two geometric kernels of retention ``alpha`` and
    ``alpha * ramp``, written so that ``ramp`` (0 to 1) is the build-up's share of
    ``alpha``: the two retentions cannot swap, so the posterior has one mode. Unlike
    the Weibull density it nests geometric decay at ``ramp = 0`` and has no
    rescaling that underflows, and unlike the delayed form it keeps the geometric tail.
    """

    lookup_name = "two_stage"

    def function(self, x, alpha, ramp, *, dim: str):
        """Convolve ``x`` along ``dim`` with the two-stage kernel.

        Returns
        -------
        pytensor.xtensor.XTensorVariable
            ``x`` carried over: each week's value spread over the next ``l_max`` weeks.
        """
        kernel_dim = f"{dim}_kernel"
        x = ptx.as_xtensor(x)
        lags = ptx.as_xtensor(pt.arange(self.l_max, dtype=x.dtype), dims=(kernel_dim,))
        weights = ptx.math.power(alpha, lags) * (1.0 - ptx.math.power(ramp, lags + 1.0))
        if self.normalize:
            weights = weights / weights.sum(dim=kernel_dim)
        return batched_convolution(x, weights, dim=dim, kernel_dim=kernel_dim, mode=self.mode)

    default_priors: ClassVar[dict[str, Prior]] = {
        "alpha": Prior("Beta", alpha=2, beta=2),
        "ramp": Prior("Beta", alpha=1, beta=3),
    }


def window(l_max: int, by_outcome: dict[str, int], outcome: str) -> int:
    """The adstock window of ``outcome``: its own if configured, else the default.

    Returns
    -------
    int
        ``by_outcome[outcome]`` when present, else ``l_max``, in weeks.
    """
    return int(by_outcome.get(outcome, l_max))


def build_adstock(
    form: str, l_max: int, delay_sigma: float, ramp: dict[str, float] | None = None
) -> AdstockTransformation:
    """The adstock component; its retention prior comes from the model config.

    Returns
    -------
    pymc_marketing.mmm.components.adstock.AdstockTransformation
        A ``GeometricAdstock``, ``DelayedAdstock`` (``theta`` HalfNormal with
        ``delay_sigma``), ``WeibullPDFAdstock`` (shape and scale LogNormal) or
        :class:`TwoStageAdstock` (``ramp`` Beta with the parameters ``ramp``), each with
        window ``l_max``.

    Raises
    ------
    ValueError
        For a form that is not one of :data:`FORMS`.
    """
    if form == GEOMETRIC:
        return GeometricAdstock(l_max=l_max)
    if form == DELAYED:
        theta = Prior("HalfNormal", sigma=delay_sigma, dims="channel")
        return DelayedAdstock(l_max=l_max, priors={"theta": theta})
    if form == WEIBULL:
        # Shape 1 is geometric decay (retention exp(-1 / scale)); above 1 the effect
        # ramps to a peak weeks after the spend. Centred on 1, so a channel ramps only
        # where its data say so.
        shape = Prior("LogNormal", mu=0.0, sigma=0.5, dims="channel")
        scale = Prior("LogNormal", mu=float(np.log(2.0)), sigma=0.75, dims="channel")
        return WeibullPDFAdstock(l_max=l_max, priors={"k": shape, "lam": scale})
    if form == TWO_STAGE:
        beta = Prior("Beta", **(ramp or {"alpha": 1.0, "beta": 3.0}), dims="channel")
        return TwoStageAdstock(l_max=l_max, priors={"ramp": beta})
    raise ValueError(f"adstock form {form!r} is not supported; use one of {', '.join(FORMS)}")


def _row_values(mmm: MMM, name: str, geo: np.ndarray, channel: np.ndarray) -> pt.TensorVariable:
    """A (geo and/or channel) model variable, picked out for each row.

    Returns
    -------
    pytensor.tensor.TensorVariable
        One value per row, at that row's geo and/or channel as the variable's dims ask;
        the variable itself when it has no dims.
    """
    variable = mmm.model[name]
    index = {"geo": geo, "channel": channel}
    tensor = variable.values
    return tensor[tuple(index[dim] for dim in variable.dims)] if variable.dims else tensor


def kernel_tensor(mmm: MMM, geo: np.ndarray, channel: np.ndarray) -> pt.TensorVariable:
    """(rows, l_max): the normalised carry-over weights for each (geo, channel) row.

    Returns
    -------
    pytensor.tensor.TensorVariable
        Shape (rows, l_max): the weight at lags 0..l_max-1 of the model's adstock form,
        each row summing to 1.

    Raises
    ------
    ValueError
        For an adstock this module did not build.
    """
    lags = np.arange(mmm.adstock.l_max)[None, :]
    if isinstance(mmm.adstock, WeibullPDFAdstock):
        # As pymc-marketing writes it: the density at 1..l_max, rescaled to [0, 1].
        shape = _row_values(mmm, "adstock_k", geo, channel)[:, None]
        scale = _row_values(mmm, "adstock_lam", geo, channel)[:, None]
        t = (lags + 1.0) / scale
        density = shape / scale * t ** (shape - 1) * pt.exp(-(t**shape))
        low = density.min(axis=1, keepdims=True)
        powers = (density - low) / (density.max(axis=1, keepdims=True) - low)
        return powers / powers.sum(axis=1, keepdims=True)
    alpha = _row_values(mmm, "adstock_alpha", geo, channel)[:, None]
    if isinstance(mmm.adstock, DelayedAdstock):
        theta = _row_values(mmm, "adstock_theta", geo, channel)[:, None]
        powers = alpha ** ((lags - theta) ** 2)
    elif isinstance(mmm.adstock, TwoStageAdstock):
        ramp = _row_values(mmm, "adstock_ramp", geo, channel)[:, None]
        powers = alpha**lags * (1.0 - ramp ** (lags + 1.0))
    elif isinstance(mmm.adstock, GeometricAdstock):
        powers = alpha**lags
    else:
        raise ValueError(f"no kernel for {type(mmm.adstock).__name__}")
    return powers / powers.sum(axis=1, keepdims=True)
