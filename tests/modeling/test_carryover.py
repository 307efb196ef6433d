"""The lift-test kernel (carryover.py) is the kernel pymc-marketing convolves with.

calibration.py reads a lift test through ``kernel_tensor``, which writes each form's
weights itself; if they drifted from the adstock component's own, a test would be
compared with a carry-over the model does not have.
"""

from __future__ import annotations

import numpy as np
import pytest
from pytensor.xtensor import as_xtensor

from mmm_pipeline.modeling.carryover import FORMS, kernel_tensor
from mmm_pipeline.modeling.panel import TARGET
from mmm_pipeline.modeling.specification import AdstockConfig, build_mmm, load_model_config
from tests.helpers import tiny_panel


@pytest.mark.parametrize("form", FORMS)
def test_the_lift_test_kernel_is_the_adstock_components_own_impulse_response(form: str) -> None:
    panel = tiny_panel(weeks=30)
    config = load_model_config().model_copy(update={"adstock": AdstockConfig(form=form, l_max=6)})
    mmm = build_mmm(panel, config)
    mmm.build_model(panel.frame.drop(columns=[TARGET]), panel.frame[TARGET])
    point = mmm.model.initial_point()
    # Move every parameter off its initial value so shapes differ between channels.
    point = {
        k: v + np.linspace(0.1, 0.4, np.size(v)).reshape(np.shape(v)) for k, v in point.items()
    }
    model = mmm.model
    names = mmm.adstock.variable_mapping
    tensors = [kernel_tensor(mmm, np.array([0, 0]), np.array([0, 1]))] + [
        model[full].values for full in names.values()
    ]
    evaluate = model.compile_fn(
        model.replace_rvs_by_values(tensors), inputs=model.value_vars, on_unused_input="ignore"
    )
    ours, *parameters = evaluate(point)
    values = dict(zip(names, parameters, strict=True))
    impulse = np.zeros((8, 2))
    impulse[0] = 1.0
    for channel in range(2):
        parameters = {k: as_xtensor(np.atleast_1d(v)[channel], dims=()) for k, v in values.items()}
        theirs = mmm.adstock.function(
            as_xtensor(impulse[:, channel], dims=("date",)), **parameters, dim="date"
        ).eval()
        assert ours[channel] == pytest.approx(theirs[:6], rel=1e-5), (form, channel)


def test_a_channels_retention_prior_follows_what_the_user_names_not_our_names() -> None:
    # The default names no channel: every channel has the configured Beta, whatever it
    # is called. A channel the user names in adstock.by_channel gets its own.
    panel = tiny_panel(weeks=30)
    default = build_mmm(panel, load_model_config()).adstock.function_priors["alpha"]
    assert default.dims == ("channel",) and np.ndim(default.parameters["alpha"]) == 0
    config = load_model_config()
    named = config.model_copy(
        update={"adstock": config.adstock.model_copy(update={"by_channel": {"weak": {"alpha": 3}}})}
    )
    prior = build_mmm(panel, named).adstock.function_priors["alpha"]
    assert panel.channels == ["strong", "weak"]
    assert list(prior.parameters["alpha"]) == [2.0, 3.0]
    assert list(prior.parameters["beta"]) == [2.0, 2.0]
