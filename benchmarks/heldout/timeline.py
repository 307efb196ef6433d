"""The weeks of a scenario: the burn-in that is simulated but not delivered, then the history.

Every array of the business has one row per week of ``all_weeks``; the landing zone and
the ground truth only ever see ``history`` (ISO weeks named by their Monday).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Timeline:
    """``burn_in`` weeks before ``start`` (a Monday), then ``weeks`` delivered weeks."""

    start: date
    burn_in: int
    weeks: int

    def __post_init__(self) -> None:
        if self.start.weekday() != 0:
            raise ValueError(f"a timeline starts on a Monday, {self.start} is not one")

    @property
    def total(self) -> int:
        """Simulated weeks, burn-in included."""
        return self.burn_in + self.weeks

    @property
    def all_weeks(self) -> pd.DatetimeIndex:
        """Monday of every simulated week."""
        first = self.start - timedelta(weeks=self.burn_in)
        return pd.date_range(first, periods=self.total, freq="7D")

    @property
    def history(self) -> slice:
        """The delivered weeks as a slice of ``all_weeks``."""
        return slice(self.burn_in, self.total)

    @property
    def history_weeks(self) -> pd.DatetimeIndex:
        """Monday of every delivered week."""
        return self.all_weeks[self.history]

    def index_of(self, history_week: int) -> int:
        """Row in ``all_weeks`` of the delivered week with this number (0 = first)."""
        return self.burn_in + history_week

    def years_since_start(self) -> np.ndarray:
        """Time in years from the first delivered week (negative in the burn-in)."""
        return (np.arange(self.total) - self.burn_in) / 52.0

    def midweek_day_of_year(self) -> np.ndarray:
        """Day of the year of each week's Thursday, the day a week's seasonality is read."""
        thursdays = self.all_weeks + pd.Timedelta(days=3)
        return thursdays.dayofyear.to_numpy().astype(float)
