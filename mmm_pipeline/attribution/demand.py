"""What the model in force says each channel caused, week by week, on today's data.

Attribution uses the last accepted model of a series (``mmm.model_runs``), loaded from
its saved file, on the current panel: weeks delivered after the fit are attributed
with the same posterior (a refresh, not a refit). Geos or channels the model was not
fitted on get no modelled demand; a new one is a reason to refit, not something to
guess here.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import xarray as xr
from pymc_marketing.mmm import MMM

from mmm_pipeline.modeling.panel import DATE, GEO, TARGET, ModelPanel
from mmm_pipeline.modeling.posterior import SAMPLE, contribution_draws

log = logging.getLogger(__name__)


def model_frame(panel_frame: pd.DataFrame, mmm: MMM, geos: list[str]) -> pd.DataFrame:
    """The panel with exactly the model's geos and input columns (zeros where absent)."""
    frame = panel_frame[panel_frame[GEO].isin(geos)].drop(columns=[TARGET])
    columns = [*mmm.channel_columns, *(mmm.control_columns or [])]
    for column in columns:
        if column not in frame:
            frame[column] = 0.0
    return frame[[DATE, GEO, *columns]].reset_index(drop=True)


def demand_draws(panel: ModelPanel, mmm: MMM, samples: int) -> xr.DataArray:
    """Incremental conversions per (sample, date, geo, channel) from the model in force.

    ``samples`` draws are taken evenly over the posterior, so the result is the same on
    every run.
    """
    series = f"{panel.segment} x {panel.outcome}"
    model_geos = [str(g) for g in mmm.idata.posterior.coords[GEO].values]
    missing = sorted(set(panel.geos) - set(model_geos))
    if missing:
        log.warning(
            "%s: geos %s are not in the model in force; refit to attribute them", series, missing
        )
    extra = sorted(set(panel.channels) - set(mmm.channel_columns))
    if extra:
        log.warning(
            "%s: channels %s are not in the model in force; refit to attribute them",
            series,
            extra,
        )
    frame = model_frame(panel.frame, mmm, [g for g in model_geos if g in panel.geos])
    draws = contribution_draws(mmm, frame)
    picked = np.linspace(0, draws.sizes[SAMPLE] - 1, min(samples, draws.sizes[SAMPLE]))
    return draws.isel({SAMPLE: np.rint(picked).astype(int)})
