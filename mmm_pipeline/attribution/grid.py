"""The (week, geo, channel) arrays one series' attribution is computed on.

Click credit, observed totals and the model's demand draws arrive as long frames or as
labelled xarray draws; every step of the attribution works on plain arrays in the same
axis order, so each input is put on the series' grid once, here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from mmm_pipeline.modeling.panel import DATE, GEO


@dataclass(frozen=True)
class Grid:
    """The axes of one series' arrays: weeks, geos, channels."""

    weeks: list[pd.Timestamp]
    geos: list[str]
    channels: list[str]

    def array(self, long: pd.DataFrame, column: str) -> np.ndarray:
        """``week_start, geo, channel, <column>`` rows as a (week, geo, channel) array.

        Parameters
        ----------
        long
            Rows with columns ``week_start``, ``geo``, ``channel`` and ``column``.
        column
            The column to spread over the grid.

        Returns
        -------
        numpy.ndarray
            Shape (weeks, geos, channels): the sum of ``column`` per cell, 0 for cells
            without rows; rows outside the grid's weeks, geos or channels are left out.
        """
        index = pd.MultiIndex.from_product([self.weeks, self.geos], names=["week_start", GEO])
        if long.empty:
            return np.zeros((len(self.weeks), len(self.geos), len(self.channels)))
        long = long.assign(week_start=pd.to_datetime(long["week_start"]))
        wide = long.pivot_table(
            index=["week_start", GEO], columns="channel", values=column, aggfunc="sum"
        )
        wide = wide.reindex(index=index, columns=self.channels).fillna(0.0)
        return wide.to_numpy().reshape(len(self.weeks), len(self.geos), len(self.channels))


def on_observed(credit: np.ndarray, observed_total: np.ndarray) -> np.ndarray:
    """Scale a (week, geo, channel) credit to the mart's totals where they differ by rounding.

    The mart rounds value to 1/100 of a cent; credit summed from single conversions
    differs from it in the last digits. A larger gap is a real mismatch and is left for
    the ``conversions_conserved`` check to report.

    Returns
    -------
    numpy.ndarray
        ``credit``, scaled per week and geo to add up to the mart's total exactly where
        it was off by rounding only; other weeks and geos unchanged.
    """
    total = credit.sum(axis=-1)
    close = np.isclose(total, observed_total, rtol=1e-6, atol=1e-3) & (total > 0)
    factor = np.where(close, observed_total / np.where(total > 0, total, 1.0), 1.0)
    return credit * factor[..., None]


def demand_on_grid(demand: xr.DataArray, grid: Grid) -> np.ndarray:
    """The model's (sample, date, geo, channel) draws on the grid, zero where it is silent.

    Returns
    -------
    numpy.ndarray
        Shape (samples, weeks, geos, channels) in the grid's order; 0 for the weeks, geos
        and channels the model has no draws of.
    """
    demand = demand.assign_coords({DATE: pd.to_datetime(demand[DATE].values)})
    aligned = demand.reindex(
        {DATE: grid.weeks, GEO: grid.geos, "channel": grid.channels}, fill_value=0.0
    )
    return aligned.transpose("sample", DATE, GEO, "channel").values
