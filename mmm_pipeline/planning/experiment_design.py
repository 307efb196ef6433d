"""What a proposed lift test would measure, and whether the data could detect it.

A test changes a channel's weekly spend by ``delta`` in some geos for ``test_weeks``
weeks and is read out over ``readout_weeks`` weeks: the test weeks plus the weeks the
channel's carry-over needs to pass on :data:`CARRYOVER_SHARE` of the change. Per
posterior draw of the model in force, the adstocked spend of window week ``t`` moves by
``delta * (C[t] - C[t - test_weeks])``, with ``C`` the kernel's cumulative weight
(``horizons.cumulative_kernel``), and the weekly lift is the steady-state response
(``response.py``) at the moved level minus the response at today's. The sum over the
read-out weeks and the test geos is what the test measures, in outcome units.

Whether it can be seen: the outcome's weekly noise per geo is the model's own residual
spread (``y_sigma`` times the geo's target scale). A test estimates its counterfactual
(control geos, or comparable weeks for a test that cannot be split by geo) with about
as much noise as it measures, so the standard error of the measured lift is
``sqrt(2 * readout_weeks * sum of the test geos' noise variances)``. The minimum
detectable lift is ``(z_level + z_power) * se`` (two-sided at the reporting level,
:data:`POWER_TARGET` power), and the power is the chance, averaged over the posterior of
the lift (assurance), that the test's interval excludes zero.

A design is then searched for (:func:`best_design`): the test geos that make the lift
easiest to see (:func:`test_geos`), the shortest of :data:`TEST_WEEKS` that reaches the
target power, and for a design that never does, the weeks or spend that would
(:func:`what_would_detect`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from mmm_pipeline.modeling.response import ResponseModel
from mmm_pipeline.modeling.series import Series

POWER_TARGET = 0.8
TEST_WEEKS = (4, 6, 8)
# Beyond the longest test window: how much longer, or how much more spend, would do.
LONGER_WEEKS = (10, 12, 16, 20, 26)
MORE_SPEND = (1.5, 2.0, 3.0, 4.0)
# The share of a spend change's effect the read-out window must take in.
CARRYOVER_SHARE = 0.9


@dataclass(frozen=True)
class RecallLevel:
    """The common level a series' surveyed channels' recalls pool around (share_prior.py).

    ``channels`` are the surveyed channels; ``median``, ``low`` and ``high`` the level
    and its interval; ``basis`` what set it (``results.LEVEL_FROM_TESTS``,
    ``LEVEL_FROM_PRIOR`` or ``ASSUMED``).
    """

    channels: frozenset[str]
    median: float
    low: float
    high: float
    basis: str


@dataclass(frozen=True)
class SeriesTestInputs:
    """What the plan of one series reads from its model in force and its tables.

    ``cumulative`` is (sample, channel, horizon) on the same draws as ``response``;
    ``noise`` the outcome's weekly noise sd per geo; ``current`` the weekly spend per
    (geo, channel) today; ``roi`` per channel: spend, ``roi``, ``roi_low``, ``roi_high``,
    ``roi_unit`` (geo ALL); ``moves`` per channel the same-budget scenario's relative change of its
    weekly spend; ``tested`` per channel its lift tests in this series; ``recall`` the
    survey's recall level, None for a series without a survey.
    """

    series: Series
    run_id: str
    response: ResponseModel
    cumulative: np.ndarray
    noise: np.ndarray
    current: np.ndarray
    national: frozenset[str]
    roi: pd.DataFrame
    moves: dict[str, float]
    tested: dict[str, list[str]]
    recall: RecallLevel | None = None


@dataclass(frozen=True)
class Detection:
    """A design's expected lift draws and how well the data could see it."""

    lift: np.ndarray
    standard_error: float
    minimum_detectable_lift: float
    power: float

    @property
    def detectable(self) -> bool:
        """Whether the test would reach :data:`POWER_TARGET` power."""
        return self.power >= POWER_TARGET


