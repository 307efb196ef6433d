"""The weekly budget split across geos and channels that the model expects to return most.

The objective is the expected weekly contribution, the mean over posterior draws of the
steady-state response (``modeling/response.py``) summed over every (geo, channel) cell,
maximised with SciPy's SLSQP (analytic gradient) under:

* the total weekly budget (equality);
* per-cell bounds: at least 0 (or the locked current spend), at most the highest weekly
  spend the model has seen in that geo and channel unless extrapolation is allowed;
* per-channel bounds on the channel's total over geos;
* per-geo floors: a minimum weekly spend in a geo, so a developing market is not
  starved by a global ranking of returns.

pymc-marketing's ``BudgetOptimizer`` optimises the same response over a time window and
supports per-cell bounds, but a floor on a geo's total is a constraint across cells it
does not take; SLSQP takes linear constraints of any shape. Because the response is the
model's own steady state, the optimizer maximises exactly what ``mmm.response_curves``
shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, minimize

from mmm_pipeline.modeling.response import ResponseModel


class InfeasibleBudget(ValueError):
    """The constraints cannot all hold; the message says which and by how much."""


@dataclass(frozen=True)
class BudgetProblem:
    """What to split and within which limits, all in weekly spend per (geo, channel)."""

    response: ResponseModel
    total: float
    lower: np.ndarray
    upper: np.ndarray
    geo_floor: np.ndarray = field(default_factory=lambda: np.zeros(0))
    channel_min: np.ndarray = field(default_factory=lambda: np.zeros(0))
    channel_max: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def check(self) -> None:
        """Raise InfeasibleBudget, in words, when no allocation can satisfy everything.

        Raises
        ------
        InfeasibleBudget
            If the lower bounds exceed the budget, the budget exceeds the upper bounds, or
            the geo floors or channel minimums exceed the budget or their cells' bounds;
            the message lists every problem found.
        """
        problems = []
        if self.lower.sum() > self.total + 1e-6:
            problems.append(
                f"locked and minimum spend ({self.lower.sum():,.0f}) exceed the budget "
                f"({self.total:,.0f})"
            )
        if self.upper.sum() < self.total - 1e-6:
            problems.append(
                f"the budget ({self.total:,.0f}) exceeds what the bounds allow "
                f"({self.upper.sum():,.0f})"
            )
        for name, floor, room in (
            ("geo floors", self.geo_floor, self.upper.sum(axis=1)),
            ("channel minimums", self.channel_min, self.upper.sum(axis=0)),
        ):
            if floor.size and floor.sum() > self.total + 1e-6:
                problems.append(f"{name} ({floor.sum():,.0f}) exceed the budget")
            if floor.size and (floor > room + 1e-6).any():
                problems.append(f"{name} ask for more than the bounds allow")
        if problems:
            raise InfeasibleBudget("; ".join(problems))


def expected_total(response: ResponseModel, spend: np.ndarray) -> float:
    """Mean over draws of the total weekly contribution of an allocation.

    Returns
    -------
    float
        The expected weekly contribution of ``spend`` (geo, channel), summed over cells,
        in outcome units.
    """
    return float(response.contribution(spend).sum(axis=(1, 2)).mean())


def optimise(problem: BudgetProblem) -> np.ndarray:
    """The (geo, channel) weekly spend with the highest expected total contribution.

    Returns
    -------
    numpy.ndarray
        Shape of ``problem.lower``: weekly spend per cell, within its bounds, summing to
        ``problem.total``.

    Raises
    ------
    InfeasibleBudget
        If the constraints cannot all hold (:meth:`BudgetProblem.check`), or SLSQP does
        not converge.
    """
    problem.check()
    shape = problem.lower.shape
    scale = max(problem.total, 1.0)
    lower, upper = problem.lower.ravel() / scale, problem.upper.ravel() / scale

    start = np.clip(np.full(lower.size, 1.0 / lower.size), lower, upper)
    # SLSQP's line search wants an objective of order one: measure in units of the
    # start's expected total.
    unit = max(expected_total(problem.response, (start * scale).reshape(shape)), 1e-9)

    def objective(z: np.ndarray) -> tuple[float, np.ndarray]:
        spend = (z * scale).reshape(shape)
        value = problem.response.contribution(spend).sum(axis=(1, 2)).mean()
        gradient = problem.response.slope(spend).mean(axis=0).ravel() * scale
        return -float(value) / unit, -gradient / unit

    cells = np.arange(lower.size).reshape(shape)
    constraints = [LinearConstraint(np.ones((1, lower.size)), 1.0, 1.0)]
    if problem.geo_floor.size and problem.geo_floor.any():
        rows = np.zeros((shape[0], lower.size))
        for g in range(shape[0]):
            rows[g, cells[g]] = 1.0
        constraints.append(LinearConstraint(rows, problem.geo_floor / scale, np.inf))
    if problem.channel_min.size or problem.channel_max.size:
        rows = np.zeros((shape[1], lower.size))
        for c in range(shape[1]):
            rows[c, cells[:, c]] = 1.0
        low = problem.channel_min if problem.channel_min.size else np.zeros(shape[1])
        high = problem.channel_max if problem.channel_max.size else np.full(shape[1], np.inf)
        constraints.append(LinearConstraint(rows, low / scale, high / scale))
    result = minimize(
        objective,
        start,
        jac=True,
        method="SLSQP",
        bounds=Bounds(lower, upper),
        constraints=constraints,
        options={"maxiter": 1000, "ftol": 1e-9},
    )
    if not result.success:
        raise InfeasibleBudget(f"the optimizer did not converge: {result.message}")
    return np.clip(result.x, lower, upper).reshape(shape) * scale
