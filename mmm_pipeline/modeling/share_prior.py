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

A survey share is not the channel's share, though: buyers name a channel they
remember, and they remember a podcast better than a banner. On the held-out B2C
business the survey saw 36-54% of each brand channel's true share, on our simulator
84-112%; read as the share itself, it held TV and YouTube at a third of the truth with
intervals that missed it. So the survey is a measurement through a recall per channel,
the recalls partially pooled around a common level whose prior is wide. The survey
fixes how the channels compare; a lift test on a surveyed channel measures that
channel's recall, and through the pooling the level the untested ones borrow.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc_marketing.mmm import MMM

from mmm_pipeline.modeling.panel import DATE, GEO
from mmm_pipeline.modeling.posterior import MODEL_SCALE_CONTRIBUTION
from mmm_pipeline.modeling.specification import SurveyRecallConfig

SHARE_PRIOR = "media_share_prior"
SURVEY_SHARES = "survey_shares"
SURVEY_CHANNEL = "survey_channel"
RECALL = "survey_recall"
RECALL_LEVEL = "survey_recall_level"


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
    survey_channels: tuple[str, ...] = (),
    recall: SurveyRecallConfig | None = None,
) -> None:
    """Tie each named channel's contribution share to its tracking share.

    Call on a built model before fitting. Shares are fractions of all conversions; the
    contribution share is the channel's summed contribution over every geo and fitted
    week (outcome units) divided by the summed outcome.

    - A last-click or funnel share is a prior on the contribution share:
      ``log(contribution share) ~ Normal(log(share), sigma)``; ``sigmas`` overrides
      ``sigma`` for the channels it names (a funnel knows how sure each share is).
    - A survey share (``survey_channels``) is a measurement of the contribution share
      through the channel's recall: ``log(survey share) ~ Normal(log(contribution share)
      + log(recall), share_sigma)``, the recalls log-normal around a common level
      (:func:`_add_recall`). The survey then says how channels compare; their level
      comes from what else the model knows (lift tests, the spend's variation) or from
      the level's prior.
    """
    channels = list(mmm.model.coords["channel"])
    named = [c for c in channels if shares.get(c, 0.0) > 0]
    if not named:
        return
    recall = recall or SurveyRecallConfig()
    surveyed = [c for c in named if c in survey_channels]
    priors = [c for c in named if c not in survey_channels]
    with mmm.model:
        # target_data is in outcome units, as summed_contribution is.
        total = _tensor(mmm, "target_data").sum()
        log_share = pt.log(summed_contribution(mmm) / total)
        # Written as observed Normals (the density is symmetric in value and mean): PyMC
        # lowers an observed term's xtensor graph to plain tensors, which have
        # gradients; a Potential keeps the xtensor ops, and NUTS cannot run on them.
        if priors:
            index = np.array([channels.index(c) for c in priors])
            spread = np.array([(sigmas or {}).get(c, sigma) for c in priors])
            centre = np.log(np.array([shares[c] for c in priors]))
            pm.Normal(SHARE_PRIOR, mu=log_share[index], sigma=spread, observed=centre)
        if surveyed:
            index = np.array([channels.index(c) for c in surveyed])
            log_recall = _add_recall(surveyed, recall)
            answered = np.log(np.array([shares[c] for c in surveyed]))
            pm.Normal(
                SURVEY_SHARES,
                mu=log_share[index] + log_recall,
                sigma=recall.share_sigma,
                observed=answered,
                dims=SURVEY_CHANNEL,
            )


def _add_recall(surveyed: list[str], recall: SurveyRecallConfig) -> pt.TensorVariable:
    """Each surveyed channel's log recall, partially pooled around a common level.

    Inside the model context. The level is log-normal (median ``recall.level``, sd
    ``level_sigma`` of its log) unless ``assumed_level`` fixes it; each channel's log
    recall sits ``channel_sigma`` around the level's, non-centred. Both are published:
    ``survey_recall`` per channel and ``survey_recall_level``.

    Returns
    -------
    pytensor.tensor.TensorVariable
        The log recall per surveyed channel, in ``surveyed``'s order.
    """
    model = pm.modelcontext(None)
    model.add_coord(SURVEY_CHANNEL, surveyed)
    if recall.assumed_level is not None:
        log_level = pt.as_tensor(np.log(recall.assumed_level))
    else:
        log_level = pm.Normal(
            RECALL_LEVEL + "_log", mu=np.log(recall.level), sigma=recall.level_sigma
        )
    pm.Deterministic(RECALL_LEVEL, pt.exp(log_level))
    offset = pm.Normal(RECALL + "_offset", 0.0, 1.0, dims=SURVEY_CHANNEL)
    log_recall = log_level + recall.channel_sigma * offset
    pm.Deterministic(RECALL, pt.exp(log_recall), dims=SURVEY_CHANNEL)
    return log_recall


def survey_log_recall(mmm: MMM, channels: list[str]) -> pt.TensorVariable | None:
    """The model's log recall of each of ``channels``, 0 for those not surveyed.

    A channel's tracking share is what the survey saw of it; what it brought is the
    share over its recall. Other terms that read the shares (roi_pooling.py) use this.

    Returns
    -------
    pytensor.tensor.TensorVariable or None
        Shape (len(channels),); None when the model reads no survey.
    """
    if RECALL not in mmm.model.named_vars:
        return None
    surveyed = list(mmm.model.coords[SURVEY_CHANNEL])
    log_recall = pt.log(mmm.model[RECALL])
    parts = [
        log_recall[surveyed.index(c)] if c in surveyed else pt.as_tensor(0.0) for c in channels
    ]
    return pt.stack(parts)
