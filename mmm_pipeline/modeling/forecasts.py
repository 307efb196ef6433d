"""Each model's forecasts, scored against actual weeks it did not see.

A model is fitted on all but its last ``holdout_weeks``; from the week after its last
training week on, every week is a forecast it can be held to. The forecast uses the
week's actual spend and controls, so what is scored is the model, not a guess of the
plan: the all-geo total's posterior predictive (noise included), its interval at the
reporting level, whether the actual fell inside, and the CRPS of the predictive draws
(a proper score: it rewards a sharp forecast only when it is also right).

Scoring is per week; :func:`accuracy_summary` rolls it up per series and model, and
:func:`coverage_shortfall` says when a model's intervals miss far more often than their
level allows, the signal to rebuild it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from pymc_marketing.mmm import MMM
from scipy import stats

from mmm_pipeline.modeling.panel import DATE, GEO, TARGET
from mmm_pipeline.modeling.posterior import interval

PREDICTED = "y_original_scale"
FORECAST_ACCURACY = "mmm.forecast_accuracy"
FORECAST_ACCURACY_COLUMNS = {
    "segment": "VARCHAR",
    "outcome": "VARCHAR",
    "run_id": "VARCHAR",
    "week_start": "DATE",
    "horizon_weeks": "INTEGER",
    "actual": "DOUBLE",
    "forecast": "DOUBLE",
    "forecast_low": "DOUBLE",
    "forecast_high": "DOUBLE",
    "in_interval": "BOOLEAN",
    "crps": "DOUBLE",
}
LABELS = ("segment", "outcome", "run_id")
# Predictive noise drawn with a fixed seed: the same model and weeks score the same.
FORECAST_SEED = 7
# A model's coverage is "well below" its level when, with at least this many weeks
# scored, so few hits would happen by chance less than SHORTFALL_P of the time.
MIN_SCORED_WEEKS = 6
SHORTFALL_P = 0.01


def predict_after(mmm: MMM, frame: pd.DataFrame) -> xr.DataArray:
    """The predictive draws of the weeks in ``frame``, all after the model's training weeks.

    ``frame`` is in the model's columns (``attribution.demand.model_frame``) and starts the
    week after the last training week, so the adstock carries over from the training
    weeks (``include_last_observations``).

    Returns
    -------
    xarray.DataArray
        Dimensions ``date``, ``geo``, ``sample``: the outcome in its own units.
    """
    return mmm.sample_posterior_predictive(
        frame,
        extend_idata=False,
        include_last_observations=True,
        var_names=[PREDICTED],
        random_seed=FORECAST_SEED,
        progressbar=False,
    )[PREDICTED]


def crps(draws: np.ndarray, actual: float) -> float:
    """The continuous ranked probability score of ``draws`` for ``actual`` (lower is better).

    Returns
    -------
    float
        ``E|X - y| - E|X - X'| / 2`` over the draws, in the outcome's units; computed
        from the sorted draws in O(n log n).
    """
    ordered = np.sort(np.asarray(draws, dtype=float))
    n = len(ordered)
    spread = np.sum((2 * np.arange(1, n + 1) - n - 1) * ordered) / (n * n)
    return float(np.mean(np.abs(ordered - actual)) - spread)


def scored_weeks(
    predicted: xr.DataArray, actual: pd.Series, trained_until: pd.Timestamp, level: float
) -> pd.DataFrame:
    """Score every predicted week against its actual, the total over the model's geos.

    Parameters
    ----------
    predicted
        Predictive draws with dimensions ``date``, ``geo`` and ``sample``
        (:func:`predict_after`).
    actual
        The actual outcome per week (the total over the same geos), indexed by date;
        weeks without an actual are not scored.
    trained_until
        The model's last training week: horizon 1 is the week after it.
    level
        The interval's probability mass, e.g. 0.9.

    Returns
    -------
    pandas.DataFrame
        One row per week: ``week_start``, ``horizon_weeks``, ``actual``, ``forecast`` (the
        predictive mean), ``forecast_low``, ``forecast_high``, ``in_interval``, ``crps``.
    """
    total = predicted.sum(GEO).transpose(DATE, ...)
    rows = []
    for date, draws in zip(total[DATE].values, total.values, strict=True):
        week = pd.Timestamp(date)
        if week not in actual.index or pd.isna(actual[week]):
            continue
        observed = float(actual[week])
        mean, low, high = interval(draws, level)
        rows.append(
            {
                "week_start": week.date(),
                "horizon_weeks": round((week - trained_until).days / 7),
                "actual": observed,
                "forecast": mean,
                "forecast_low": low,
                "forecast_high": high,
                "in_interval": bool(low <= observed <= high),
                "crps": crps(draws, observed),
            }
        )
    return pd.DataFrame(rows, columns=[c for c in FORECAST_ACCURACY_COLUMNS if c not in LABELS])


def actual_totals(frame: pd.DataFrame, geos: list[str]) -> pd.Series:
    """The outcome per week summed over ``geos``, from a panel frame with the target.

    Returns
    -------
    pandas.Series
        Indexed by week (Timestamp), sorted.
    """
    return frame[frame[GEO].isin(geos)].groupby(DATE)[TARGET].sum().sort_index()


def accuracy_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Per series and model: weeks scored, interval coverage, MAPE and mean CRPS.

    Returns
    -------
    pandas.DataFrame
        Columns ``segment``, ``outcome``, ``run_id``, ``weeks``, ``last_week``,
        ``longest_horizon_weeks``, ``inside`` (weeks inside the interval), ``coverage``,
        ``mape`` (over weeks with a positive
        actual), ``crps``; one row per model with scored weeks.
    """
    if rows.empty:
        return pd.DataFrame()
    rows = rows.assign(
        error=np.where(
            rows["actual"] > 0, (rows["forecast"] - rows["actual"]).abs() / rows["actual"], np.nan
        )
    )
    return (
        rows.groupby(list(LABELS))
        .agg(
            weeks=("week_start", "count"),
            last_week=("week_start", "max"),
            longest_horizon_weeks=("horizon_weeks", "max"),
            inside=("in_interval", "sum"),
            coverage=("in_interval", "mean"),
            mape=("error", "mean"),
            crps=("crps", "mean"),
        )
        .reset_index()
    )


def coverage_shortfall(weeks: int, hits: int, level: float) -> bool:
    """True when ``hits`` of ``weeks`` inside a ``level`` interval is far too few to be luck.

    A well-calibrated model's hits are Binomial(weeks, level); fewer than that by more
    than chance explains (P <= :data:`SHORTFALL_P`), over at least
    :data:`MIN_SCORED_WEEKS` weeks, means the intervals no longer describe the data.

    Returns
    -------
    bool
        Whether the coverage is well below the level.
    """
    if weeks < MIN_SCORED_WEEKS:
        return False
    return bool(stats.binom.cdf(hits, weeks, level) <= SHORTFALL_P)
