"""Lift tests in the likelihood, with the carry-over a test's window really saw.

pymc-marketing's ``add_lift_test_measurements`` compares a test's weekly lift with the
saturation curve at steady state: as if the spend change had been running forever. A
real test reads out at the end of its window, and a channel whose effect builds up over
weeks (video, TV, podcasts) has only reached part of its steady state by then: a 4-week
test of a channel that retains 70% a week sees about 59% of it. Treating that read-out
as steady state biases exactly the tested slow channels low (docs/notes/model-recovery.md).

So the term here follows pymc-marketing's (a likelihood on the weekly lift, Student-t by
default rather than its Normal, the model's own saturation parameters, per-geo scaling)
and adds the ramp: in window week
``t`` the adstocked spend has moved by ``delta_x * sum(w[0..t])`` with the model's
normalised carry-over weights ``w``, and the expected weekly lift is the mean over the
window's weeks of ``beta * (sat(x + delta_x * ramp_t) - sat(x))``. Carry-over after the
window is not counted, as the read-out did not count it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
from pymc_marketing.mmm import MMM

from mmm_pipeline.modeling.carryover import kernel_tensor
from mmm_pipeline.modeling.specification import LiftTestConfig

LIFT_LIKELIHOOD = "lift_tests"
# Per lift-test row, the weekly lift the model expects, in outcome units.
LIFT_ESTIMATE = "lift_tests_model_weekly_lift"


def _per_row(mmm: MMM, name: str, geo: np.ndarray, channel: np.ndarray) -> pt.TensorVariable:
    """A (geo and/or channel) model variable, picked out for each lift-test row.

    Returns
    -------
    pytensor.tensor.TensorVariable
        One value per lift-test row: the variable at that row's geo and/or channel, as
        its dims ask; the variable itself when it has no dims (a scalar).
    """
    variable = mmm.model[name]
    dims = variable.dims
    tensor = variable.values
    index = {"geo": geo, "channel": channel}
    return tensor[tuple(index[dim] for dim in dims)] if dims else tensor


def window_ramp(weights: pt.TensorLike, horizon: int) -> pt.TensorVariable:
    """Share of a step change in spend that the adstock has passed on, per window week.

    ``weights`` holds one normalised kernel per row (rows, l_max); the result is (rows,
    horizon): in week ``t`` of the window, the sum of the first ``t + 1`` weights.

    Returns
    -------
    pytensor.tensor.TensorVariable
        Shape (rows, horizon): the cumulative kernel weight reached in each window week;
        weeks past ``l_max`` keep the full sum (1 for a normalised kernel).
    """
    weights = pt.as_tensor(weights)
    l_max = weights.shape[1]
    ramp = pt.cumsum(weights, axis=1)
    return ramp[:, pt.minimum(pt.arange(horizon), l_max - 1)]


def add_lift_tests(mmm: MMM, lift: pd.DataFrame, config: LiftTestConfig | None = None) -> None:
    """Add every lift-test row to the built model's likelihood (call before fitting).

    ``lift`` has ``channel``, ``geo``, ``x``, ``delta_x``, ``delta_y``, ``sigma`` (per
    week, outcome units, see lift_tests.py) and ``weeks``, the window's length.
    """
    if lift.empty:
        return
    geos, channels = list(mmm.model.coords["geo"]), list(mmm.model.coords["channel"])
    geo = np.array([geos.index(g) for g in lift["geo"]])
    channel = np.array([channels.index(c) for c in lift["channel"]])
    weeks = np.maximum(np.rint(lift["weeks"].to_numpy()).astype(int), 1)
    horizon = int(weeks.max())
    # Mean over each row's own window weeks.
    in_window = (np.arange(horizon)[None, :] < weeks[:, None]) / weeks[:, None]
    with mmm.model:
        lam = _per_row(mmm, "saturation_lam", geo, channel)
        beta = _per_row(mmm, "saturation_beta", geo, channel)
        channel_scale = mmm.model["channel_scale"].values[geo, channel]
        target_scale = mmm.model["target_scale"].values[geo]
        ramp = window_ramp(kernel_tensor(mmm, geo, channel), horizon)
        x = (lift["x"].to_numpy() / channel_scale)[:, None]
        moved = x + (lift["delta_x"].to_numpy() / channel_scale)[:, None] * ramp

        def saturation(level: pt.TensorVariable) -> pt.TensorVariable:
            return (1 - pt.exp(-lam[:, None] * level)) / (1 + pt.exp(-lam[:, None] * level))

        weekly = beta * ((saturation(moved) - saturation(x)) * in_window).sum(axis=1)
        estimate = pm.Deterministic(LIFT_ESTIMATE, weekly * target_scale)
        config = config or LiftTestConfig()
        spread = {"mu": estimate, "sigma": lift["sigma"].to_numpy()}
        observed = lift["delta_y"].to_numpy()
        if config.likelihood == "student_t":
            pm.StudentT(LIFT_LIKELIHOOD, nu=config.nu, **spread, observed=observed)
        else:
            pm.Normal(LIFT_LIKELIHOOD, **spread, observed=observed)
