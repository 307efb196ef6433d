"""Priors pooled across geos only where the geos can inform the pooling."""

from __future__ import annotations

from pymc_extras.prior import Prior

from mmm_pipeline.modeling.pooling import pooled_as_geos_allow
from tests.helpers import POOLED_EFFECT

NOISE = Prior("Normal", sigma=Prior("HalfNormal", sigma=0.1, dims="geo"), dims=("date", "geo"))
PLAIN = Prior("Normal", mu=0.5, sigma=0.25, dims="geo")


def test_with_few_geos_each_hierarchy_becomes_one_value_the_geos_share() -> None:
    priors = pooled_as_geos_allow({"beta": POOLED_EFFECT, "noise": NOISE, "icpt": PLAIN}, 2, 4)
    assert priors["beta"] == Prior("Normal", mu=-3.5, sigma=1.25, dims="channel", transform="exp")
    # Not hierarchies over geos: a per-geo noise scale, a plain per-geo prior.
    assert priors["noise"] is NOISE
    assert priors["icpt"] is PLAIN


def test_with_geos_enough_the_hierarchy_is_kept() -> None:
    priors = pooled_as_geos_allow({"beta": POOLED_EFFECT}, 4, 4)
    assert priors["beta"] is POOLED_EFFECT
