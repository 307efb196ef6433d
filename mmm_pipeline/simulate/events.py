"""Conversion events: one row per drawn conversion, with time, ids, customer and value.

Rows are built column-wise from the weekly counts (no Python loop over conversions),
sorted by time, so ids increase with time as a real order system's do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mmm_pipeline.simulate.business import SERIES
from mmm_pipeline.simulate.params import Business
from mmm_pipeline.simulate.timeline import SECONDS_PER_DAY, Timeline

# Day-of-week profiles (Monday first): sales-led demand requests are a weekday thing.
DAY_PROFILE = {
    "self_serve": (1.0, 1.0, 1.0, 1.0, 0.95, 0.8, 0.85),
    "sales_led": (1.25, 1.25, 1.2, 1.1, 0.9, 0.2, 0.15),
}
# Local hour-of-day profile: quiet nights, a work-day plateau and an evening bump.
HOUR_PROFILE = np.array(
    [
        1,
        0.6,
        0.4,
        0.3,
        0.3,
        0.5,
        1,
        2,
        3,
        4,
        4.5,
        4.5,
        4.5,
        4.5,
        4.5,
        4.2,
        4,
        3.8,
        3.6,
        4,
        4.2,
        3.8,
        2.8,
        1.8,
    ]
)
ID_PREFIX = {
    ("self_serve", "signup"): "SU-",
    ("self_serve", "order"): "ORD-",
    ("sales_led", "signup"): "DEMO-",
}
NEW_CUSTOMER_SHARE = {
    ("self_serve", "signup"): 0.96,
    ("self_serve", "order"): 0.5,
    ("sales_led", "signup"): 0.85,
}
ID_BASE = 10_000_001
CUSTOMER_BASE = 1_000_001
CONVERSION_SERIES = [k for k, s in enumerate(SERIES) if s.delivered_as == "conversions"]


@dataclass(frozen=True)
class Conversions:
    """Column arrays of every conversion row, in time order."""

    week: np.ndarray
    geo: np.ndarray
    series: np.ndarray
    source: np.ndarray
    at: np.ndarray
    number: np.ndarray
    customer: np.ndarray
    is_new: np.ndarray
    value_cents: np.ndarray

    def __len__(self) -> int:
        """Count the conversion rows.

        Returns
        -------
        int
            The number of rows, the length of every column array.
        """
        return len(self.at)


def _expand(counts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Repeat the (week, geo, series, source) index of each cell by its count.

    Returns
    -------
    tuple of np.ndarray
        One index array per axis of ``counts``, each cell's index repeated ``count`` times,
        in the cells' order.
    """
    flat = np.repeat(np.arange(counts.size), counts.ravel())
    return np.unravel_index(flat, counts.shape)


def _times(
    week: np.ndarray,
    geo: np.ndarray,
    series: np.ndarray,
    business: Business,
    timeline: Timeline,
    rng: np.random.Generator,
) -> np.ndarray:
    """Unix seconds of each row: a day by the segment's weekday profile, a local hour.

    Returns
    -------
    np.ndarray
        Per row, its week's start plus the drawn day, the local hour shifted to UTC by the
        geo's offset, and a random second.
    """
    day = np.zeros(len(week), dtype=np.int64)
    u = rng.random(len(week))
    for k, s in enumerate(SERIES):
        profile = np.cumsum(DAY_PROFILE[s.segment]) / sum(DAY_PROFILE[s.segment])
        rows = series == k
        day[rows] = np.searchsorted(profile, u[rows], side="right").clip(max=6)
    hour_cdf = np.cumsum(HOUR_PROFILE) / HOUR_PROFILE.sum()
    local_hour = np.searchsorted(hour_cdf, rng.random(len(week)), side="right").clip(max=23)
    offsets = np.array([g.utc_offset_hours for g in business.geos])
    hour = (local_hour - offsets[geo]) % 24
    second = rng.integers(0, 3600, len(week))
    return timeline.week_start_seconds[week] + day * SECONDS_PER_DAY + hour * 3600 + second


