"""The MMM specification of one segment x outcome, read from ``model.yaml``.

Structure (adstock length, seasonality, trend) and priors live in one YAML file so a
user changes the model without touching code; ``MMM_MODEL_CONFIG`` points at their copy.
Priors may nest (a prior as a kwarg pools that parameter across geos) and may be
non-centred or transformed (``centered``, ``transform``), as pymc-extras' ``Prior``
dictionaries allow. The API used is the one verified in docs/notes/pymc-marketing-1.3.md;
the choices and the recovery numbers behind them are in docs/notes/model-recovery.md.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict
from pymc_extras.deserialize import deserialize
from pymc_extras.prior import Prior
from pymc_marketing.mmm import MMM, LinearTrend
from pymc_marketing.mmm.scaling import DataDerivedScaling

from mmm_pipeline.modeling.carryover import build_adstock, window
from mmm_pipeline.modeling.centred_level import CentredLevelEffect
from mmm_pipeline.modeling.exposure import ExposureConfig
from mmm_pipeline.modeling.media_priors import log_effect_centres
from mmm_pipeline.modeling.panel import DATE, GEO, TARGET, ModelPanel
from mmm_pipeline.modeling.pooling import pooled_as_geos_allow
from mmm_pipeline.modeling.saturation import curvature_prior_mean, reference_saturation
from mmm_pipeline.modeling.scaled_controls import ScaledControlsMMM
from mmm_pipeline.modeling.trend import TrainingScaledTrendEffect

DEFAULT_CONFIG = Path(__file__).with_name("model.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AdstockConfig(_Strict):
    """The adstock form and window (carryover.py), and what a named channel retains.

    ``by_channel`` replaces the Beta prior's parameters of the weekly retention for the
    channels a user names, where they know a channel carries over for weeks; the
    default names none, so no channel's prior depends on what it is called.
    """

    form: Literal["geometric", "delayed", "weibull", "two_stage"] = "geometric"
    l_max: int = 13
    # A longer window for outcomes that follow the spend by months (pipeline, revenue).
    l_max_by_outcome: dict[str, int] = {}
    # With the delayed form: 1 sd of the half-normal prior on each channel's peak lag.
    delay_sigma: float = 2.0
    # With the two-stage form: the Beta prior of each channel's build-up (0: none).
    ramp: dict[str, float] = {"alpha": 1.0, "beta": 3.0}
    by_channel: dict[str, dict[str, float]] = {}

    def window(self, outcome: str) -> int:
        """The adstock window, in weeks, of ``outcome``.

        Returns
        -------
        int
            ``l_max_by_outcome[outcome]`` when configured, else ``l_max``.
        """
        return window(self.l_max, self.l_max_by_outcome, outcome)


class TrendConfig(_Strict):
    """Piecewise-linear trend per geo.

    Each change of slope is Normal with sd ``changepoint_scale * sqrt(2)``: the variance
    of the Laplace of scale ``changepoint_scale`` that pymc-marketing defaults to, without
    its kink at zero.
    """

    changepoints: int = 2
    changepoint_scale: float = 0.1


class SurveyRecallConfig(_Strict):
    """How survey answers are read: a channel's share of them is its share times its recall.

    Each surveyed channel's recall is log-normal around a common level, ``channel_sigma``
    apart; the level's prior is log-normal with median ``level`` and sd ``level_sigma``
    of its log, wide because the survey cannot set it: lift tests on surveyed channels
    measure their recall and so the level. ``assumed_level`` states the level instead
    (an assumption the report names). ``share_sigma`` is the survey share's own noise.
    """

    level: float = 0.65
    level_sigma: float = 0.5
    assumed_level: float | None = None
    channel_sigma: float = 0.3
    share_sigma: float = 0.1


class MediaPriorConfig(_Strict):
    """What a channel's survey or last-click share is a prior on (share_prior.py)."""

    from_tracking_data: bool = True
    # Spread of the channel's log effect around that centre (1 sd = a factor of e**sigma).
    sigma: float = 0.6
    # What the share is a prior on: the channel's maximum effect (``effect``), its summed
    # contribution as a share of the outcome (``contribution``, share_prior.py), or both.
    applies_to: Literal["effect", "contribution", "both"] = "contribution"
    # Spread of the log contribution share, where ``applies_to`` includes the contribution.
    contribution_sigma: float = 0.4
    # Survey shares, read through a recall per channel (share_prior.py).
    survey_recall: SurveyRecallConfig = SurveyRecallConfig()


