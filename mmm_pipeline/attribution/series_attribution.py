"""``mmm.attribution_weekly`` and ``mmm.attribution_shift`` for one segment x outcome.

Every click-based model (``click_models.py``) is published for every series with
conversions; when survey answers exist, Word of Mouth comes out of the demand-capture
channels in each of them (``word_of_mouth.py``). The ``mmm`` model starts from the
last-click credit and moves the pool as ``redistribution.py`` describes, once per
posterior draw of the model in force.

Why last click and not data-driven as the start: the data-driven model already hands
most of the pool to the channels that sit on many journeys (organic search above all),
so little is left to pay the demand the MMM finds, and the survey's Word of Mouth,
which converts through the pool, cannot be paid either. On the demo's self-serve
signups, against the true source of every conversion (``benchmarks/attribution.py``),
the MMM misattributed 3.7% of conversions starting from last click and 9.2% starting
from data-driven (last click alone: 19.4%), with Word of Mouth at 4.6% against 1.8%
(truth 4.9%).
Outcomes delivered only in aggregate have no clicks: everything starts under
``baseline`` and the model's demand is paid out of it.

Each cell is published as the mean over draws (so cells add up to the observed totals)
with an equal-tailed interval at the configured level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from duckdb import DuckDBPyConnection

from mmm_pipeline.attribution.click_models import CLICK_MODELS
from mmm_pipeline.attribution.grid import Grid, demand_on_grid, on_observed
from mmm_pipeline.attribution.redistribution import CreditDraws, redistribute
from mmm_pipeline.attribution.shift import ATTRIBUTION_SHIFT_COLUMNS, attribution_shift
from mmm_pipeline.attribution.word_of_mouth import (
    WORD_OF_MOUTH,
    has_word_of_mouth,
    wom_share_draws,
)
from mmm_pipeline.modeling.panel import GEO
from mmm_pipeline.modeling.series import Series

MMM_MODEL = "mmm"
BASELINE = "baseline"
LAST_CLICK = "last_click"
# Posterior draws carried through the attribution (evenly spaced over the chains).
SAMPLES = 200
SEED = 20_240_101

ATTRIBUTION_WEEKLY_COLUMNS = {
    "week_start": "DATE",
    "geo": "VARCHAR",
    "segment": "VARCHAR",
    "outcome": "VARCHAR",
    "model": "VARCHAR",
    "channel": "VARCHAR",
    "conversions": "DOUBLE",
    "conversions_low": "DOUBLE",
    "conversions_high": "DOUBLE",
    "value": "DOUBLE",
    "value_low": "DOUBLE",
    "value_high": "DOUBLE",
    # The mmm.model_runs run whose posterior moved the credit (mmm rows only).
    "run_id": "VARCHAR",
}


@dataclass(frozen=True)
class SeriesAttribution:
    """The published rows of one series."""

    weekly: pd.DataFrame
    shift: pd.DataFrame


def observed(conn: DuckDBPyConnection, series: Series) -> pd.DataFrame:
    """Observed conversions and value per week and geo of a series.

    Parameters
    ----------
    conn
        A connection to a warehouse with ``marts.fct_conversions_weekly``.
    series
        The segment x outcome to read.

    Returns
    -------
    pandas.DataFrame
        Columns ``week_start``, ``geo``, ``conversions``, ``value`` (money), one row per
        delivered week and geo, sorted by week, then geo.
    """
    return conn.execute(
        "select week_start, geo, conversions, value from marts.fct_conversions_weekly "
        "where segment = ? and outcome = ? order by week_start, geo",
        [series.segment, series.outcome],
    ).df()


def demand_capture_channels(conn: DuckDBPyConnection) -> list[str]:
    """The channels that hold the pool (``is_demand_capture`` in the channels seed).

    Parameters
    ----------
    conn
        A connection to a warehouse with ``seeds.channels``.

    Returns
    -------
    list of str
        The channel names, sorted.
    """
    rows = conn.execute(
        "select channel from seeds.channels where is_demand_capture order by channel"
    ).fetchall()
    return [row[0] for row in rows]


def _summary(
    draws: CreditDraws, grid: Grid, level: float, labels: dict[str, str | None]
) -> pd.DataFrame:
    """Mean and equal-tailed interval per cell, as contract rows (empty cells dropped).

    Returns
    -------
    pandas.DataFrame
        Columns of ``ATTRIBUTION_WEEKLY_COLUMNS``: one row per week, geo and channel that
        has conversions or value in at least one draw, ``week_start`` as a date, the other
        labels from ``labels``.
    """
    tail = (1.0 - level) / 2.0
    columns = {}
    for name, values in (("conversions", draws.conversions), ("value", draws.value)):
        low, high = np.quantile(values, [tail, 1.0 - tail], axis=0)
        columns[name] = values.mean(axis=0).ravel()
        columns[f"{name}_low"] = low.ravel()
        columns[f"{name}_high"] = high.ravel()
    index = pd.MultiIndex.from_product(
        [grid.weeks, grid.geos, grid.channels], names=["week_start", GEO, "channel"]
    )
    frame = pd.DataFrame(columns, index=index).reset_index()
    # A cell is empty only when every draw is 0: a channel paid in a few draws has a
    # zero interval but a mean that the cell's total needs.
    keep = (draws.conversions != 0).any(axis=0).ravel() | (draws.value != 0).any(axis=0).ravel()
    frame = frame[keep].assign(**labels)
    frame["week_start"] = frame["week_start"].dt.date
    return frame[list(ATTRIBUTION_WEEKLY_COLUMNS)]


def series_attribution(
    series: Series,
    observed_cells: pd.DataFrame,
    clicks: pd.DataFrame,
    survey: pd.DataFrame,
    pool_channels: list[str],
    level: float,
    demand: Callable[[int], xr.DataArray] | None = None,
    run_id: str | None = None,
) -> SeriesAttribution:
    """Every model's weekly credit for one series, and its last click to MMM shift.

    Parameters
    ----------
    series
        The segment x outcome the rows are labelled with.
    observed_cells
        ``week_start, geo, conversions, value`` of the series.
    clicks
        Click-based credit of the series (``click_attribution`` rows); empty for outcomes
        delivered in aggregate.
    survey
        ``survey_counts`` of the series.
    pool_channels
        The demand-capture channels.
    level
        Probability mass of the published intervals, e.g. 0.9.
    demand
        Called with a number of samples, returns the model in force's contribution
        draws (``demand_draws``); None when the series has no accepted model.
    run_id
        The ``mmm.model_runs`` run of the model in force, written on the ``mmm`` rows.

    Returns
    -------
    SeriesAttribution
        ``weekly``: the rows of every click-based model with credit, and of ``mmm`` when
        there is a model; ``shift``: one row per channel, only when there is a model and
        last-click credit (else empty).
    """
    weeks = sorted(pd.to_datetime(observed_cells["week_start"]).unique())
    geos = sorted(observed_cells[GEO].unique())
    modelled = demand(SAMPLES) if demand is not None else None
    with_wom = has_word_of_mouth(survey)
    channels = set(clicks["channel"]) | set(pool_channels)
    if modelled is not None:
        channels |= {str(c) for c in modelled["channel"].values}
    if with_wom:
        channels.add(WORD_OF_MOUTH)
    if clicks.empty:
        channels.add(BASELINE)
    grid = Grid([pd.Timestamp(w) for w in weeks], geos, sorted(channels))
    pool = np.isin(grid.channels, pool_channels)
    wom = grid.channels.index(WORD_OF_MOUTH) if with_wom else None
    rng = np.random.default_rng(SEED)
    samples = SAMPLES if with_wom else 1
    shares = wom_share_draws(survey, grid.geos, grid.channels, samples, rng)
    labels = {"segment": series.segment, "outcome": series.outcome, "run_id": None}

    cells = observed_cells.assign(channel=BASELINE)
    totals_grid = Grid(grid.weeks, grid.geos, [BASELINE])
    observed_totals = tuple(
        totals_grid.array(cells, column)[..., 0] for column in ("conversions", "value")
    )
    frames, credit = [], {}
    for model in CLICK_MODELS:
        rows = clicks[clicks["model"] == model]
        if rows.empty:
            continue
        credit[model] = (
            on_observed(grid.array(rows, "conversions"), observed_totals[0]),
            on_observed(grid.array(rows, "value"), observed_totals[1]),
        )
        draws = redistribute(*credit[model], pool, shares, wom)
        frames.append(_summary(draws, grid, level, {**labels, "model": model}))

    shift = pd.DataFrame(columns=list(ATTRIBUTION_SHIFT_COLUMNS))
    if modelled is not None:
        if credit:
            base = credit[LAST_CLICK]
            mmm_pool, mmm_wom = pool, wom
        else:
            base = (grid.array(cells, "conversions"), grid.array(cells, "value"))
            mmm_pool, mmm_wom = np.isin(grid.channels, [BASELINE]), None
        needed = modelled.sizes["sample"]
        if shares.shape[0] != needed:
            shares = wom_share_draws(survey, grid.geos, grid.channels, needed, rng)
        draws = redistribute(*base, mmm_pool, shares, mmm_wom, demand_on_grid(modelled, grid))
        mmm_labels = {**labels, "model": MMM_MODEL, "run_id": run_id}
        frames.append(_summary(draws, grid, level, mmm_labels))
        if LAST_CLICK in credit:
            shift = attribution_shift(
                series, grid, credit[LAST_CLICK][0], draws, level, run_id or ""
            )
    weekly = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=list(ATTRIBUTION_WEEKLY_COLUMNS))
    )
    return SeriesAttribution(weekly=weekly, shift=shift)
