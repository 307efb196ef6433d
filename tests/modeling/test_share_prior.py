"""The tracking share as a prior on a channel's contribution (share_prior.py).

The term must measure what the share measures: the channel's contribution summed over
geos and weeks in outcome units (each geo's scaled contribution times that geo's
scale) over the summed outcome. A fit with a tight share prior must move the channel's
contribution towards the share.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats

from mmm_pipeline.modeling.lift_tests import LIFT_COLUMNS
from mmm_pipeline.modeling.panel import TARGET, ModelPanel
from mmm_pipeline.modeling.panel_fit import fit_panel
from mmm_pipeline.modeling.share_prior import SHARE_PRIOR, add_share_prior
from mmm_pipeline.modeling.specification import (
    MediaPriorConfig,
    ModelConfig,
    RoiPoolingConfig,
    build_mmm,
)
from tests.conftest import summed_contribution_at
from tests.helpers import TINY, channel_contributions, tiny_panel


def test_the_term_is_a_log_normal_density_of_the_channels_share_of_the_outcome() -> None:
    panel = tiny_panel()
    frame = panel.frame
    mmm = build_mmm(panel)
    mmm.build_model(frame.drop(columns=[TARGET]), frame[TARGET])
    add_share_prior(mmm, {"weak": 0.05, "strong": 0.3}, sigma=0.5)
    model = mmm.model
    point = model.initial_point()
    contribution = summed_contribution_at(model, frame, point)
    share = {c: v / frame[TARGET].sum() for c, v in contribution.items()}
    expected = sum(
        stats.norm.logpdf(np.log(share[c]), np.log(s), 0.5)
        for c, s in (("strong", 0.3), ("weak", 0.05))
    )
    term = model.compile_logp(vars=[model[SHARE_PRIOR]], sum=True)(point)
    assert np.isclose(term, expected), (term, expected)


def test_a_channel_with_its_own_spread_is_held_by_that_spread() -> None:
    panel = tiny_panel()
    frame = panel.frame
    mmm = build_mmm(panel)
    mmm.build_model(frame.drop(columns=[TARGET]), frame[TARGET])
    # A funnel's shares come with a spread per channel (funnel.py).
    add_share_prior(mmm, {"weak": 0.05, "strong": 0.3}, sigma=0.5, sigmas={"weak": 0.2})
    model = mmm.model
    point = model.initial_point()
    contribution = summed_contribution_at(model, frame, point)
    share = {c: v / frame[TARGET].sum() for c, v in contribution.items()}
    expected = stats.norm.logpdf(np.log(share["strong"]), np.log(0.3), 0.5) + stats.norm.logpdf(
        np.log(share["weak"]), np.log(0.05), 0.2
    )
    term = model.compile_logp(vars=[model[SHARE_PRIOR]], sum=True)(point)
    assert np.isclose(term, expected), (term, expected)


def test_a_tight_share_prior_pulls_the_channels_contribution_towards_it() -> None:
    panel = tiny_panel()
    no_lift = pd.DataFrame(columns=LIFT_COLUMNS)
    total = panel.frame[TARGET].sum()

    def weak_share(panel: ModelPanel, config: ModelConfig) -> float:
        outcome = fit_panel(panel, no_lift, TINY, holdout_weeks=6, seed=1, config=config)
        rows = channel_contributions(outcome)
        return float(rows.loc[rows["channel"] == "weak", "contribution"].sum() / total)

    # Return pooling would tie the untracked strong channel to weak's share: off here.
    off = RoiPoolingConfig(enabled=False)
    untracked = MediaPriorConfig(from_tracking_data=False)
    free = weak_share(panel, ModelConfig(media_prior=untracked, roi_pooling=off))
    told = replace(panel, prior_shares={"weak": 4 * free})
    tight = MediaPriorConfig(applies_to="contribution", contribution_sigma=0.1)
    pulled = weak_share(told, ModelConfig(media_prior=tight, roi_pooling=off))
    assert 2.5 * free < pulled < 5 * free, (free, pulled)
