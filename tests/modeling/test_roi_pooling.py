"""The return-on-spend prior for channels the tracking data miss (roi_pooling.py).

The term must measure return the way the ROI tables do, contribution in outcome units
per unit of spend summed over geos and weeks, around the level the tracked channels'
shares imply (or a learned one when none is tracked), and it must draw the returns of
channels together only as far as its spread allows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from mmm_pipeline.modeling.lift_tests import LIFT_COLUMNS
from mmm_pipeline.modeling.panel import TARGET
from mmm_pipeline.modeling.panel_fit import fit_panel
from mmm_pipeline.modeling.roi_pooling import COMMON_LOG_ROI, ROI_POOLING, add_roi_pooling
from mmm_pipeline.modeling.specification import (
    MediaPriorConfig,
    ModelConfig,
    RoiPoolingConfig,
    build_mmm,
)
from tests.conftest import summed_contribution_at
from tests.helpers import TINY, channel_contributions, tiny_panel


def _built(spend: dict[str, float], shares: dict[str, float] | None):
    panel = tiny_panel()
    frame = panel.frame
    mmm = build_mmm(panel)
    mmm.build_model(frame.drop(columns=[TARGET]), frame[TARGET])
    add_roi_pooling(mmm, spend, float(frame[TARGET].sum()), sigma=0.7, shares=shares)
    return mmm.model, frame


def test_the_term_is_a_normal_density_of_each_log_return_around_the_common_level() -> None:
    spend = {"strong": 2.0e5, "weak": 5.0e4}
    model, frame = _built(spend, shares=None)
    point = model.initial_point()
    point[COMMON_LOG_ROI] = np.array(-6.0)
    contribution = summed_contribution_at(model, frame, point)
    expected = sum(stats.norm.logpdf(np.log(contribution[c] / spend[c]), -6.0, 0.7) for c in spend)
    term = model.compile_logp(vars=[model[ROI_POOLING]], sum=True)(point)
    assert np.isclose(term, expected), (term, expected)


def test_with_a_tracked_channel_only_the_others_are_pooled_at_the_level_its_share_implies() -> None:
    spend = {"strong": 2.0e5, "weak": 5.0e4}
    model, frame = _built(spend, shares={"strong": 0.4})
    assert COMMON_LOG_ROI not in model.named_vars
    point = model.initial_point()
    weak = summed_contribution_at(model, frame, point)["weak"]
    level = np.log(0.4 * frame[TARGET].sum() / spend["strong"])
    expected = stats.norm.logpdf(np.log(weak / spend["weak"]), level, 0.7)
    term = model.compile_logp(vars=[model[ROI_POOLING]], sum=True)(point)
    assert np.isclose(term, expected), (term, expected)


def test_tight_pooling_draws_a_tenfold_gap_in_returns_together() -> None:
    """Both channels spend alike; strong adds ten times what weak adds."""
    panel = tiny_panel()
    no_lift = pd.DataFrame(columns=LIFT_COLUMNS)
    spend = panel.frame[panel.channels].sum()
    untracked = MediaPriorConfig(from_tracking_data=False)

    def return_ratio(pooling: RoiPoolingConfig) -> float:
        config = ModelConfig(media_prior=untracked, roi_pooling=pooling)
        outcome = fit_panel(panel, no_lift, TINY, holdout_weeks=6, seed=1, config=config)
        totals = channel_contributions(outcome).groupby("channel")["contribution"].sum()
        return float((totals["strong"] / spend["strong"]) / (totals["weak"] / spend["weak"]))

    apart = return_ratio(RoiPoolingConfig(enabled=False))
    pooled = return_ratio(RoiPoolingConfig(sigma=0.05))
    assert apart > 5, apart
    assert pooled < 1.5, pooled
