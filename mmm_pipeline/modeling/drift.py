"""Has the world moved away from the model in force? Actuals outside its predictive range.

A refresh attributes new weeks with the posterior fitted before them. While actuals stay
inside the model's predictive interval that is sound; when the total of every geo falls
outside it for ``DRIFT_WEEKS`` weeks in a row at the end of the data, something the model
does not know about happened (a new competitor, a price change, broken tracking), and
the model must be rebuilt, not refreshed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pymc_marketing.mmm import MMM

from mmm_pipeline.modeling.panel import DATE, GEO, TARGET, ModelPanel

DRIFT_WEEKS = 3
PREDICTED = "y_original_scale"


def trailing_misses(observed: np.ndarray, low: np.ndarray, high: np.ndarray) -> int:
    """How many of the last weeks in a row lie outside their interval.

    Returns
    -------
    int
        The length of the run of weeks, counted back from the last, where ``observed`` is
        below ``low`` or above ``high``; 0 when the last week is inside.
    """
    outside = (observed < low) | (observed > high)
    count = 0
    for miss in outside[::-1]:
        if not miss:
            break
        count += 1
    return count


def drift_message(
    mmm: MMM, panel: ModelPanel, frame: pd.DataFrame, last_fitted_week: pd.Timestamp, level: float
) -> str:
    """Why the model should be rebuilt, or "" when the weeks after its fit look like it.

    ``frame`` is the panel's inputs in the model's columns (``attribution.demand.model_frame``);
    only weeks after ``last_fitted_week`` (the last week of the model's own panel) count.

    Returns
    -------
    str
        The series, the number of trailing weeks whose all-geo actual lies outside the
        ``level`` predictive interval, and the last week's figures; "" when fewer than
        :data:`DRIFT_WEEKS` weeks are new or fewer than that many in a row miss.
    """
    dates = np.sort(frame[DATE].unique())
    new = dates[dates > np.datetime64(last_fitted_week)]
    if len(new) < DRIFT_WEEKS:
        return ""
    predicted = mmm.sample_posterior_predictive(
        frame, extend_idata=False, var_names=[PREDICTED], progressbar=False
    )[PREDICTED].sum(GEO)
    predicted = predicted.sel({DATE: new}).transpose("sample", DATE).values
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(predicted, [tail, 1.0 - tail], axis=0)
    geos = frame[GEO].unique()
    actual = panel.frame[panel.frame[GEO].isin(geos)].groupby(DATE)[TARGET].sum()
    observed = actual.reindex(pd.DatetimeIndex(new)).fillna(0.0).to_numpy()
    misses = trailing_misses(observed, low, high)
    if misses < DRIFT_WEEKS:
        return ""
    return (
        f"{panel.segment}/{panel.outcome}: the last {misses} weeks of actuals lie outside the "
        f"{level:.0%} predictive interval of the model in force (last week: "
        f"{observed[-1]:,.0f} against {low[-1]:,.0f} to {high[-1]:,.0f}); rebuild the model "
        "(refit), a refresh cannot absorb this"
    )
