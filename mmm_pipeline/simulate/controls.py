"""Promotions and holidays: the non-media controls that move demand.

They are delivered daily in ``controls/`` and enter demand as weekly means, so a
four-day Black Friday promotion counts 4/7 of a full promotion week.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from mmm_pipeline.simulate.timeline import Timeline

CLOSED_DAYS = ((12, 24), (12, 25), (12, 26), (12, 31), (1, 1))
PROMOTIONS_PER_YEAR = 5


@dataclass(frozen=True)
class Controls:
    """Daily control values and their weekly means."""

    holiday: np.ndarray
    promotion: np.ndarray

    def weekly_holiday(self) -> np.ndarray:
        """Share of each week's days that are holidays, shape (W,).

        Returns
        -------
        np.ndarray
            Per week, the share of its days that are holidays.
        """
        return self.holiday.reshape(-1, 7).mean(axis=1)

    def weekly_promotion(self) -> np.ndarray:
        """Mean promotion intensity per week and geo, shape (W, G).

        Returns
        -------
        np.ndarray
            Per week and geo, the mean of the daily promotion levels.
        """
        return self.promotion.reshape(-1, 7, self.promotion.shape[1]).mean(axis=1)


def _black_friday_weekends(days: np.ndarray) -> np.ndarray:
    """Mark Black Friday to Cyber Monday: the Friday after the fourth Thursday of November.

    Returns
    -------
    np.ndarray
        A boolean per day, true from Black Friday through Cyber Monday of each year.
    """
    marks = np.zeros(len(days), dtype=bool)
    years = np.unique(days.astype("datetime64[Y]").astype(np.int64) + 1970)
    for year in years:
        first = np.datetime64(f"{year}-11-01")
        weekday = (first.astype(np.int64) - 4) % 7  # 1970-01-05 was a Monday
        first_thursday = first + np.timedelta64((3 - weekday) % 7, "D")
        friday = first_thursday + np.timedelta64(22, "D")
        marks |= (days >= friday) & (days <= friday + np.timedelta64(3, "D"))
    return marks


def build_controls(timeline: Timeline, n_geos: int, rng: np.random.Generator) -> Controls:
    """Draw each geo's promotion calendar and mark the holidays every geo shares.

    Returns
    -------
    Controls
        Daily holidays (1 on the closed days, shape (D,)) and promotion levels per geo
        (0, 0.5 or 1, shape (D, G)); Black Friday weekends are full promotions everywhere.
    """
    days = timeline.days
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (days - days.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    holiday = np.zeros(len(days))
    for m, d in CLOSED_DAYS:
        holiday[(month == m) & (day == d)] = 1.0
    promotion = np.zeros((len(days), n_geos))
    promotion[_black_friday_weekends(days)] = 1.0
    n_promos = max(1, round(PROMOTIONS_PER_YEAR * len(days) / 365.25))
    for g in range(n_geos):
        starts = rng.integers(0, len(days), size=n_promos)
        lengths = rng.integers(3, 11, size=n_promos)
        levels = rng.choice([0.5, 1.0], size=n_promos)
        for start, length, level in zip(starts, lengths, levels, strict=True):
            window = slice(start, start + length)
            promotion[window, g] = np.maximum(promotion[window, g], level)
    return Controls(holiday=holiday, promotion=promotion)


def controls_table(timeline: Timeline, controls: Controls, geo_codes: list[str]) -> pa.Table:
    """Build the ``controls/`` delivery: a row per day, geo (``ALL`` for holidays) and name.

    Returns
    -------
    pa.Table
        Columns ``date``, ``geo``, ``name`` and ``value``: holidays under ``ALL``, then each
        geo's promotions.
    """
    dates = np.datetime_as_string(timeline.days, unit="D")
    n_days = len(dates)
    geo_col = ["ALL"] * n_days
    names = ["holiday"] * n_days
    values = [controls.holiday]
    for g, code in enumerate(geo_codes):
        geo_col += [code] * n_days
        names += ["promotion"] * n_days
        values.append(controls.promotion[:, g])
    return pa.table(
        {
            "date": np.tile(dates, len(geo_codes) + 1),
            "geo": geo_col,
            "name": names,
            "value": np.concatenate(values),
        }
    )