def _customers(
    geo: np.ndarray, series: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Give each row a customer: new ones get fresh ids, returning ones an earlier id.

    Returning customers are drawn from the earlier new customers of the same geo and
    segment, so touchpoints and repeat purchases join on stable ids.

    Returns
    -------
    tuple of (np.ndarray, np.ndarray)
        The customer id of each row, and whether it is a new customer; a row with no
        earlier new customer in its geo and segment is made new, so a returning one always
        has someone to be.
    """
    share = np.array([NEW_CUSTOMER_SHARE.get((s.segment, s.outcome), 1.0) for s in SERIES])
    is_new = rng.random(len(geo)) < share[series]
    segment = np.array([s.segment == "sales_led" for s in SERIES], dtype=np.int64)[series]
    pool = geo.astype(np.int64) * 2 + segment
    u = rng.random(len(geo))
    customer = np.zeros(len(geo), dtype=np.int64)
    for p in np.unique(pool):
        rows = np.nonzero(pool == p)[0]
        new_before = np.cumsum(is_new[rows]) - is_new[rows]
        is_new[rows[new_before == 0]] = True
    customer[is_new] = CUSTOMER_BASE + np.arange(is_new.sum())
    for p in np.unique(pool):
        rows = np.nonzero(pool == p)[0]
        new_rows = rows[is_new[rows]]
        new_before = np.cumsum(is_new[rows]) - is_new[rows]
        back = ~is_new[rows]
        pick = (u[rows][back] * new_before[back]).astype(np.int64)
        customer[rows[back]] = customer[new_rows[pick]]
    return customer, is_new


def build_conversions(
    counts: np.ndarray, business: Business, timeline: Timeline, rng: np.random.Generator
) -> Conversions:
    """Turn counts (W, G, K, S) of the series delivered as rows into conversion rows.

    Returns
    -------
    Conversions
        One entry per conversion, sorted by time: ids numbered per series in that order, a
        customer, and a value in cents (0 for series without value).
    """
    sub = np.zeros_like(counts)
    sub[:, :, CONVERSION_SERIES] = counts[:, :, CONVERSION_SERIES]
    # Small integer types keep a multi-million-row run light.
    week, geo, series, source = (
        a.astype(t)
        for a, t in zip(_expand(sub), (np.int32, np.int8, np.int8, np.int8), strict=True)
    )
    at = _times(week, geo, series, business, timeline, rng)
    order = np.argsort(at, kind="stable")
    week, geo, series, source, at = (a[order] for a in (week, geo, series, source, at))
    number = np.zeros(len(at), dtype=np.int64)
    for k in CONVERSION_SERIES:
        rows = series == k
        number[rows] = ID_BASE + np.arange(rows.sum())
    customer, is_new = _customers(geo, series, rng)
    value_cents = np.zeros(len(at), dtype=np.int64)
    for k, s in enumerate(SERIES):
        rows = series == k
        if s.value_mean_usd > 0 and rows.any():
            mean = s.value_mean_usd * np.array([g.value_factor for g in business.geos])[geo[rows]]
            mu = np.log(mean) - s.value_sigma**2 / 2.0
            draw = np.exp(mu + s.value_sigma * rng.standard_normal(rows.sum()))
            value_cents[rows] = np.rint(draw * 100.0).astype(np.int64)
    return Conversions(week, geo, series, source, at, number, customer, is_new, value_cents)


def pipeline_values(
    counts: np.ndarray, business: Business, rng: np.random.Generator
) -> tuple[int, np.ndarray]:
    """Opportunity amounts in cents summed per (week, geo, source) for the CRM series.

    Returns
    -------
    tuple of (int, np.ndarray)
        The index of the series delivered as ``outcomes``, and its summed amounts in cents,
        shape (W, G, S).
    """
    k = next(i for i, s in enumerate(SERIES) if s.delivered_as == "outcomes")
    s = SERIES[k]
    cells = counts[:, :, k, :]
    _, geo, _ = _expand(cells)
    mean = s.value_mean_usd * np.array([g.value_factor for g in business.geos])[geo]
    mu = np.log(mean) - s.value_sigma**2 / 2.0
    cents = np.rint(np.exp(mu + s.value_sigma * rng.standard_normal(len(geo))) * 100.0)
    flat = np.repeat(np.arange(cells.size), cells.ravel())
    summed = np.bincount(flat, weights=cents, minlength=cells.size)
    return k, np.rint(summed).astype(np.int64).reshape(cells.shape)
