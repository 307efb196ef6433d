"""The tracking data's share of conversions as a prior on each channel's contribution.

:mod:`media_priors` turns a channel's survey or last-click share into an expected share
of the conversions. Centring the channel's maximum effect (``saturation_beta``) on it
holds only at the prior's typical curvature: a channel whose saturation comes out
steeper adds more at the same ``beta``, so the share constrains nothing once the
curvature moves. In the acceptance shape's seed 1, meta saturated at twice the true
rate and four of six channels came out 32-61% high while their survey shares sat
within 16% of the truth (docs/notes/model-recovery.md, section 12).

So the share enters as a soft constraint on what it measures: the channel's
summed contribution over the fitted weeks, as a share of the summed outcome, has a
log-normal prior around the tracking share. It is a soft constraint on a function of
``beta``, ``lam`` and the retention, the way Meridian's ROI priors constrain the
contribution rather than a coefficient; the data and lift tests still decide.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc_marketing.mmm import MMM

from mmm_pipeline.modeling.panel import DATE, GEO
from mmm_pipeline.modeling.posterior import MODEL_SCALE_CONTRIBUTION

SHARE_PRIOR = "media_share_prior"


def _tensor(mmm: MMM, name: str, dims: tuple[str, ...] = ()) -> pt.TensorVariable:
    """A model variable as a plain tensor, its axes in the order ``dims`` names.

    pymc-marketing 1.3 keeps some variables as xtensors whose axis order follows their
    inputs: with a media effect shared by the geos (pooling.py) the contributions come
    out as (date, channel, geo), so positions are only meaningful after a transpose.

    Returns
    -------
    pytensor.tensor.TensorVariable
        The xtensor transposed to ``dims`` (when given) and its ``values``; the variable
        itself when it is already plain.
    """
    variable = mmm.model[name]
    if not hasattr(variable, "values"):
        return variable
    return (variable.transpose(*dims) if dims else variable).values


def summed_contribution(mmm: MMM) -> pt.TensorVariable:
    """Each channel's contribution summed over geos and fitted weeks, in outcome units.

    ``channel_contribution`` is on the target scaled per geo; ``target_scale`` undoes it.

    Returns
    -------
    pytensor.tensor.TensorVariable
        Shape (channel,), in the model's channel order.
    """
    scale = _tensor(mmm, "target_scale", (GEO,))
    per_geo = _tensor(mmm, MODEL_SCALE_CONTRIBUTION, (DATE, GEO, "channel")).sum(axis=0)
    return (per_geo * scale[:, None]).sum(axis=0)


def add_share_prior(
    mmm: MMM,
    shares: dict[str, float],
    sigma: float,
    sigmas: dict[str, float] | None = None,
) -> None:
    """Put ``log(contribution share) ~ Normal(log(share), sigma)`` on each named channel.

    Call on a built model before fitting. Shares are fractions of all conversions; the
    contribution share is the channel's summed contribution over every geo and fitted
    week (outcome units) divided by the summed outcome. ``sigmas`` overrides ``sigma``
    for the channels it names (a funnel knows how sure each channel's share is).
    """
    channels = list(mmm.model.coords["channel"])
    named = [c for c in channels if shares.get(c, 0.0) > 0]
    if not named:
        return
    index = np.array([channels.index(c) for c in named])
    centre = np.log(np.array([shares[c] for c in named]))
    with mmm.model:
        # target_data is in outcome units, as summed_contribution is.
        total = _tensor(mmm, "target_data").sum()
        log_share = pt.log(summed_contribution(mmm)[index] / total)
        # Written as an observed Normal (the density is symmetric in value and mean):
        # PyMC lowers an observed term's xtensor graph to plain tensors, which have
        # gradients; a Potential keeps the xtensor ops, and NUTS cannot run on them.
        spread = np.array([(sigmas or {}).get(c, sigma) for c in named])
        pm.Normal(SHARE_PRIOR, mu=log_share, sigma=spread, observed=centre)
