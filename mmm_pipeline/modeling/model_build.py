"""The one place a series' model is assembled, every term included.

The pipeline's fit, every benchmark and every test build their model here, so what is
measured is what production fits: the specification of ``model.yaml`` (scaled controls,
adstock, saturation, trend, seasonality, priors pooled as the geos allow), the lift
tests in the likelihood, the tracking data's contribution-share prior, the return
prior for channels the tracking data miss, and the original-scale contributions.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from pymc_marketing.mmm import MMM

from mmm_pipeline.modeling.calibration import add_lift_tests
from mmm_pipeline.modeling.panel import TARGET, ModelPanel
from mmm_pipeline.modeling.posterior import MODEL_SCALE_CONTRIBUTION
from mmm_pipeline.modeling.roi_pooling import add_roi_pooling
from mmm_pipeline.modeling.saturation import ReferenceLogisticSaturation
from mmm_pipeline.modeling.share_prior import add_share_prior
from mmm_pipeline.modeling.specification import ModelConfig, build_mmm


@dataclass(frozen=True)
class BuiltModel:
    """A model built on its training weeks, and the lift-test rows in its likelihood."""

    mmm: MMM
    lift: pd.DataFrame


def build_model(
    panel: ModelPanel, train: pd.DataFrame, lift: pd.DataFrame, config: ModelConfig
) -> BuiltModel:
    """The whole model of one series, built on ``train`` and ready to sample.

    ``train`` is the part of ``panel.frame`` the model is fitted on (the holdout weeks
    left out); ``lift`` the series' lift-test measurements, of which the rows on the
    panel's channels and geos enter the likelihood.

    Returns
    -------
    BuiltModel
        The built model and the lift-test rows used, in the model's order.
    """
    mmm = build_mmm(panel, config)
    mmm.build_model(train.drop(columns=[TARGET]), train[TARGET])
    if isinstance(mmm.saturation, ReferenceLogisticSaturation):
        mmm.saturation.add_ceiling(mmm.model)
    usable = lift[lift["channel"].isin(panel.channels) & lift["geo"].isin(panel.geos)]
    usable = usable.reset_index(drop=True)
    add_lift_tests(mmm, usable, config.lift_tests)
    if config.media_prior.from_tracking_data and config.media_prior.applies_to != "effect":
        add_share_prior(
            mmm,
            panel.prior_shares,
            config.media_prior.contribution_sigma,
            panel.prior_share_sigmas,
            panel.survey_channels,
            config.media_prior.survey_recall,
        )
    if config.roi_pooling.enabled:
        spend = train[panel.channels].sum().to_dict()
        shares = panel.prior_shares if config.media_prior.from_tracking_data else {}
        add_roi_pooling(mmm, spend, float(train[TARGET].sum()), config.roi_pooling.sigma, shares)
    mmm.add_original_scale_contribution_variable(var=[MODEL_SCALE_CONTRIBUTION, "y"])
    return BuiltModel(mmm=mmm, lift=usable)
