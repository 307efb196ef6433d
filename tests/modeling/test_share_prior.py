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
from mmm_pipeline.modeling.results import survey_recall
from mmm_pipeline.modeling.share_prior import (
    RECALL,
    RECALL_LEVEL,
    SHARE_PRIOR,
    SURVEY_SHARES,
    add_share_prior,
)
from mmm_pipeline.modeling.specification import (
    MediaPriorConfig,
    ModelConfig,
    RoiPoolingConfig,
    SurveyRecallConfig,
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


def test_a_survey_share_is_read_as_the_channels_share_times_its_recall() -> None:
    panel = tiny_panel()
    frame = panel.frame
    mmm = build_mmm(panel)
    mmm.build_model(frame.drop(columns=[TARGET]), frame[TARGET])
    recall = SurveyRecallConfig(level=0.6, level_sigma=0.5, channel_sigma=0.3, share_sigma=0.1)
    add_share_prior(
        mmm, {"weak": 0.02, "strong": 0.2}, 0.4, survey_channels=("weak", "strong"), recall=recall
    )
    model = mmm.model
    point = model.initial_point()
    # Move the level and one channel's recall off their prior centres.
    point[f"{RECALL_LEVEL}_log"] = np.log(0.5)
    offsets = {"weak": 1.0, "strong": -0.5}
    point[f"{RECALL}_offset"] = np.array([offsets[c] for c in model.coords["survey_channel"]])
    contribution = summed_contribution_at(model, frame, point)
    share = {c: v / frame[TARGET].sum() for c, v in contribution.items()}
    log_recall = {"weak": np.log(0.5) + 0.3, "strong": np.log(0.5) - 0.15}
    expected = sum(
        stats.norm.logpdf(np.log(answered), np.log(share[c]) + log_recall[c], 0.1)
        for c, answered in (("weak", 0.02), ("strong", 0.2))
    )
    term = model.compile_logp(vars=[model[SURVEY_SHARES]], sum=True)(point)
    assert np.isclose(term, expected), (term, expected)
    # A channel's share of the answers says nothing of the level: it has its own prior.
    level_term = model.compile_logp(vars=[model[f"{RECALL_LEVEL}_log"]], sum=True)(point)
    assert np.isclose(level_term, stats.norm.logpdf(np.log(0.5), np.log(0.6), 0.5))
    assert SHARE_PRIOR not in model.named_vars


def test_the_recall_level_decides_how_much_a_surveyed_channel_brought() -> None:
    panel = tiny_panel()
    no_lift = pd.DataFrame(columns=LIFT_COLUMNS)
    total = panel.frame[TARGET].sum()
    off = RoiPoolingConfig(enabled=False)

    def fitted_share(panel: ModelPanel, config: ModelConfig) -> tuple[float, pd.DataFrame]:
        outcome = fit_panel(panel, no_lift, TINY, holdout_weeks=6, seed=1, config=config)
        rows = channel_contributions(outcome)
        recall, _ = survey_recall(outcome.mmm, set(), True, 0.9)
        return float(rows.loc[rows["channel"] == "weak", "contribution"].sum() / total), recall

    free, _ = fitted_share(
        panel, ModelConfig(media_prior=MediaPriorConfig(from_tracking_data=False), roi_pooling=off)
    )
    # The survey saw a fifth of weak's share: with recall assumed at 0.2 that is its
    # whole share; assumed at 1, the survey says weak brought a fifth of it.
    surveyed = replace(panel, prior_shares={"weak": free / 5}, survey_channels=("weak",))

    def assuming(level: float) -> MediaPriorConfig:
        recall = SurveyRecallConfig(assumed_level=level, channel_sigma=0.05, share_sigma=0.1)
        return MediaPriorConfig(survey_recall=recall)

    low, recall = fitted_share(surveyed, ModelConfig(media_prior=assuming(0.2), roi_pooling=off))
    high, _ = fitted_share(surveyed, ModelConfig(media_prior=assuming(1.0), roi_pooling=off))
    assert 0.7 * free < low < 1.4 * free, (free, low)
    assert high < 0.5 * free, (free, high)
    row = recall.loc["weak"]
    assert row["survey_recall_basis"] == "assumed level"
    assert row["survey_recall_low"] < 0.2 < row["survey_recall_high"], row
