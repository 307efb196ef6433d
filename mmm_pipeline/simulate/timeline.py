"""The simulated calendar: days, ISO weeks and the seconds they start at."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mmm_pipeline.simulate.config import SimulationConfig

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Timeline:
    """Days and weeks of the history; week ``w`` holds days ``7w .. 7w + 6``."""

    days: np.ndarray
    week_starts: np.ndarray

    @property
    def n_weeks(self) -> int:
        """Number of weeks."""
        return len(self.week_starts)

    @property
    def n_days(self) -> int:
        """Number of days."""
        return len(self.days)

    @property
    def week_of_day(self) -> np.ndarray:
        """Week index of every day."""
        return np.arange(self.n_days) // 7

    @property
    def week_start_seconds(self) -> np.ndarray:
        """Unix seconds of every week's Monday 00:00 UTC."""
        return self.week_starts.astype("datetime64[s]").astype(np.int64)

    @property
    def week_years(self) -> np.ndarray:
        """Fractional years since the start, at each week's Thursday (the ISO week's middle)."""
        return (np.arange(self.n_weeks) * 7 + 3) / 365.25

    def week_day_of_year(self) -> np.ndarray:
        """Day of year (0-based) of each week's Thursday, for yearly seasonality.

        Returns
        -------
        np.ndarray
            One int64 per week.
        """
        thursdays = self.week_starts + np.timedelta64(3, "D")
        years = thursdays.astype("datetime64[Y]")
        return (thursdays - years.astype("datetime64[D]")).astype(np.int64)

    def week_months(self) -> np.ndarray:
        """Calendar month (1-12) of each week's Thursday.

        Returns
        -------
        np.ndarray
            One int64 per week.
        """
        thursdays = self.week_starts + np.timedelta64(3, "D")
        return thursdays.astype("datetime64[M]").astype(np.int64) % 12 + 1

    def week_iso(self) -> list[str]:
        """Week starts as ISO dates.

        Returns
        -------
        list of str
            ``YYYY-MM-DD`` of each week's Monday.
        """
        return [str(d) for d in self.week_starts]


def build_timeline(config: SimulationConfig) -> Timeline:
    """Lay out ``config.weeks`` whole weeks from ``config.start_date``.

    Returns
    -------
    Timeline
        Every day of the history and every seventh of them as the week starts.
    """
    start = np.datetime64(config.start_date, "D")
    days = start + np.arange(config.weeks * 7)
    return Timeline(days=days, week_starts=days[::7])
