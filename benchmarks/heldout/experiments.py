"""Lift tests: the spend change each makes, its true lift, and the noisy lift it reports.

The delivered world is the one with the tests in it. A test's true lift is that world's
outcome over the test window minus the outcome of the same world with only this test's
spend change undone, same shocks: the incremental outcome the test really caused inside
its window (carry-over after the window is not part of what it measures).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from heldout.business import MediaResponse, SeriesModel
from heldout.spec import FamilySpec, LiftSpec
from heldout.timeline import Timeline


@dataclass(frozen=True)
class Window:
    """The cells a test touches: rows of the timeline, geo columns, one channel."""

    weeks: np.ndarray
    geos: np.ndarray
    channel: int


def window(test: LiftSpec, family: FamilySpec, timeline: Timeline) -> Window:
    """Where in the (weeks, geos, channels) arrays a test acts."""
    names = [g.name for g in family.geos]
    geos = np.arange(len(names)) if test.geo == "ALL" else np.array([names.index(test.geo)])
    first = timeline.index_of(test.start_week)
    channel = [c.name for c in family.channels].index(test.channel)
    return Window(np.arange(first, first + test.weeks), geos, channel)


def apply_tests(
    spend: np.ndarray, family: FamilySpec, timeline: Timeline
) -> tuple[np.ndarray, list[Window]]:
    """The delivered spend: the plan with every test's holdout or scale-up applied."""
    actual = spend.copy()
    windows = []
    for test in family.lift_tests:
        cells = window(test, family, timeline)
        block = np.ix_(cells.weeks, cells.geos, [cells.channel])
        factor = 0.0 if test.design == "holdout" else test.factor
        actual[block] = np.round(spend[block] * factor, 2)
        windows.append(cells)
    return actual, windows


def undo(actual: np.ndarray, plan: np.ndarray, cells: Window) -> np.ndarray:
    """The delivered spend with one test's change put back to the plan."""
    counterfactual = actual.copy()
    block = np.ix_(cells.weeks, cells.geos, [cells.channel])
    counterfactual[block] = plan[block]
    return counterfactual


def evaluate(
    test: LiftSpec,
    cells: Window,
    series: SeriesModel,
    media: MediaResponse,
    actual: np.ndarray,
    plan: np.ndarray,
    timeline: Timeline,
    rng: np.random.Generator,
) -> dict:
    """True lift, spend change and the measured lift with its standard error."""
    with_test = series.rates(media.response(actual))
    without = series.rates(media.response(undo(actual, plan, cells)))
    rows = np.ix_(cells.weeks, cells.geos)
    true_lift = float((with_test.sum(axis=2) - without.sum(axis=2))[rows].sum())
    spend_delta = float((actual - plan)[cells.weeks][:, cells.geos, cells.channel].sum())
    sigma = test.sigma_factor * float(np.sqrt(series.variance(with_test)[rows].sum()))
    measured = true_lift + float(rng.normal(0.0, sigma))
    start = timeline.all_weeks[cells.weeks[0]].date()
    end = start + timedelta(days=7 * test.weeks - 1)
    return {
        "experiment_id": test.experiment_id,
        "channel": test.channel,
        "geo": test.geo,
        "segment": test.segment,
        "outcome": test.outcome,
        "design": test.design,
        "factor": 0.0 if test.design == "holdout" else test.factor,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "window_weeks": test.weeks,
        "spend_delta": round(spend_delta, 2),
        "true_lift": true_lift,
        "measured_lift": measured,
        "lift_sigma": sigma,
        "true_z": true_lift / sigma,
    }