class RoiPoolingConfig(_Strict):
    """Whether channels the tracking data miss get a return-on-spend prior (roi_pooling.py)."""

    enabled: bool = True
    # 1 sd of such a channel's log return around the common level (a factor of e**sigma).
    sigma: float = 1.0


class LiftTestConfig(_Strict):
    """How a lift test's read-out enters the likelihood.

    ``student_t`` with a few degrees of freedom lets one test that is far from
    everything else the data say (a 3-sigma draw happens) pull less than a Normal would.
    """

    likelihood: Literal["normal", "student_t"] = "student_t"
    nu: float = 3.0


class FunnelConfig(_Strict):
    """How funnels are found (funnel_links.py) and how their prior is spread (funnel.py).

    Links are found from the data; ``downstream_of`` may declare one (an outcome to the
    one it is made from, in every segment that delivers both) or forbid any (``none``).
    A found link must predict ``folds`` held-out blocks of ``fold_weeks`` weeks with at
    most ``max_error_ratio`` of the squared error of the series' own recent level, each
    fold trained on at least ``min_training_weeks`` weeks after the lag window, and its
    rate must be ``min_rate_z`` standard errors above zero. The prior's sd per channel
    is the upstream interval's and the conversion rate's, kept within ``min_sigma`` and
    ``max_sigma``.
    """

    downstream_of: dict[str, str] = {}
    folds: int = 4
    fold_weeks: int = 8
    min_training_weeks: int = 26
    max_error_ratio: float = 1.0
    min_rate_z: float = 2.0
    max_lag_weeks: int = 26
    min_sigma: float = 0.15
    max_sigma: float = 1.0


class ModelConfig(_Strict):
    """Everything ``model.yaml`` may say."""

    adstock: AdstockConfig = AdstockConfig()
    lift_tests: LiftTestConfig = LiftTestConfig()
    media_prior: MediaPriorConfig = MediaPriorConfig()
    roi_pooling: RoiPoolingConfig = RoiPoolingConfig()
    funnel: FunnelConfig = FunnelConfig()
    exposure: ExposureConfig = ExposureConfig()
    saturation: str = "logistic"
    yearly_fourier_order: int = 2
    trend: TrendConfig = TrendConfig()
    # Fewer geos than this: a prior pooled across geos is shared by them (pooling.py).
    partial_pooling_min_geos: int = 4
    priors: dict[str, dict] = {}

    def prior_objects(self) -> dict[str, Prior]:
        """The priors as pymc-extras objects, keyed as pymc-marketing's model_config.

        Returns
        -------
        dict of str to pymc_extras.prior.Prior
            Each entry of ``priors`` deserialised; empty when ``model.yaml`` sets none.
        """
        return {name: deserialize(spec) for name, spec in self.priors.items()}


@cache
def load_model_config(path: Path | None = None) -> ModelConfig:
    """Read the model config (``MMM_MODEL_CONFIG`` or the packaged default).

    Returns
    -------
    ModelConfig
        The validated file (defaults for an empty one), read once per ``path`` and
        cached; with ``path`` None the environment is read on the first call only.
    """
    path = path or Path(os.environ.get("MMM_MODEL_CONFIG") or DEFAULT_CONFIG)
    return ModelConfig.model_validate(yaml.safe_load(path.read_text()) or {})


