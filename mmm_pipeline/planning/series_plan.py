"""Response curves and budget scenarios for one series, from its model in force.

"Current spend" is each (geo, channel)'s average weekly spend over the last 13 weeks,
the same level ``mmm.channel_roi`` calls current. "Seen" is the highest weekly spend of
the panel's history in that cell: proposals stay at or below it unless a scenario allows
extrapolation (then up to ``EXTRAPOLATION_FACTOR`` times it, flagged row by row).
Contributions are weekly conversions of the series at steady state, with the posterior
interval at the configured level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pymc_marketing.mmm import MMM

from mmm_pipeline.modeling.panel import DATE, GEO, ModelPanel
from mmm_pipeline.modeling.posterior import RECENT_WEEKS
from mmm_pipeline.modeling.response import ResponseModel
from mmm_pipeline.modeling.results import ALL
from mmm_pipeline.modeling.series import Series
from mmm_pipeline.planning.optimizer import BudgetProblem, optimise
from mmm_pipeline.planning.scenarios import Scenario
from mmm_pipeline.planning.schemas import (
    BUDGET_ALLOCATION_COLUMNS,
    RESPONSE_CURVE_COLUMNS,
)

# Draws the optimizer and the scenario intervals use (evenly spaced over the posterior).
SAMPLES = 500
CURVE_POINTS = 25
# Curves run to twice the highest weekly spend seen: "well past" it.
CURVE_REACH = 2.0
EXTRAPOLATION_FACTOR = 3.0


@dataclass(frozen=True)
class SeriesPlanInputs:
    """A series' model in force as response draws, with its spend history per cell."""

    series: Series
    run_id: str
    response: ResponseModel
    current: np.ndarray
    seen_max: np.ndarray
    history: np.ndarray

    @classmethod
    def from_model(
        cls, series: Series, run_id: str, mmm: MMM, panel: ModelPanel
    ) -> SeriesPlanInputs:
        """Read the draws from ``mmm`` and the spend levels from ``panel``.

        Returns
        -------
        SeriesPlanInputs
            :data:`SAMPLES` response draws, and per (geo, channel) of the model: the mean
            weekly spend of the last :data:`RECENT_WEEKS` weeks, the highest weekly spend
            and the total spend of the panel.
        """
        # Spend buys the model's media (exposure.py) at the recent cost per impression.
        per_money = panel.exposure_per_money(RECENT_WEEKS)
        response = ResponseModel.from_mmm(mmm, SAMPLES).priced(per_money)
        spend = panel.spend_by_week().reindex(
            {GEO: response.geos, "channel": response.channels}, fill_value=0.0
        )
        recent = spend.isel({DATE: slice(-RECENT_WEEKS, None)})
        return cls(
            series=series,
            run_id=run_id,
            response=response,
            current=recent.mean(DATE).values,
            seen_max=spend.max(DATE).values,
            history=spend.sum(DATE).values,
        )

    def geo_weights(self) -> np.ndarray:
        """How a channel's extra spend splits over geos: as now, else as in the past.

        Returns
        -------
        numpy.ndarray
            Shape (geo, channel), each channel's column summing to 1 (all zero for a
            channel that never spent): its share of current spend per geo, or of total
            spend when it spends nothing now.
        """
        weights = np.where(self.current.sum(axis=0) > 0, self.current, self.history)
        total = weights.sum(axis=0, keepdims=True)
        return np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)


