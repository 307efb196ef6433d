"""The carry-over ramp a lift test's window sees, computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from mmm_pipeline.modeling.calibration import window_ramp


def test_a_slow_channel_reaches_only_part_of_its_steady_state_in_a_four_week_test() -> None:
    # Retention 0.7 over 8 weeks: weights 0.7**l / sum(0.7**k for k < 8).
    weights = 0.7 ** np.arange(8) / (0.7 ** np.arange(8)).sum()
    instant = np.eye(8)[0]
    ramp = window_ramp(np.stack([weights, instant]), horizon=4).eval()
    assert ramp[0] == pytest.approx(np.cumsum(weights)[:4])
    assert ramp[0].mean() == pytest.approx(0.59, abs=0.005)
    # No carry-over: the whole change shows from the first week.
    assert ramp[1] == pytest.approx([1.0, 1.0, 1.0, 1.0])


def test_a_window_longer_than_the_adstock_reaches_steady_state() -> None:
    weights = 0.5 ** np.arange(3) / (0.5 ** np.arange(3)).sum()
    ramp = window_ramp(weights[None, :], horizon=5).eval()
    assert ramp[0, 2:] == pytest.approx([1.0, 1.0, 1.0])


def test_a_delayed_channel_shows_almost_nothing_of_its_effect_before_its_peak() -> None:
    # Peak three weeks after the spend: a 2-week test window sees under a tenth of it.
    lags = np.arange(12)
    weights = 0.7 ** ((lags - 3.0) ** 2)
    weights /= weights.sum()
    ramp = window_ramp(weights[None, :], horizon=2).eval()
    assert ramp[0, -1] < 0.1
    assert ramp[0] == pytest.approx(np.cumsum(weights)[:2])
