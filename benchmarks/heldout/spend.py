"""Weekly spend plans per channel and geo, in money, before any lift test touches them.

Plans differ by channel the way real media plans do: always-on buys that follow the
season, bursty flights, a channel that launches mid-history and ramps up, a channel that
keeps growing. Each geo has its own budget scale and its own weekly noise, so spend moves
enough to be measured but never perfectly together.
"""

from __future__ import annotations

import numpy as np

from heldout.spec import ChannelSpec, GeoSpec
from heldout.timeline import Timeline

RAMP_WEEKS = 6
MIN_WEEKLY_SPEND = 20.0


def _flighting(timeline: Timeline, channel: ChannelSpec, rng: np.random.Generator) -> np.ndarray:
    """Seasonal budget shape: a yearly wave with a drawn phase, plus an optional Q4 push."""
    day = timeline.midweek_day_of_year()
    wave = rng.uniform(0.08, 0.3) * np.sin(2 * np.pi * day / 365.25 + rng.uniform(0, 2 * np.pi))
    q4 = rng.uniform(*channel.q4_push) * ((day >= 305) & (day <= 358))
    return np.clip(1.0 + wave + q4, 0.2, None)


def _bursts(total: int, rng: np.random.Generator) -> np.ndarray:
    """1 in on weeks, 0 in off weeks: flights of 2-6 weeks with 2-8 weeks dark between."""
    on = np.zeros(total)
    week = int(rng.integers(0, 4))
    while week < total:
        length = int(rng.integers(2, 7))
        on[week : week + length] = rng.uniform(0.7, 1.3)
        week += length + int(rng.integers(2, 9))
    return on


def weekly_plan(
    channel: ChannelSpec,
    geos: tuple[GeoSpec, ...],
    timeline: Timeline,
    rng: np.random.Generator,
) -> tuple[np.ndarray, dict]:
    """Weekly spend of one channel, shape (weeks incl. burn-in, geos), rounded to cents.

    Returns the plan and what was drawn for it (per-geo budget levels and noise).
    """
    total, n_geos = timeline.total, len(geos)
    weeks = np.arange(total)
    scale = np.array([g.spend_scale for g in geos]) * rng.lognormal(0.0, 0.15, n_geos)
    level = channel.weekly_spend * scale
    noise_sd = float(rng.uniform(0.15, 0.3))
    noise = rng.lognormal(-0.5 * noise_sd**2, noise_sd, (total, n_geos))
    shape = _flighting(timeline, channel, rng)[:, None] * np.ones((1, n_geos))
    params: dict = {"pattern": channel.pattern, "weekly_noise_sd": noise_sd}
    if channel.pattern == "bursts":
        if channel.national:
            shape = shape * _bursts(total, rng)[:, None]
        else:
            shape = shape * np.stack([_bursts(total, rng) for _ in geos], axis=1)
        # Flights carry the budget of the dark weeks too: about half the weeks are on.
        shape = shape * 2.0
    elif channel.pattern == "launch":
        launch = timeline.index_of(channel.launch_week or 0)
        ramp = np.clip((weeks - launch + 1) / RAMP_WEEKS, 0.0, 1.0)
        shape = shape * ramp[:, None]
        params["launch_week"] = channel.launch_week
    elif channel.pattern == "trending":
        growth = float(rng.uniform(0.25, 0.55))
        shape = shape * np.exp(growth * timeline.years_since_start())[:, None]
        params["growth_per_year"] = growth
    elif channel.pattern != "always_on":
        raise ValueError(f"{channel.name}: unknown spend pattern {channel.pattern!r}")
    plan = np.round(level[None, :] * shape * noise, 2)
    # A few dollars cannot be split into campaigns and days; real exports drop them too.
    plan[plan < MIN_WEEKLY_SPEND] = 0.0
    params["weekly_level"] = {g.name: float(v) for g, v in zip(geos, level, strict=True)}
    return plan, params