def _interval(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(draws, [tail, 1.0 - tail], axis=0)
    return draws.mean(axis=0), low, high


def response_curves(inputs: SeriesPlanInputs, level: float) -> pd.DataFrame:
    """Weekly contribution at steady weekly spend from 0 to twice the highest seen.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`RESPONSE_CURVE_COLUMNS`: :data:`CURVE_POINTS` points per
        geo (and ``ALL``, spread as :meth:`SeriesPlanInputs.geo_weights`) and channel
        with spend seen, the contribution's mean and interval, the median slope, and
        whether the point lies beyond the highest spend seen.
    """
    response, rows = inputs.response, []
    steps = np.linspace(0.0, 1.0, CURVE_POINTS)
    weights = inputs.geo_weights()
    for c, channel in enumerate(response.channels):
        cells = [
            (geo, np.eye(len(response.geos))[g][:, None]) for g, geo in enumerate(response.geos)
        ]
        cells.append((ALL, weights[:, c][:, None]))
        for geo, split in cells:
            # The highest weekly spend seen, summed over the geos this curve spends in.
            seen = float(inputs.seen_max[split[:, 0] > 0, c].sum())
            if seen <= 0:
                continue
            levels = CURVE_REACH * seen * steps
            spend = np.zeros((len(levels), len(response.geos), len(response.channels)))
            spend[:, :, c] = levels[:, None] * split[:, 0][None, :]
            draws = response.contribution(spend)[..., c].sum(axis=-1)
            slopes = (response.slope(spend)[..., c] * split[:, 0]).sum(axis=-1)
            mean, low, high = _interval(draws, level)
            rows += [
                {
                    "geo": geo,
                    "channel": channel,
                    "spend": float(levels[i]),
                    "contribution": float(mean[i]),
                    "contribution_low": float(low[i]),
                    "contribution_high": float(high[i]),
                    "marginal_response": float(np.median(slopes[:, i])),
                    "is_beyond_seen": bool(levels[i] > seen + 1e-9),
                }
                for i in range(len(levels))
            ]
    frame = pd.DataFrame(rows, columns=[c for c in RESPONSE_CURVE_COLUMNS if c not in _LABELS])
    return frame.assign(
        segment=inputs.series.segment, outcome=inputs.series.outcome, run_id=inputs.run_id
    )[list(RESPONSE_CURVE_COLUMNS)]


_LABELS = ("segment", "outcome", "run_id")


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario's rows and its one-line summary."""

    allocation: pd.DataFrame
    summary: dict


def _problem(inputs: SeriesPlanInputs, scenario: Scenario) -> tuple[BudgetProblem, list[str]]:
    response, warnings = inputs.response, []
    reach = EXTRAPOLATION_FACTOR if scenario.allow_extrapolation else 1.0
    upper = inputs.seen_max * reach
    lower = np.zeros_like(upper)
    channel_min = np.zeros(len(response.channels))
    channel_max = np.full(len(response.channels), np.inf)
    for name, rule in scenario.channels.items():
        c = response.channels.index(name)
        if rule.locked:
            lower[:, c] = upper[:, c] = inputs.current[:, c]
        channel_min[c] = rule.min or 0.0
        channel_max[c] = rule.max if rule.max is not None else np.inf
    total = scenario.budget(float(inputs.current.sum()))
    if total > upper.sum():
        warnings.append(
            f"the budget {total:,.0f} is more than the {upper.sum():,.0f} a week the model "
            f"has seen these channels take; {total - upper.sum():,.0f} is left unplaced "
            "(allow_extrapolation to place it)"
        )
        total = float(upper.sum())
    geo_floor = np.zeros(len(response.geos))
    for name, floor in scenario.geo_floors.items():
        geo_floor[response.geos.index(name)] = floor.amount(total)
    problem = BudgetProblem(
        response=response,
        total=total,
        lower=lower,
        upper=upper,
        geo_floor=geo_floor,
        channel_min=channel_min,
        channel_max=channel_max,
    )
    return problem, warnings


def run_scenario(inputs: SeriesPlanInputs, scenario: Scenario, level: float) -> ScenarioResult:
    """Optimise one scenario and compare it with the current allocation, per draw.

    An infeasible scenario raises ``InfeasibleBudget`` from :func:`optimise`.

    Returns
    -------
    ScenarioResult
        The allocation (columns of :data:`BUDGET_ALLOCATION_COLUMNS`, per geo and ``ALL``
        and channel with current or proposed spend) and the summary (of
        :data:`BUDGET_SCENARIO_COLUMNS`): totals, gain with its interval, the probability
        that the proposal does better, and warnings.
    """
    problem, warnings = _problem(inputs, scenario)
    proposed = optimise(problem)
    response = inputs.response
    current_draws = response.contribution(inputs.current)
    proposed_draws = response.contribution(proposed)
    extrapolated = proposed > inputs.seen_max * (1 + 1e-6) + 1e-6
    if extrapolated.any():
        cells = [
            f"{response.geos[g]}/{response.channels[c]}"
            for g, c in zip(*np.nonzero(extrapolated), strict=True)
        ]
        warnings.append(f"beyond the highest spend seen: {', '.join(cells)}")
    rows = []
    cells = [(geo, [g]) for g, geo in enumerate(response.geos)] + [
        (ALL, list(range(len(response.geos))))
    ]
    for c, channel in enumerate(response.channels):
        for geo, index in cells:
            current, planned = inputs.current[index, c].sum(), proposed[index, c].sum()
            if current <= 0 and planned <= 1e-6:
                continue
            expected = _interval(proposed_draws[:, index, c].sum(axis=1), level)
            now = _interval(current_draws[:, index, c].sum(axis=1), level)
            rows.append(
                {
                    "geo": geo,
                    "channel": channel,
                    "current_spend": float(current),
                    "proposed_spend": float(planned),
                    "expected_contribution": float(expected[0]),
                    "expected_contribution_low": float(expected[1]),
                    "expected_contribution_high": float(expected[2]),
                    "current_contribution": float(now[0]),
                    "current_contribution_low": float(now[1]),
                    "current_contribution_high": float(now[2]),
                    "highest_spend_seen": float(inputs.seen_max[index, c].sum()),
                    "is_extrapolated": bool(extrapolated[index, c].any()),
                }
            )
    labels = {
        "scenario": scenario.name,
        "segment": inputs.series.segment,
        "outcome": inputs.series.outcome,
        "run_id": inputs.run_id,
    }
    allocation = pd.DataFrame(rows).assign(**labels)[list(BUDGET_ALLOCATION_COLUMNS)]
    proposed_total = proposed_draws.sum(axis=(1, 2))
    current_total = current_draws.sum(axis=(1, 2))
    expected, now, gain = (
        _interval(proposed_total, level),
        _interval(current_total, level),
        _interval(proposed_total - current_total, level),
    )
    summary = labels | {
        "budget": float(proposed.sum()),
        "current_budget": float(inputs.current.sum()),
        "expected_contribution": float(expected[0]),
        "expected_contribution_low": float(expected[1]),
        "expected_contribution_high": float(expected[2]),
        "current_contribution": float(now[0]),
        "current_contribution_low": float(now[1]),
        "current_contribution_high": float(now[2]),
        "gain": float(gain[0]),
        "gain_low": float(gain[1]),
        "gain_high": float(gain[2]),
        "probability_better": float((proposed_total > current_total).mean()),
        "warnings": "; ".join(warnings),
    }
    return ScenarioResult(allocation=allocation, summary=summary)
