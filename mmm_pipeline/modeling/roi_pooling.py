"""A prior on the return on spend of channels nothing else speaks for.

A channel that neither the survey nor its clicks speak for (branded search, whose
clicks collect demand other channels made; every channel of a series without a survey)
otherwise keeps a prior on its maximum effect in scaled units, which says nothing about
what it returns per unit of money, so a channel whose spend moves with demand can take
any size. Meridian's default answers this with one ROI prior shared by every channel.
Here the shared level comes from the data: each such channel's log return (summed
contribution over geos and fitted weeks, in outcome units, per unit of spend) is Normal
around a common log return with sd ``sigma``. The common level is the mean log return
that the tracked channels' shares imply, or, where no channel has a share, a level
learned from all of them (every channel is then pooled). A channel's own data can still
move it a factor of several away. On our simulator, channel returns sit within a factor
of about 2 of their geometric mean (log sd 0.6; TV the outlier at a third of it).
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc_marketing.mmm import MMM

from mmm_pipeline.modeling.share_prior import summed_contribution, survey_log_recall

ROI_POOLING = "roi_pooling"
COMMON_LOG_ROI = "roi_common_log"
# Before the data, media are taken to drive about a third of the outcome, within a
# factor of 4.5 at one sd: the common level is the data's to decide.
TYPICAL_MEDIA_SHARE = 1 / 3
COMMON_SIGMA = 1.5


def add_roi_pooling(
    mmm: MMM,
    spend: dict[str, float],
    outcome_total: float,
    sigma: float,
    shares: dict[str, float] | None = None,
) -> None:
    """Give channels the tracking data do not speak for a prior on their log return.

    ``spend`` is each channel's spend over the fitted weeks and geos (money),
    ``outcome_total`` the summed outcome over the same cells, and ``shares`` the
    tracking shares of the channels that have one (media_priors.py). Where some channels
    have a share, the common level is the mean log return their shares imply (a survey
    share read through the channel's recall, share_prior.py, so call this after
    ``add_share_prior``) and only the others are pooled towards it: the tracked
    channels already have their prior. Where none has, the common level is learned and
    every channel is pooled. Channels without spend are left out.
    """
    shares = shares or {}
    channels = list(mmm.model.coords["channel"])
    paid = [c for c in channels if spend.get(c, 0.0) > 0]
    tracked = [c for c in paid if shares.get(c, 0.0) > 0]
    pooled = [c for c in paid if c not in tracked]
    if outcome_total <= 0 or not pooled or (not tracked and len(pooled) < 2):
        return
    index = np.array([channels.index(c) for c in pooled])
    money = np.array([spend[c] for c in pooled])
    with mmm.model:
        if tracked:
            implied = [np.log(shares[c] * outcome_total / spend[c]) for c in tracked]
            common = float(np.mean(implied))
            # A survey share is what the survey saw of the channel: its return is the
            # share over its recall (share_prior.py).
            log_recall = survey_log_recall(mmm, tracked)
            if log_recall is not None:
                common = common - log_recall.mean()
        else:
            centre = np.log(TYPICAL_MEDIA_SHARE * outcome_total / money.sum())
            common = pm.Normal(COMMON_LOG_ROI, mu=centre, sigma=COMMON_SIGMA)
        log_roi = pt.log(summed_contribution(mmm)[index] / money)
        # Observed Normal for the same reason as the share prior (share_prior.py).
        pm.Normal(ROI_POOLING, mu=log_roi - common, sigma=sigma, observed=np.zeros(len(pooled)))
