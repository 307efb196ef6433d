"""Paid media plans and the daily, per-campaign spend the platforms export.

Budgets are planned weekly in USD per geo and channel with real flighting: always-on
search, social with pauses, cuts and seasonal pushes, and TV, podcast and YouTube in
bursts. Weekly budgets are paced over days and split over campaigns, then rounded to
cents in local currency. The weekly USD that drives demand is summed back from those
rounded amounts, so truth and delivered files agree to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mmm_pipeline.simulate.business import CHANNELS
from mmm_pipeline.simulate.campaigns import CAMPAIGNS, FLAT_PACING, METRICS, WEEKDAY_PACING
from mmm_pipeline.simulate.params import Business
from mmm_pipeline.simulate.timeline import Timeline

# With ``cpm_season``: the cost per impression by month, as a multiple of the usual one.
SEASONAL_CPM = {6: 0.85, 7: 0.85, 8: 0.85, 10: 1.25, 11: 1.5, 12: 1.5}
UPPER_FUNNEL = ("meta", "tiktok", "youtube", "podcast", "tv")
Window = tuple[int, int, int, int]  # geo, channel, first week, end week (exclusive)


def _ar1(rng: np.random.Generator, n: int, sd: float, phi: float) -> np.ndarray:
    shocks = rng.normal(0.0, sd, n)
    out = np.empty(n)
    out[0] = shocks[0] / np.sqrt(1.0 - phi**2)
    for t in range(1, n):
        out[t] = phi * out[t - 1] + shocks[t]
    return np.exp(out)


def _flights(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Bursts of 3-8 weeks on, 2-7 weeks dark; dark windows keep zero rows or none.

    Returns
    -------
    tuple of (np.ndarray, np.ndarray)
        The weekly level (one lognormal draw per burst, zero when dark), and which dark
        weeks export no rows (half the dark windows).
    """
    level, missing = np.zeros(n), np.zeros(n, dtype=bool)
    on, week = bool(rng.random() < 0.5), 0
    while week < n:
        length = int(rng.integers(3, 9) if on else rng.integers(2, 8))
        window = slice(week, week + length)
        if on:
            level[window] = rng.lognormal(np.log(1.3), 0.2)
        else:
            missing[window] = rng.random() < 0.5
        on, week = not on, week + length
    return level, missing


def _pattern(
    rng: np.random.Generator, style: str, months: np.ndarray, launch: int
) -> tuple[np.ndarray, np.ndarray]:
    """Weekly spend multiplier of typical spend, and weeks whose rows are not exported.

    Returns
    -------
    tuple of (np.ndarray, np.ndarray)
        The weekly multiplier (zero before ``launch``), and which weeks export no rows.
    """
    n = len(months)
    q4 = np.where(np.isin(months, (10, 11)), 1.0, np.where(months == 12, 0.5, 0.0))
    if style == "flighted":
        level, missing = _flights(rng, n)
        level *= _ar1(rng, n, 0.05, 0.5)
    elif style == "always_on":
        level = _ar1(rng, n, 0.07, 0.8) * (1.0 + 0.15 * q4)
        missing = np.zeros(n, dtype=bool)
    else:
        level = _ar1(rng, n, 0.12, 0.7) * (1.0 + 0.35 * q4)
        missing = np.zeros(n, dtype=bool)
        for _ in range(rng.poisson(n / 70)):
            start, length = int(rng.integers(0, n)), int(rng.integers(2, 5))
            level[start : start + length] = 0.0
            missing[start : start + length] = rng.random() < 0.5
    if rng.random() < 0.5:
        start, length = int(rng.integers(0, n)), int(rng.integers(6, 13))
        level[start : start + length] *= 0.55
    if launch > 0:
        # A channel launched inside the history ramps up over six weeks.
        since = np.arange(n) - launch
        level *= np.clip(0.4 + 0.6 * since / 6.0, 0.0, 1.0) * (since >= 0)
        missing |= since < 0
    return level, missing


