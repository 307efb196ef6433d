"""What a rejected fit tries next: longer sampling for a sampler problem, then a simpler model."""

from __future__ import annotations

from mmm_pipeline.modeling.escalation import (
    LONGER_SAMPLING,
    SIMPLER_SPECIFICATION,
    first_attempt,
    next_attempt,
    what_to_do,
)
from mmm_pipeline.modeling.panel_fit import PROFILES
from mmm_pipeline.modeling.specification import ModelConfig

CONFIG = ModelConfig()
RHAT = ["R-hat 1.730 above 1.05: chains disagree"]
HOLDOUT = ["holdout MAPE 30.0% more than 20% worse than the naive last-week forecast's 10.0%"]


def test_a_sampler_problem_gets_longer_sampling_then_a_simpler_model_then_nothing() -> None:
    tried = [first_attempt(PROFILES["fast"], CONFIG)]
    second = next_attempt(tried, RHAT)
    assert second is not None and second.label == LONGER_SAMPLING
    assert (second.profile.draws, second.profile.tune) == (1200, 1000)
    assert second.profile.target_accept >= 0.98
    # The gates do not move.
    assert second.profile.max_rhat == PROFILES["fast"].max_rhat
    assert second.profile.min_ess == PROFILES["fast"].min_ess
    assert second.config == CONFIG
    tried.append(second)
    third = next_attempt(tried, RHAT)
    assert third is not None and third.label == SIMPLER_SPECIFICATION
    assert third.profile == PROFILES["fast"]
    assert third.config.trend.changepoints == 1
    assert third.config.yearly_fourier_order == 1
    assert not third.config.roi_pooling.enabled
    tried.append(third)
    assert next_attempt(tried, RHAT) is None
    assert "sampler" in what_to_do(RHAT)


def test_a_holdout_failure_goes_straight_to_the_simpler_model() -> None:
    tried = [first_attempt(PROFILES["fast"], CONFIG)]
    second = next_attempt(tried, HOLDOUT)
    assert second is not None and second.label == SIMPLER_SPECIFICATION
    tried.append(second)
    assert next_attempt(tried, HOLDOUT) is None
    assert "held-out weeks" in what_to_do(HOLDOUT)
