"""Time horizons from a carry-over kernel, computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from mmm_pipeline.modeling.horizons import kernel_statistics, through_lag


def _cumulative(weights: np.ndarray) -> np.ndarray:
    return np.cumsum(weights / weights.sum())[None, :]


def test_a_geometric_kernel_peaks_at_once_and_its_half_life_is_the_closed_form() -> None:
    # Retention 0.6 over 8 weeks: cumulative weights 0.41, 0.65, 0.80, 0.89, 0.94, ...
    statistics = kernel_statistics(_cumulative(0.6 ** np.arange(8)))
    assert statistics["peak_lag_weeks"] == [0.0]
    assert statistics["half_life_weeks"] == pytest.approx([np.log(0.5) / np.log(0.6)])
    assert statistics["weeks_to_half_effect"] == [2.0]
    assert statistics["weeks_to_90pct_effect"] == [5.0]


def test_a_delayed_kernel_takes_its_peak_lag_and_more_to_reach_half_its_effect() -> None:
    lags = np.arange(12)
    # Peak three weeks after the spend; cumulative 0.01, 0.09, 0.33, 0.67, 0.90, 0.99.
    statistics = kernel_statistics(_cumulative(0.7 ** ((lags - 3.0) ** 2)))
    assert statistics["peak_lag_weeks"] == [3.0]
    assert statistics["weeks_to_half_effect"] == [4.0]
    assert statistics["weeks_to_90pct_effect"] == [5.0]
    # The weight halves between one and two weeks after the peak (0.7 and 0.24 of it).
    assert 1.0 < statistics["half_life_weeks"][0] < 2.0


def test_a_kernel_that_never_halves_within_its_window_has_no_finite_half_life() -> None:
    statistics = kernel_statistics(_cumulative(np.ones(4)))
    assert statistics["half_life_weeks"] == [np.inf]
    assert statistics["weeks_to_half_effect"] == [2.0]


def test_a_funnel_lag_after_an_immediate_kernel_moves_every_horizon_by_the_lag() -> None:
    immediate = _cumulative(np.array([1.0, 0.0, 0.0]))
    three_weeks = np.array([0.0, 0.0, 0.0, 1.0])
    statistics = kernel_statistics(through_lag(immediate, three_weeks))
    assert statistics["peak_lag_weeks"] == [3.0]
    assert statistics["weeks_to_half_effect"] == [4.0]
    assert statistics["weeks_to_90pct_effect"] == [4.0]


def test_a_funnel_lag_spreads_a_geometric_kernel_and_keeps_its_total() -> None:
    geometric = _cumulative(0.6 ** np.arange(8))
    lag = np.array([0.2, 0.5, 0.3])
    carried = through_lag(geometric, lag)
    assert carried[0, -1] == pytest.approx(1.0)
    # Each week's weight is the geometric weights shifted by each lag, weighted.
    weights = np.diff(geometric[0], prepend=0.0)
    expected = np.convolve(weights, lag)
    assert np.diff(carried[0], prepend=0.0) == pytest.approx(expected)