def carryover_weeks(cumulative: np.ndarray) -> int:
    """Weeks after a change before :data:`CARRYOVER_SHARE` of it has been passed on.

    Parameters
    ----------
    cumulative
        (sample, horizon): one channel's cumulative kernel weight up to each lag.

    Returns
    -------
    int
        The first lag where the posterior median of the cumulative weight reaches
        :data:`CARRYOVER_SHARE` (0 for a channel without carry-over); the kernel's length
        when it never does.
    """
    median = np.median(cumulative, axis=0)
    reached = np.nonzero(median >= CARRYOVER_SHARE)[0]
    return int(reached[0]) if reached.size else int(median.size)


def window_ramp(cumulative: np.ndarray, test_weeks: int, readout_weeks: int) -> np.ndarray:
    """(sample, readout week): the share of the spend change the adstock passes on.

    Returns
    -------
    numpy.ndarray
        ``C[t] - C[t - test_weeks]`` per draw and read-out week, ``C`` held at its last
        lag beyond the kernel and 0 before lag 0.
    """
    horizon = cumulative.shape[1]
    weeks = np.arange(readout_weeks)
    on = cumulative[:, np.minimum(weeks, horizon - 1)]
    after = weeks - test_weeks
    off = np.where(after >= 0, cumulative[:, np.clip(after, 0, horizon - 1)], 0.0)
    return on - off


def expected_lift(
    response: ResponseModel,
    cumulative: np.ndarray,
    channel: int,
    current: np.ndarray,
    delta: np.ndarray,
    test_weeks: int,
    readout_weeks: int,
) -> np.ndarray:
    """Per draw, the outcome the test adds (or, for a cut, removes) over its read-out.

    Parameters
    ----------
    response
        The model in force's steady-state response draws.
    cumulative
        (sample, horizon): the channel's cumulative kernel, the same draws as ``response``.
    channel
        The channel's index in ``response.channels``.
    current
        (geo,): the channel's weekly spend per geo today.
    delta
        (geo,): the test's change in weekly spend per geo (0 outside the test geos).
    test_weeks, readout_weeks
        How long the spend is changed, and how long the lift is counted from its start.

    Returns
    -------
    numpy.ndarray
        (sample,): the summed lift over the read-out weeks and geos, in outcome units.
    """
    ramp = window_ramp(cumulative, test_weeks, readout_weeks)  # (sample, week)
    beta = response.beta[:, :, channel][:, None, :]  # (sample, 1, geo)
    rate = response.rate[:, :, channel][:, None, :]
    moved = current[None, None, :] + delta[None, None, :] * ramp[:, :, None]
    lift = beta * (np.tanh(rate * moved / 2.0) - np.tanh(rate * current[None, None, :] / 2.0))
    return lift.sum(axis=(1, 2))


def detection(lift: np.ndarray, noise: np.ndarray, readout_weeks: int, level: float) -> Detection:
    """How well a test of these geos and weeks could see the lift it expects.

    Parameters
    ----------
    lift
        (sample,): the expected lift draws (:func:`expected_lift`).
    noise
        (test geo,): the outcome's weekly noise standard deviation in each test geo.
    readout_weeks
        Weeks the lift is counted over.
    level
        The interval level the test's result is read at.

    Returns
    -------
    Detection
        The lift draws, the measurement's standard error, the minimum detectable lift
        and the power (see the module's docstring).
    """
    se = float(np.sqrt(2.0 * readout_weeks * np.sum(np.square(noise))))
    z_level = stats.norm.ppf(0.5 + level / 2.0)
    mdl = float((z_level + stats.norm.ppf(POWER_TARGET)) * se)
    size = np.abs(lift) / se if se > 0 else np.full_like(lift, np.inf)
    power = float(np.mean(stats.norm.cdf(size - z_level) + stats.norm.cdf(-size - z_level)))
    return Detection(lift, se, mdl, power)


