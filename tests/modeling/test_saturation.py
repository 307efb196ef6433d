"""The logistic curve sampled by its value at typical spend (saturation.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pymc_extras.prior import Prior
from pymc_marketing.mmm import LogisticSaturation
from pymc_marketing.serialization import serialization
from pytensor.xtensor import as_xtensor

from mmm_pipeline.modeling.saturation import (
    CEILING,
    EFFECT,
    ReferenceLogisticSaturation,
    reference_saturation,
    reference_spend,
)
from tests.helpers import POOLED_EFFECT

LAM = Prior("Gamma", alpha=3, beta=1, dims="channel")


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "geo": ["US", "US", "US", "DE", "DE", "DE"],
            "tv": [100.0, 0.0, 50.0, 10.0, 10.0, 0.0],
            "meta": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        }
    )


def test_the_reference_is_the_mean_scaled_spend_of_the_weeks_a_channel_ran() -> None:
    # US: 1.0 and 0.5 of its maximum; DE: 1.0 twice. Never-run channels get 1.
    assert reference_spend(_frame(), ["tv", "meta"], "geo") == pytest.approx([0.875, 1.0])


def test_the_curve_is_logistic_saturation_with_the_ceiling_it_implies() -> None:
    saturation = ReferenceLogisticSaturation([0.4])
    x = np.linspace(0.0, 1.5, 7)[:, None]
    lam, effect = 2.5, 0.03
    curve = saturation.function(
        as_xtensor(x, dims=("date", "channel")),
        as_xtensor(np.array([lam]), dims=("channel",)),
        as_xtensor(np.array([effect]), dims=("channel",)),
    ).eval()
    ceiling = effect / np.tanh(lam * 0.4 / 2)
    assert curve.ravel() == pytest.approx(ceiling * np.tanh(lam * x[:, 0] / 2))
    # At the reference spend the curve is the sampled effect.
    at_reference = saturation.function(
        as_xtensor(np.array([[0.4]]), dims=("date", "channel")),
        as_xtensor(np.array([lam]), dims=("channel",)),
        as_xtensor(np.array([effect]), dims=("channel",)),
    ).eval()
    assert at_reference.item() == pytest.approx(effect)


def test_the_ceilings_prior_moves_to_the_effect_at_the_curvatures_prior_mean() -> None:
    frame = _frame()
    saturation, priors = reference_saturation(
        {CEILING: POOLED_EFFECT, "saturation_lam": LAM}, frame, ["tv"], "geo"
    )
    assert isinstance(saturation, ReferenceLogisticSaturation)
    assert CEILING not in priors
    centre = priors[EFFECT].parameters["mu"].parameters["mu"]
    assert centre == pytest.approx([-3.5 + np.log(np.tanh(3.0 * 0.875 / 2))])
    # The pooling, its spread and the transform are kept.
    assert priors[EFFECT].dims == ("geo", "channel")
    assert priors[EFFECT].transform == "exp" and not priors[EFFECT].centered
    # The reference is part of the saved model.
    restored = serialization.deserialize(serialization.serialize(saturation))
    assert restored.reference == saturation.reference


def test_a_ceiling_prior_of_another_shape_keeps_the_librarys_curve() -> None:
    ceiling = Prior("HalfNormal", sigma=2, dims="channel")
    saturation, priors = reference_saturation({CEILING: ceiling}, _frame(), ["tv"], "geo")
    assert isinstance(saturation, LogisticSaturation)
    assert priors == {CEILING: ceiling}