def planned_weekly_spend(
    business: Business, timeline: Timeline, rng: np.random.Generator, keep_on: list[Window]
) -> tuple[np.ndarray, np.ndarray]:
    """Planned USD per week, geo and channel, (W, G, C), and weeks without exported rows.

    ``keep_on`` windows (experiments) are planned to run at least at typical spend, as
    a lift test is only booked on a channel that is live. Branded search follows the
    upper funnel: more awareness, more brand queries to bid on.

    Returns
    -------
    tuple of (np.ndarray, np.ndarray)
        Planned USD, shape (W, G, C), zero where a channel is not bought, and which weeks
        of each geo and channel export no rows, same shape.
    """
    months = timeline.week_months()
    n_geo, n_ch = business.available.shape
    level = np.zeros((timeline.n_weeks, n_geo, n_ch))
    missing = np.ones_like(level, dtype=bool)
    for g in range(n_geo):
        for c, channel in enumerate(CHANNELS):
            if business.available[g, c]:
                pattern = _pattern(rng, channel.style, months, int(business.launch[g, c]))
                level[:, g, c], missing[:, g, c] = pattern
    for g, c, first, end in keep_on:
        floor = rng.lognormal(0.0, 0.08, end - first)
        level[first:end, g, c] = np.maximum(level[first:end, g, c], floor)
        missing[first:end, g, c] = False
    upper = [i for i, ch in enumerate(CHANNELS) if ch.name in UPPER_FUNNEL]
    weight = business.typical[:, upper]
    awareness = (level[:, :, upper] * weight).sum(axis=2) / np.maximum(weight.sum(axis=1), 1e-9)
    awareness /= np.maximum(awareness.mean(axis=0), 1e-9)
    brand = next(i for i, ch in enumerate(CHANNELS) if ch.name == "branded_search")
    level[:, :, brand] *= 0.75 + 0.25 * awareness
    return level * business.typical[None], missing


@dataclass(frozen=True)
class CampaignGrid:
    """Every campaign in every geo (R of them), with daily pacing and budget splits."""

    geo: np.ndarray
    channel: np.ndarray
    platform: np.ndarray
    name: np.ndarray
    day_weight: np.ndarray
    day_share: np.ndarray


def build_grid(business: Business, timeline: Timeline, rng: np.random.Generator) -> CampaignGrid:
    """Lay out campaigns per geo and draw how budgets are paced over days and split.

    Returns
    -------
    CampaignGrid
        The campaigns' geo, channel, platform and name; per day, geo and channel the pacing
        weight (summing to 1 over each week); per day and campaign its share of the budget
        (0 before the campaign starts).
    """
    channel_index = {ch.name: i for i, ch in enumerate(CHANNELS)}
    rows = [
        (g, channel_index[camp.channel], camp, geo.code)
        for g, geo in enumerate(business.geos)
        for camp in CAMPAIGNS
        if business.available[g, channel_index[camp.channel]]
        and (camp.geos is None or geo.code in camp.geos)
    ]
    geo = np.array([r[0] for r in rows])
    channel = np.array([r[1] for r in rows])
    n_days, n_geo, n_ch = timeline.n_days, *business.available.shape
    pacing = np.array([WEEKDAY_PACING.get(ch.name, FLAT_PACING) for ch in CHANNELS]).T
    day_weight = pacing[np.arange(n_days) % 7][:, None, :] * rng.lognormal(
        0.0, 0.12, (n_days, n_geo, n_ch)
    )
    day_weight /= np.repeat(day_weight.reshape(-1, 7, n_geo, n_ch).sum(axis=1), 7, axis=0)
    start = np.array([round(r[2].start_frac * timeline.n_weeks) for r in rows])
    share = np.array([r[2].share for r in rows])[None, :] * rng.lognormal(
        0.0, 0.15, (n_days, len(rows))
    )
    share *= timeline.week_of_day[:, None] >= start[None, :]
    group = geo * n_ch + channel
    totals = np.zeros((n_days, n_geo * n_ch))
    np.add.at(totals.T, group, share.T)
    share /= np.where(totals[:, group] > 0, totals[:, group], 1.0)
    return CampaignGrid(
        geo=geo,
        channel=channel,
        platform=np.array([r[2].platform for r in rows]),
        name=np.array([r[2].name.format(geo=r[3]) for r in rows]),
        day_weight=day_weight,
        day_share=share,
    )