@dataclass(frozen=True)
class Design:
    """One proposed test: where, how long, how much spend, and what it would see."""

    channel: str
    kind: str
    geos: list[str]
    test_weeks: int
    readout_weeks: int
    spend_change: float
    seen: Detection


def _evaluate(
    inputs: SeriesTestInputs, c: int, geos: list[int], step: float, test_weeks: int, level: float
) -> tuple[Detection, float, int]:
    """The detection of a test of channel ``c`` in ``geos`` moving spend by ``step`` x today.

    Returns
    -------
    tuple of (Detection, float, int)
        What the test would see, the money it moves over its test weeks, its read-out weeks.
    """
    current = inputs.current[:, c]
    delta = np.zeros_like(current)
    delta[geos] = step * current[geos]
    readout = test_weeks + carryover_weeks(inputs.cumulative[:, c, :])
    lift = expected_lift(
        inputs.response, inputs.cumulative[:, c, :], c, current, delta, test_weeks, readout
    )
    seen = detection(lift, inputs.noise[geos], readout, level)
    return seen, float(delta.sum() * test_weeks), readout


def test_geos(inputs: SeriesTestInputs, c: int, step: float, level: float) -> list[int]:
    """The geos (at most half) whose test makes the lift easiest to see, in geo order.

    Returns
    -------
    list of int
        Geo indices: the prefix, in order of lift per unit of noise variance, that gives
        the highest expected lift over its standard error at the middle test window.
    """
    current = inputs.current[:, c]
    spending = [g for g in range(len(current)) if current[g] > 0]
    if not spending:
        return []
    weeks = TEST_WEEKS[len(TEST_WEEKS) // 2]
    alone = {
        g: abs(float(_evaluate(inputs, c, [g], step, weeks, level)[0].lift.mean()))
        / max(float(inputs.noise[g]) ** 2, 1e-12)
        for g in spending
    }
    ordered = sorted(spending, key=lambda g: -alone[g])
    best, best_ratio = ordered[:1], -np.inf
    for size in range(1, max(1, len(current) // 2) + 1):
        seen = _evaluate(inputs, c, ordered[:size], step, weeks, level)[0]
        ratio = abs(float(seen.lift.mean())) / seen.standard_error
        if ratio > best_ratio:
            best, best_ratio = ordered[:size], ratio
    return sorted(best)


def best_design(
    inputs: SeriesTestInputs, c: int, kind: str, geos: list[int], step: float, level: float
) -> Design:
    """The shortest detectable window for this test, or the longest one if none is.

    Returns
    -------
    Design
        The test with its window, spend change and detection.
    """
    for weeks in TEST_WEEKS:
        seen, money, readout = _evaluate(inputs, c, geos, step, weeks, level)
        if seen.detectable:
            break
    return Design(
        inputs.response.channels[c],
        kind,
        [inputs.response.geos[g] for g in geos],
        weeks,
        readout,
        money,
        seen,
    )


def what_would_detect(
    inputs: SeriesTestInputs, c: int, design: Design, step: float, level: float
) -> str:
    """For an undetectable design: the test weeks or the spend change that would do.

    Returns
    -------
    str
        A clause in words, e.g. "detectable with 16 test weeks".
    """
    geos = [inputs.response.geos.index(g) for g in design.geos]
    for weeks in LONGER_WEEKS:
        if _evaluate(inputs, c, geos, step, weeks, level)[0].detectable:
            return f"detectable with {weeks} test weeks"
    if step > 0:
        for factor in MORE_SPEND:
            longest = TEST_WEEKS[-1]
            if _evaluate(inputs, c, geos, step * factor, longest, level)[0].detectable:
                return f"detectable with {factor:g} times the spend change over {longest} weeks"
    return f"not detectable within {LONGER_WEEKS[-1]} weeks: the outcome is too noisy here"
