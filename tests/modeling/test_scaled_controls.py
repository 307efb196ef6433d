"""Controls on a unit scale per geo, fixed on the training weeks and kept by a saved model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmm_pipeline.modeling.lift_tests import LIFT_COLUMNS
from mmm_pipeline.modeling.panel import ModelPanel
from mmm_pipeline.modeling.panel_fit import SamplingProfile, fit_panel
from mmm_pipeline.modeling.runs import load_model_file
from mmm_pipeline.modeling.scaled_controls import apply_transform, control_transform

WEEKS = 60
SHORT = SamplingProfile(2, 150, 150, 0.9, max_rhat=1.2, min_ess=20, max_divergences=50)


def _frame() -> pd.DataFrame:
    weeks = pd.date_range("2023-01-02", periods=4, freq="7D")
    return pd.DataFrame(
        {
            "date": list(weeks) * 2,
            "geo": ["US"] * 4 + ["DE"] * 4,
            "event": [0.0, 385.0, 0.0, 120.0, 0.0, 0.0, 0.0, 0.0],
            "flag": [0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0],
            "price": [9.5, 10.5, 10.0, 10.0, 20.0, 22.0, 18.0, 20.0],
            "constant": [3.0] * 4 + [0.0, 1.0, 0.0, 1.0],
        }
    )


def test_amounts_flags_and_levels_end_on_a_unit_scale_per_geo() -> None:
    frame = _frame()
    controls = ["event", "flag", "price", "constant"]
    offset, scale = control_transform(frame, controls, "geo")
    scaled = apply_transform(frame, offset, scale, "geo")
    us, de = scaled[scaled["geo"] == "US"], scaled[scaled["geo"] == "DE"]
    # An amount and a flag are divided by their largest value in the geo, not centred.
    assert us["event"].tolist() == pytest.approx([0.0, 1.0, 0.0, 120 / 385])
    assert de["flag"].tolist() == [1.0, 0.0, 0.0, 0.0]
    # A control that is zero all through a geo stays zero there.
    assert de["event"].tolist() == [0.0] * 4
    # A price never reaches zero: centred on its geo's mean, then unit scale.
    assert us["price"].tolist() == pytest.approx([-1.0, 1.0, 0.0, 0.0])
    assert de["price"].tolist() == pytest.approx([0.0, 1.0, -1.0, 0.0])
    # Constant in a geo: nothing the intercept does not carry, so zero in the fit there.
    assert us["constant"].tolist() == [0.0] * 4
    assert scaled[controls].abs().max().max() == pytest.approx(1.0)
    # The delivery itself is not changed.
    assert frame.equals(_frame())


def test_new_weeks_are_read_on_the_training_scale() -> None:
    train = _frame()
    offset, scale = control_transform(train, ["event", "price"], "geo")
    later = pd.DataFrame({"geo": ["US", "DE"], "event": [770.0, 50.0], "price": [11.0, 20.0]})
    scaled = apply_transform(later, offset, scale, "geo")
    # Twice the largest training event is 2, not 1: new weeks are not rescaled.
    assert scaled["event"].tolist() == pytest.approx([2.0, 50.0])
    assert scaled["price"].tolist() == pytest.approx([2.0, 0.0])


@pytest.fixture(scope="module")
def fitted_with_amounts():
    """A short fit of one channel and an event control in the hundreds.

    The public benchmark presets deliver controls of that size.
    """
    rng = np.random.default_rng(3)
    dates = pd.date_range("2023-01-02", periods=WEEKS, freq="7D")
    spend = rng.uniform(500, 1500, WEEKS) * (rng.random(WEEKS) > 0.2)
    event = np.where(rng.random(WEEKS) > 0.8, rng.uniform(100, 385, WEEKS), 0.0)
    y = 500 + 300 * (1 - np.exp(-spend / 800)) + 0.8 * event + rng.normal(0, 8, WEEKS)
    frame = pd.DataFrame(
        {"date": dates, "geo": "US", "y": y, "meta": spend, "control_event": event}
    )
    panel = ModelPanel("self_serve", "signup", frame, ["meta"], ["control_event"])
    outcome = fit_panel(panel, pd.DataFrame(columns=LIFT_COLUMNS), SHORT, holdout_weeks=6)
    return panel, outcome, event


def test_an_amount_control_is_fitted_on_a_unit_scale_and_recovered(fitted_with_amounts) -> None:
    _panel, outcome, event = fitted_with_amounts
    control_data = outcome.mmm.model["control_data"].get_value()
    assert np.abs(control_data).max() == pytest.approx(1.0)
    # Effect at the largest event, in units of the peak week: 0.8 x max event / max y.
    peak = outcome.mmm.idata.constant_data["target_scale"].item()
    gamma = outcome.mmm.idata.posterior["gamma_control"].stack(s=("chain", "draw")).values
    truth = 0.8 * event[: WEEKS - 6].max() / peak
    low, high = np.quantile(gamma, [0.005, 0.995])
    assert low <= truth <= high, (low, truth, high)
    assert outcome.geometry["mean_tree_depth"] > 0


def test_a_saved_model_predicts_on_the_scale_it_was_fitted_on(
    fitted_with_amounts, tmp_path: Path
) -> None:
    panel, outcome, _ = fitted_with_amounts
    path = tmp_path / "model.nc"
    outcome.mmm.save(str(path))
    loaded = load_model_file(path)
    assert loaded.control_transform().equals(outcome.mmm.control_transform())
    later = panel.frame.tail(6).drop(columns=["y"]).assign(control_event=385.0)
    fitted = outcome.mmm.sample_posterior_predictive(
        later, extend_idata=False, progressbar=False, random_seed=1
    )
    reloaded = loaded.sample_posterior_predictive(
        later, extend_idata=False, progressbar=False, random_seed=1
    )
    assert float(fitted["y"].mean()) == pytest.approx(float(reloaded["y"].mean()), rel=1e-9)
