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

The window (``l_max``) depends on the outcome: a downstream outcome such as pipeline
follows the spend by months, not the 8 weeks a signup needs (``l_max_by_outcome``).

The lift-test term (calibration.py) needs the same kernel as a tensor, per lift-test row;
:func:`kernel_tensor` is the one place that writes each form's weights.
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
from pymc_extras.prior import Prior
from pymc_marketing.mmm import MMM, DelayedAdstock, GeometricAdstock, WeibullPDFAdstock
from pymc_marketing.mmm.components.adstock import AdstockTransformation

GEOMETRIC = "geometric"
DELAYED = "delayed"
WEIBULL = "weibull"
FORMS = (GEOMETRIC, DELAYED, WEIBULL)


def window(l_max: int, by_outcome: dict[str, int], outcome: str) -> int:
    """The adstock window of ``outcome``: its own if configured, else the default.

    Returns
    -------
    int
        ``by_outcome[outcome]`` when present, else ``l_max``, in weeks.
    """
    return int(by_outcome.get(outcome, l_max))


def build_adstock(form: str, l_max: int, delay_sigma: float) -> AdstockTransformation:
    """The adstock component; its retention prior comes from the model config.

    Returns
    -------
    pymc_marketing.mmm.components.adstock.AdstockTransformation
        A ``GeometricAdstock``, ``DelayedAdstock`` (``theta`` HalfNormal with
        ``delay_sigma``) or ``WeibullPDFAdstock`` (shape and scale LogNormal), each with
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
    elif isinstance(mmm.adstock, GeometricAdstock):
        powers = alpha**lags
    else:
        raise ValueError(f"no kernel for {type(mmm.adstock).__name__}")
    return powers / powers.sum(axis=1, keepdims=True)
