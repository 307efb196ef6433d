"""Which outcome each outcome is made from, found from the weekly series, not from names.

A funnel (funnel.py) carries the upstream model's channel split into a downstream
series that has no clicks or survey of its own. Users name their outcomes as their CRM
and forms do (``signup``, ``lead``, ``mql``, ``demo``, in any language), so the link
cannot come from the names. It comes from the data:

* every outcome without clicks of its own (no last click in the marts: delivered
  through ``outcomes/``, as CRM pipeline is) in a segment with other outcomes is a
  downstream candidate of each of them;
* on forward-chaining folds (the last ``folds`` blocks of ``fold_weeks`` weeks), *no
  funnel* (each geo's level, a shared trend and a yearly season) and the funnel (the
  same plus the upstream series through a gamma lag, the lag from
  :func:`funnel.fit_lag_grid`) are fitted on the weeks before a block and predict it;
* a candidate is linked where the funnel's held-out squared error, summed over the
  folds, is at most ``max_error_ratio`` times no funnel's, and its conversion rate on
  all the weeks is positive at ``min_rate_z`` standard errors; of several, the smallest
  ratio wins, and a link that would close a cycle is not made.

``model.yaml`` may declare a link (made whatever the test says, its score still
recorded) or forbid one: ``funnel.downstream_of: {pipeline: demo_request}`` or
``{pipeline: none}``. Every candidate and the decision on it is a row of
``mmm.funnel_links``; the fits read their upstream from there.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from mmm_pipeline.modeling.funnel import (
    GEO,
    WEEK,
    estimate_funnel,
    fit_lag_grid,
    lag_weights,
    lagged_upstream,
    upstream_chain,
    weekly_grid,
)
from mmm_pipeline.modeling.specification import FunnelConfig

# An outcome declared with this upstream has no funnel, whatever the data say.
NO_FUNNEL = "none"
YEAR_WEEKS = 365.25 / 7
LINKED = "linked"
NOT_LINKED = "not linked"
FUNNEL_LINK_COLUMNS = {
    "segment": "VARCHAR",
    "outcome": "VARCHAR",
    "upstream": "VARCHAR",
    "decision": "VARCHAR",
    "reason": "VARCHAR",
    # The funnel's held-out squared error over no funnel's (below 1: it predicts better).
    "heldout_error_ratio": "DOUBLE",
    "folds": "INTEGER",
    "rate": "DOUBLE",
    "rate_se": "DOUBLE",
    "lag_mean_weeks": "DOUBLE",
    "lag_sd_weeks": "DOUBLE",
    "through_share": "DOUBLE",
}


def calendar(weeks: int) -> np.ndarray:
    """A linear trend and a two-harmonic yearly season, one row per week.

    Returns
    -------
    numpy.ndarray
        Shape (weeks, 5): weeks / 52, then sine and cosine of one and two cycles a year.
    """
    t = np.arange(weeks, dtype=float)
    angle = 2 * np.pi * t / YEAR_WEEKS
    return np.column_stack(
        [t / 52, np.sin(angle), np.cos(angle), np.sin(2 * angle), np.cos(2 * angle)]
    )


def held_out_error_ratio(
    downstream: pd.DataFrame, upstream: pd.DataFrame, config: FunnelConfig
) -> tuple[float, int]:
    """The funnel's squared error on held-out weeks over no funnel's, and the folds used.

    Both frames are long (``week_start, geo, conversions``). Each fold holds out
    ``fold_weeks`` weeks, the latest first, and fits on every week before them. No
    funnel is each geo's level with a shared trend and season (:func:`calendar`); the
    funnel adds the lagged upstream series to it. So a series that only shares the
    calendar with the upstream one gains nothing from it.

    Returns
    -------
    tuple of (float, int)
        The ratio (NaN when no fold could be scored: too short a history, or no funnel
        with a positive rate fitted) and the number of folds scored.
    """
    geos = sorted(set(downstream[GEO]) & set(upstream[GEO]))
    weeks = pd.Index(sorted(set(downstream[WEEK]) | set(upstream[WEEK])))
    down, up = weekly_grid(downstream, weeks, geos), weekly_grid(upstream, weeks, geos)
    season = calendar(len(weeks))
    funnel_error = calendar_error = 0.0
    folds = 0
    for fold in range(1, config.folds + 1):
        start = len(weeks) - fold * config.fold_weeks
        if start - config.max_lag_weeks < config.min_training_weeks:
            break
        errors = _fold_errors(down, up, season, start, config)
        if errors is not None:
            funnel_error, calendar_error = funnel_error + errors[0], calendar_error + errors[1]
            folds += 1
    if folds == 0 or calendar_error <= 0:
        return float("nan"), folds
    return funnel_error / calendar_error, folds


def _fold_errors(
    down: np.ndarray, up: np.ndarray, season: np.ndarray, start: int, config: FunnelConfig
) -> tuple[float, float] | None:
    """(funnel, no funnel) squared errors on the ``fold_weeks`` from ``start``.

    Both are fitted on the weeks before ``start`` where the lag window is full.

    Returns
    -------
    tuple of float or None
        Summed over the held-out weeks and geos with a value; None when no funnel with a
        positive rate fits the training weeks.
    """
    training = down.copy()
    training[start:] = np.nan
    fit = fit_lag_grid(training, up, config.max_lag_weeks, season)
    if fit is None or fit.rate <= 0:
        return None
    lagged = lagged_upstream(up, lag_weights(fit.lag_mean, fit.lag_sd, config.max_lag_weeks))
    n_geos = down.shape[1]
    held = slice(start, start + config.fold_weeks)
    levels = fit.coef[1 : 1 + n_geos]
    funnel = fit.rate * lagged[held] + levels + (season[held] @ fit.coef[1 + n_geos :])[:, None]
    rows = np.isfinite(training) & np.isfinite(lagged)
    week, geo = np.nonzero(rows)
    design = np.hstack([np.eye(n_geos)[geo], season[week]])
    coef, *_ = np.linalg.lstsq(design, training[rows], rcond=None)
    no_funnel = coef[:n_geos] + (season[held] @ coef[n_geos:])[:, None]
    actual = down[held]
    scored = np.isfinite(actual)
    return (
        float(((actual - funnel)[scored] ** 2).sum()),
        float(((actual - no_funnel)[scored] ** 2).sum()),
    )


def funnel_links(
    weekly: pd.DataFrame, clicked: Iterable[tuple[str, str]], config: FunnelConfig
) -> pd.DataFrame:
    """Every funnel candidate of every segment, scored, and the links made.

    ``weekly`` is ``marts.fct_conversions_weekly`` (``week_start, geo, segment,
    outcome, conversions``); ``clicked`` the (segment, outcome) pairs with last clicks.

    Returns
    -------
    pandas.DataFrame
        One row per (segment, downstream candidate, upstream candidate) with the
        columns of :data:`FUNNEL_LINK_COLUMNS`, sorted; at most one ``linked`` row per
        downstream outcome, and no chain of links that comes back to where it started.
    """
    clicked = set(clicked)
    rows = []
    for segment, frame in weekly.groupby("segment", sort=True):
        series = {outcome: rows for outcome, rows in frame.groupby("outcome", sort=True)}
        for outcome in series:
            declared = config.downstream_of.get(outcome)
            candidates = [o for o in series if o != outcome]
            if not candidates or ((segment, outcome) in clicked and declared is None):
                continue
            for upstream in candidates:
                rows.append(_scored(segment, outcome, upstream, series, declared, config))
    table = pd.DataFrame(rows, columns=[*FUNNEL_LINK_COLUMNS, "declared"])
    return _decide(table, config).sort_values(["segment", "outcome", "upstream"], ignore_index=True)


def _scored(
    segment: str,
    outcome: str,
    upstream: str,
    series: dict[str, pd.DataFrame],
    declared: str | None,
    config: FunnelConfig,
) -> dict:
    """One candidate's row: its held-out score and the funnel on all the weeks.

    Returns
    -------
    dict
        The columns of :data:`FUNNEL_LINK_COLUMNS` (decision and reason still empty) and
        ``declared``, what ``model.yaml`` says of the outcome.
    """
    down, up = series[outcome], series[upstream]
    ratio, folds = held_out_error_ratio(down, up, config)
    funnel = estimate_funnel(down, up, upstream, config.max_lag_weeks)
    return {
        "segment": segment,
        "outcome": outcome,
        "upstream": upstream,
        "decision": None,
        "reason": None,
        "heldout_error_ratio": ratio,
        "folds": folds,
        "rate": funnel.rate if funnel else None,
        "rate_se": funnel.rate_se if funnel else None,
        "lag_mean_weeks": funnel.lag_mean if funnel else None,
        "lag_sd_weeks": funnel.lag_sd if funnel else None,
        "through_share": funnel.through_share if funnel else None,
        "declared": declared,
    }


def _decide(table: pd.DataFrame, config: FunnelConfig) -> pd.DataFrame:
    """Fill ``decision`` and ``reason``: per outcome the best passing candidate, no cycles.

    Outcomes are linked strongest first (smallest held-out ratio, a declared link before
    any), so where two links would make a cycle the weaker one is dropped.

    Returns
    -------
    pandas.DataFrame
        ``table`` with every row decided, without the helper ``declared`` column.
    """
    if table.empty:
        return table.drop(columns="declared", errors="ignore")
    verdicts = [_verdict(row, config) for _, row in table.iterrows()]
    table["decision"] = NOT_LINKED
    table["reason"] = [reason for _, reason in verdicts]
    passing = table[[ok for ok, _ in verdicts]]
    ranked = passing.assign(
        undeclared=passing["declared"].isna(), ratio=passing["heldout_error_ratio"].fillna(np.inf)
    ).sort_values(["undeclared", "ratio", "segment", "outcome", "upstream"])
    linked: dict[tuple[str, str], str] = {}
    for index, row in ranked.iterrows():
        key = (row["segment"], row["outcome"])
        if key in linked:
            table.loc[index, "reason"] += f"; {linked[key]} predicts the held-out weeks better"
        elif _closes_cycle(linked, row["segment"], row["outcome"], row["upstream"]):
            table.loc[index, "reason"] += "; would close a cycle of links"
        else:
            linked[key] = row["upstream"]
            table.loc[index, "decision"] = LINKED
    return table.drop(columns="declared")


def _verdict(row: pd.Series, config: FunnelConfig) -> tuple[bool, str]:
    """Whether the row may be linked, and why (or why not) in words.

    Returns
    -------
    tuple of (bool, str)
        True for a declared link or one that passes the held-out test and the rate's.
    """
    declared = row["declared"]
    score = (
        f"held-out error {row['heldout_error_ratio']:.2f} of no funnel's over {row['folds']} folds"
        if np.isfinite(row["heldout_error_ratio"])
        else "no held-out score (too short a history, or no funnel fits)"
    )
    if declared == NO_FUNNEL:
        return False, f"forbidden in model.yaml; {score}"
    if declared is not None:
        if declared == row["upstream"]:
            return True, f"declared in model.yaml; {score}"
        return False, f"model.yaml declares {declared}"
    if pd.isna(row["rate"]) or row["rate"] <= 0:
        return False, "no positive conversion rate from this outcome"
    if row["rate"] < config.min_rate_z * row["rate_se"]:
        return False, f"conversion rate within {config.min_rate_z:g} standard errors of zero"
    if not row["heldout_error_ratio"] <= config.max_error_ratio:
        return False, f"{score}, above {config.max_error_ratio:g}"
    return True, score


def _closes_cycle(
    linked: dict[tuple[str, str], str], segment: str, outcome: str, upstream: str
) -> bool:
    """Whether linking ``outcome`` to ``upstream`` makes a cycle.

    Returns
    -------
    bool
        True when ``upstream`` is ``outcome`` or is made, through ``linked``, from it.
    """
    return outcome == upstream or outcome in upstream_chain(linked, segment, upstream)


def linked_upstreams(table: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(segment, outcome) -> the outcome it is made from, for the linked rows of ``table``.

    Returns
    -------
    dict
        One entry per linked downstream series.
    """
    rows = table[table["decision"] == LINKED]
    return {(r.segment, r.outcome): r.upstream for r in rows.itertuples()}