def daily_local_cents(grid: CampaignGrid, weekly_usd: np.ndarray, business: Business) -> np.ndarray:
    """Spend per day and campaign in local-currency cents, (D, R), as the platforms bill it.

    Returns
    -------
    np.ndarray
        Int64 cents, rounded to the currency's smallest billed amount.
    """
    daily_usd = np.repeat(weekly_usd, 7, axis=0) * grid.day_weight
    per_campaign = daily_usd[:, grid.geo, grid.channel] * grid.day_share
    unit = business.minor_unit[grid.geo][None, :]
    local = np.rint(per_campaign / business.rates[grid.geo][None, :] * 100.0 / unit)
    return (local * unit).astype(np.int64)


def weekly_usd(grid: CampaignGrid, cents: np.ndarray, business: Business) -> np.ndarray:
    """Sum daily campaign cents back to USD per week, geo and channel, (W, G, C).

    Returns
    -------
    np.ndarray
        The USD actually billed per week, geo and channel.
    """
    n_geo, n_ch = business.available.shape
    usd = cents / 100.0 * business.rates[grid.geo][None, :]
    weekly = usd.reshape(-1, 7, usd.shape[1]).sum(axis=1)
    out = np.zeros((weekly.shape[0], n_geo * n_ch))
    np.add.at(out.T, grid.geo * n_ch + grid.channel, weekly.T)
    return out.reshape(-1, n_geo, n_ch)


def cpm_multiplier(timeline: Timeline, seasonal: bool) -> np.ndarray:
    """Each week's cost per impression as a multiple of the channel's usual one, (weeks,).

    Returns
    -------
    np.ndarray
        :data:`SEASONAL_CPM` by the month of each week's Thursday, or ones.
    """
    if not seasonal:
        return np.ones(timeline.n_weeks)
    return np.array([SEASONAL_CPM.get(int(m), 1.0) for m in timeline.week_months()])


def ad_spend_frame(
    grid: CampaignGrid,
    cents: np.ndarray,
    missing: np.ndarray,
    business: Business,
    timeline: Timeline,
    rng: np.random.Generator,
    cpm: np.ndarray | None = None,
) -> pd.DataFrame:
    """List exported rows: day x campaign, unless the channel was dark and not exported.

    Impressions, clicks and engagements follow spend with CPM and CTR noise, the CPM
    times its week's ``cpm`` multiple (:func:`cpm_multiplier`); offline channels leave
    them empty.

    Returns
    -------
    pd.DataFrame
        One row per exported day and campaign: day index, geo and channel indices, platform,
        campaign name, spend in local cents and the rounded delivery metrics (NaN offline).
    """
    usd = cents / 100.0 * business.rates[grid.geo][None, :]
    fields = ("cpm_usd", "ctr", "engagement_rate")
    metric = np.array(
        [[getattr(METRICS[CHANNELS[c].name], f) or np.nan for f in fields] for c in grid.channel]
    )
    weekly_cost = np.ones(timeline.n_weeks) if cpm is None else cpm
    cost = metric[None, :, 0] * weekly_cost[timeline.week_of_day][:, None]
    impressions = usd / cost * 1000.0 * rng.lognormal(0.0, 0.10, usd.shape)
    clicks = impressions * metric[None, :, 1] * rng.lognormal(0.0, 0.15, usd.shape)
    engagements = impressions * metric[None, :, 2] * rng.lognormal(0.0, 0.15, usd.shape)
    week = timeline.week_of_day
    exported = ~missing[week][:, grid.geo, grid.channel] & (grid.day_share > 0)
    day_idx, row_idx = np.nonzero(exported)
    return pd.DataFrame(
        {
            "day": day_idx,
            "geo_idx": grid.geo[row_idx],
            "channel_idx": grid.channel[row_idx],
            "platform_key": grid.platform[row_idx],
            "campaign": grid.name[row_idx],
            "spend_cents": cents[day_idx, row_idx],
            "impressions": np.rint(impressions[day_idx, row_idx]),
            "clicks": np.rint(clicks[day_idx, row_idx]),
            "engagements": np.rint(engagements[day_idx, row_idx]),
        }
    )
