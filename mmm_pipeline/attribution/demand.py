"""What the model in force says each channel caused, week by week, on today's data.

Attribution uses the last accepted model of a series (``mmm.model_runs``), loaded from
its saved file, on the current panel: weeks delivered after the fit are attributed
with the same posterior (a refresh, not a refit). Geos or channels the model was not
fitted on get no modelled demand; a new one is a reason to refit, not something to
guess here.
"""

from __future__ import annotations

import pandas as pd
import xarray as xr
from pymc_marketing.mmm import MMM

from mmm_pipeline.modeling.panel import DATE, GEO, TARGET, ModelPanel
from mmm_pipeline.modeling.posterior import SAMPLE, contribution_draws
from mmm_pipeline.modeling.response import evenly_spaced


def model_frame(panel: ModelPanel, mmm: MMM) -> pd.DataFrame:
    """The panel's inputs in the model's columns (zeros where absent), in the geos it knows.

    Geos and channels the model never saw are reported by the ``models_cover_the_data``
    check (``tables.coverage_gaps``), not guessed at here.

    Parameters
    ----------
    panel
        Today's weekly panel of the series (as from ``build_panel``).
    mmm
        The model in force, loaded from its saved file.

    Returns
    -------
    pandas.DataFrame
        Columns ``date``, ``geo``, then the model's channel and control columns, one row
        per week and geo of the panel in a geo the model was fitted on; no target column.
    """
    model_geos = {str(g) for g in mmm.idata.posterior.coords[GEO].values}
    frame = panel.frame[panel.frame[GEO].isin(model_geos)].drop(columns=[TARGET])
    columns = [*mmm.channel_columns, *(mmm.control_columns or [])]
    for column in columns:
        if column not in frame:
            frame[column] = 0.0
    return frame[[DATE, GEO, *columns]].reset_index(drop=True)


def demand_draws(mmm: MMM, frame: pd.DataFrame, samples: int) -> xr.DataArray:
    """Incremental conversions per (sample, date, geo, channel) for ``model_frame``'s spend.

    ``samples`` draws are taken evenly over the posterior, so the result is the same on
    every run.

    Parameters
    ----------
    mmm
        The model in force.
    frame
        Its inputs, as from :func:`model_frame`.
    samples
        How many posterior draws to keep; all of them when the posterior has fewer.

    Returns
    -------
    xarray.DataArray
        Dimensions ``sample``, ``date``, ``geo``, ``channel``: the conversions each
        channel caused in each week and geo, in the outcome's own units (not scaled).
    """
    draws = contribution_draws(mmm, frame)
    return draws.isel({SAMPLE: evenly_spaced(draws.sizes[SAMPLE], samples)})