def build_mmm(panel: ModelPanel, config: ModelConfig | None = None) -> MMM:
    """The model for one panel, specified but not yet built on data.

    Returns
    -------
    pymc_marketing.mmm.MMM
        A geo-panel MMM on the panel's channels and controls (scaled per geo,
        scaled_controls.py), with the configured adstock and window, logistic
        saturation, yearly seasonality, a piecewise-linear trend per geo, the intercept
        as each geo's average level (centred_level.py), per-geo max scaling and the
        configured priors (centred on the tracking shares where
        configured, pooled across geos only where there are geos enough, pooling.py).

    Raises
    ------
    ValueError
        If the configured saturation is not ``logistic``.
    """
    config = config or load_model_config()
    if config.saturation != "logistic":
        raise ValueError(f"saturation {config.saturation!r} is not supported; use 'logistic'")
    per_geo = DataDerivedScaling(method="max", dims=())
    priors = pooled_as_geos_allow(
        _with_media_prior(config, panel), len(panel.geos), config.partial_pooling_min_geos
    )
    saturation, priors = reference_saturation(priors, panel.frame, panel.channels, GEO)
    mmm = ScaledControlsMMM(
        date_column=DATE,
        channel_columns=panel.channels,
        target_column=TARGET,
        dims=(GEO,),
        adstock=build_adstock(
            config.adstock.form,
            config.adstock.window(panel.outcome),
            config.adstock.delay_sigma,
            config.adstock.ramp,
        ),
        saturation=saturation,
        yearly_seasonality=config.yearly_fourier_order or None,
        control_columns=panel.controls or None,
        scaling={"target": per_geo, "channel": per_geo},
        model_config=priors,
    )
    mmm.add_mu_effect(
        TrainingScaledTrendEffect(
            trend=LinearTrend(
                n_changepoints=config.trend.changepoints,
                dims=(GEO,),
                priors={
                    # Normal, not pymc-marketing's Laplace: the Laplace's kink at
                    # zero, where most slope changes sit, held NUTS to small steps
                    # (docs/notes/model-recovery.md, section 16). Same variance.
                    "delta": Prior(
                        "Normal",
                        mu=0,
                        sigma=config.trend.changepoint_scale * 2**0.5,
                        dims=(GEO, "changepoint"),
                    )
                },
            ),
            prefix="trend",
        )
    )
    # Last: it centres every term added before it (centred_level.py).
    mmm.add_mu_effect(CentredLevelEffect())
    return mmm


def _with_channel_retention(
    priors: dict[str, Prior], config: ModelConfig, panel: ModelPanel
) -> dict[str, Prior]:
    """The per-channel Beta retention prior, where ``adstock.by_channel`` names a channel.

    Returns
    -------
    dict of str to pymc_extras.prior.Prior
        ``priors`` itself, with ``adstock_alpha`` replaced by a per-channel Beta when a
        channel of the panel is named and the configured prior is a Beta; unchanged
        otherwise.
    """
    alpha = priors.get("adstock_alpha")
    named = [c for c in panel.channels if c in config.adstock.by_channel]
    if not named or alpha is None or alpha.distribution != "Beta":
        return priors
    parameters = {
        name: np.array(
            [
                config.adstock.by_channel.get(channel, {}).get(name, alpha.parameters[name])
                for channel in panel.channels
            ],
            dtype=float,
        )
        for name in ("alpha", "beta")
    }
    priors["adstock_alpha"] = Prior("Beta", **parameters, dims="channel")
    return priors


def _with_media_prior(config: ModelConfig, panel: ModelPanel) -> dict[str, Prior]:
    """The configured priors, with each channel's media effect centred on its tracking share.

    Only a log-normal ``saturation_beta`` (a Normal with ``transform: exp`` whose ``mu``
    is a per-channel hyperprior) can take the centres; channels the tracking data do not
    speak for keep the configured centre and spread.

    Returns
    -------
    dict of str to pymc_extras.prior.Prior
        The configured priors with the per-channel retention; where the share applies to
        the effect and ``saturation_beta`` can take them, its ``mu`` hyperprior centred
        per channel.
    """
    priors = _with_channel_retention(config.prior_objects(), config, panel)
    beta = priors.get("saturation_beta")
    if (
        not config.media_prior.from_tracking_data
        or config.media_prior.applies_to == "contribution"
        or not panel.prior_shares
        or beta is None
        or beta.transform != "exp"
        or not isinstance(beta.parameters.get("mu"), Prior)
    ):
        return priors
    default = beta.parameters["mu"].parameters
    lam_mean = curvature_prior_mean(priors)
    centres = log_effect_centres(panel.frame, panel.prior_shares, lam_mean, TARGET, GEO)
    mu = np.array([centres.get(c, default["mu"]) for c in panel.channels])
    sigma = np.array(
        [config.media_prior.sigma if c in centres else default["sigma"] for c in panel.channels]
    )
    parameters = dict(beta.parameters, mu=Prior("Normal", mu=mu, sigma=sigma, dims="channel"))
    priors["saturation_beta"] = Prior(
        beta.distribution,
        **parameters,
        dims=beta.dims,
        centered=beta.centered,
        transform=beta.transform,
    )
    return priors
