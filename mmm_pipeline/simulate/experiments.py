"""Lift tests: spend really changes in one geo and channel, and the lift is measured.

True lift is the simulator's own expected conversions with the change minus without
it, summed over the test window (carryover inside the window included, the tail after
it not, as a real read-out at the end of the test would see it). The measured lift adds
normal noise with the standard error a geo test of that size would have.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mmm_pipeline.simulate.business import CHANNEL_NAMES, SERIES
from mmm_pipeline.simulate.demand import expected_components
from mmm_pipeline.simulate.params import Business
from mmm_pipeline.simulate.response import expected_incremental
from mmm_pipeline.simulate.timeline import Timeline

MIN_WEEKS = 3


@dataclass(frozen=True)
class ExperimentDesign:
    """A test as the marketing team would book it; ``multiplier`` 0 is a holdout."""

    experiment_id: str
    channel: str
    geo: str
    segment: str
    outcome: str
    multiplier: float
    start_frac: float
    weeks: int


DESIGNS: tuple[ExperimentDesign, ...] = (
    ExperimentDesign("EXP-001", "meta", "DE", "self_serve", "signup", 0.0, 0.45, 4),
    ExperimentDesign("EXP-002", "tv", "US", "self_serve", "signup", 2.5, 0.52, 6),
    ExperimentDesign("EXP-003", "tiktok", "GB", "self_serve", "signup", 0.0, 0.70, 4),
    ExperimentDesign("EXP-004", "youtube", "US", "self_serve", "signup", 2.0, 0.62, 4),
    ExperimentDesign("EXP-005", "linkedin", "US", "sales_led", "signup", 0.0, 0.80, 6),
    ExperimentDesign("EXP-006", "meta", "US", "self_serve", "order", 1.5, 0.30, 3),
)


@dataclass(frozen=True)
class Experiment:
    """A design placed in this history: indices and the window ``[first, end)`` in weeks."""

    design: ExperimentDesign
    geo_idx: int
    channel_idx: int
    series_idx: int
    first: int
    end: int


def schedule(business: Business, n_weeks: int, limit: int | None = None) -> list[Experiment]:
    """Place the designs that fit: the geo exists, the channel is live for a few weeks.

    ``limit`` keeps the first that many in booking order (``DESIGNS``); ``None`` keeps
    all, so a config can match a business that ran only a couple of tests.

    Returns
    -------
    list of Experiment
        The designs placed, in booking order, at most ``limit`` of them.
    """
    placed = []
    codes = business.geo_codes
    for design in DESIGNS:
        if design.geo not in codes:
            continue
        g, c = codes.index(design.geo), CHANNEL_NAMES.index(design.channel)
        first = round(design.start_frac * n_weeks)
        end = min(first + design.weeks, n_weeks)
        if not business.available[g, c] or first < business.launch[g, c] + 3:
            continue
        if end - first < MIN_WEEKS:
            continue
        k = next(
            i
            for i, s in enumerate(SERIES)
            if (s.segment, s.outcome) == (design.segment, design.outcome)
        )
        placed.append(Experiment(design, g, c, k, first, end))
    return placed[:limit]


def apply(planned: np.ndarray, experiments: list[Experiment]) -> np.ndarray:
    """Return the weekly spend that really ran: the plan with each test's change.

    Returns
    -------
    np.ndarray
        A copy of ``planned``, each test's geo and channel multiplied by its ``multiplier``
        over its weeks.
    """
    actual = planned.copy()
    for e in experiments:
        actual[e.first : e.end, e.geo_idx, e.channel_idx] *= e.design.multiplier
    return actual


def read_out(
    experiments: list[Experiment],
    planned_usd: np.ndarray,
    actual_usd: np.ndarray,
    baseline: np.ndarray,
    business: Business,
    timeline: Timeline,
    rng: np.random.Generator,
    cost: np.ndarray | None = None,
) -> tuple[pd.DataFrame, list[dict]]:
    """Compute each test's spend change and lift; return the delivery and the truth records.

    ``planned_usd`` and ``actual_usd`` are weekly USD summed from the delivered cents;
    where impressions move conversions, ``cost`` (weeks,) divides them into the media
    that acted (``media.cpm_multiplier``).

    Returns
    -------
    tuple of (pd.DataFrame, list of dict)
        The ``experiments/`` rows (dates, spend change, measured lift and its standard
        error), and per test the same with its design, spend and true lift for the truth.
    """
    per_week = np.ones(len(actual_usd)) if cost is None else cost

    def response(usd: np.ndarray) -> np.ndarray:
        return expected_incremental(usd / per_week[:, None, None], business)

    with_change = expected_components(baseline, response(actual_usd))
    rows, truth = [], []
    for e in experiments:
        window = slice(e.first, e.end)
        counterfactual = actual_usd.copy()
        counterfactual[window, e.geo_idx, e.channel_idx] = planned_usd[
            window, e.geo_idx, e.channel_idx
        ]
        without = expected_components(baseline, response(counterfactual))
        totals_with = with_change[window, e.geo_idx, e.series_idx].sum()
        true_lift = float(totals_with - without[window, e.geo_idx, e.series_idx].sum())
        sigma = float(np.sqrt(totals_with))
        measured = true_lift + rng.normal(0.0, sigma)
        spend_actual = float(actual_usd[window, e.geo_idx, e.channel_idx].sum())
        spend_planned = float(planned_usd[window, e.geo_idx, e.channel_idx].sum())
        d = e.design
        row = {
            "experiment_id": d.experiment_id,
            "channel": d.channel,
            "geo": d.geo,
            "segment": d.segment,
            "outcome": d.outcome,
            "start_date": str(timeline.week_starts[e.first]),
            "end_date": str(timeline.week_starts[e.end - 1] + np.timedelta64(6, "D")),
            "spend_delta": round(spend_actual - spend_planned, 2),
            "lift": round(measured, 1),
            "lift_sigma": round(sigma, 1),
        }
        rows.append(row)
        truth.append(
            {
                **row,
                "kind": "holdout" if d.multiplier == 0 else "boost",
                "spend_multiplier": d.multiplier,
                "first_week_start": str(timeline.week_starts[e.first]),
                "last_week_start": str(timeline.week_starts[e.end - 1]),
                "planned_spend_usd": round(spend_planned, 2),
                "actual_spend_usd": round(spend_actual, 2),
                "true_lift": round(true_lift, 4),
                "measured_lift": round(measured, 1),
            }
        )
    return pd.DataFrame(rows), truth
