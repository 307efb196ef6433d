"""Helpers shared by tests in several folders.

A tiny panel with a known answer, a short sampling profile, and the posterior summary
the fit tests compare with.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pymc_extras.prior import Prior

from mmm_pipeline.modeling.panel import DATE, ModelPanel
from mmm_pipeline.modeling.panel_fit import FitOutcome, SamplingProfile
from mmm_pipeline.modeling.posterior import CONTRIBUTION

# model.yaml's media effect: log-normal, pooled across geos, non-centred.
POOLED_EFFECT = Prior(
    "Normal",
    mu=Prior("Normal", mu=-3.5, sigma=1.25, dims="channel"),
    sigma=Prior("HalfNormal", sigma=0.3),
    dims=("geo", "channel"),
    centered=False,
    transform="exp",
)

TINY = SamplingProfile(
    chains=2, draws=150, tune=150, target_accept=0.9, max_rhat=1.1, min_ess=50, max_divergences=20
)


def tiny_panel(weeks: int = 70, seed: int = 5) -> ModelPanel:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2023-01-02", periods=weeks, freq="7D")
    rows = []
    for geo, size in (("US", 1.0), ("DE", 0.5)):
        strong = rng.uniform(500, 1500, weeks) * size * (rng.random(weeks) > 0.2)
        weak = rng.uniform(500, 1500, weeks) * size * (rng.random(weeks) > 0.2)
        y = (
            200 * size
            + 400 * size * (1 - np.exp(-strong / (800 * size)))
            + 40 * size * (1 - np.exp(-weak / (800 * size)))
            + rng.normal(0, 10 * size, weeks)
        )
        rows += [
            {"date": d, "geo": geo, "y": y[i], "strong": strong[i], "weak": weak[i]}
            for i, d in enumerate(dates)
        ]
    return ModelPanel("self_serve", "signup", pd.DataFrame(rows), ["strong", "weak"], [])


def channel_contributions(outcome: FitOutcome) -> pd.DataFrame:
    """Posterior mean total contribution per geo and channel over the fitted weeks."""
    contributions = outcome.mmm.idata.posterior[CONTRIBUTION]
    total = contributions.sum(DATE).mean(("chain", "draw"))
    return total.to_dataframe(name="contribution").reset_index()
