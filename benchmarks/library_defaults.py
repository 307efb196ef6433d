"""pymc-marketing with its own defaults, on our panel: the baseline both benchmarks compare with.

What a user gets by handing the library a weekly geo panel prepared by hand: the same
structure as ours (geometric adstock over 8 weeks, logistic saturation, our Fourier
order, the controls, a ``LinearTrend`` with its default priors), but none of our choices:
the library's default priors and scaling (one max over all geos), no tracking-data
priors, no per-channel retention, and ``pm.sample``'s default settings.
"""

from __future__ import annotations

from pymc_marketing.mmm import MMM, GeometricAdstock, LinearTrend, LogisticSaturation
from pymc_marketing.mmm.additive_effect import LinearTrendEffect

from mmm_pipeline.modeling.panel import DATE, GEO, TARGET, ModelPanel
from mmm_pipeline.modeling.specification import ModelConfig

# pm.sample's defaults on this machine (cores = 2, so 2 chains), with PyMC's own NUTS:
# pymc would otherwise pick nutpie by itself now that it is installed.
DEFAULT_SAMPLING = {"nuts_sampler": "pymc"}
# The window a user of the library picks by hand, as the baseline has always been measured.
DEFAULT_L_MAX = 8


def default_mmm(panel: ModelPanel, config: ModelConfig) -> MMM:
    """An unbuilt MMM with the library's defaults and our model's structure."""
    mmm = MMM(
        date_column=DATE,
        channel_columns=panel.channels,
        target_column=TARGET,
        dims=(GEO,),
        adstock=GeometricAdstock(l_max=DEFAULT_L_MAX),
        saturation=LogisticSaturation(),
        yearly_seasonality=config.yearly_fourier_order or None,
        control_columns=panel.controls or None,
    )
    trend = LinearTrend(n_changepoints=config.trend.changepoints, dims=(GEO,))
    mmm.add_mu_effect(LinearTrendEffect(trend=trend, prefix="trend"))
    return mmm
