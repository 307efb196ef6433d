"""The non-media business: geo level x (1 + a trend that bends once) x seasonality x controls.

Everything here is multiplicative, so a control that adds 12% adds 12% of whatever the
season and trend give that week. The controls the model can see (events, a price index,
a competitor promo) are returned with the multiplier they cause, so the landing zone
delivers exactly what moved the baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heldout.timeline import Timeline

YEAR_DAYS = 365.25


@dataclass
class Controls:
    """Control variables per week and geo, and the baseline multiplier they cause."""

    values: dict[str, np.ndarray]
    national: dict[str, bool]
    multiplier: np.ndarray
    effects: dict[str, dict]


def trend(timeline: Timeline, n_geos: int, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """Per geo ``1 + slope * years`` whose slope changes once, at the same week for all geos.

    A bend is the trap: a model with one straight trend line must absorb the change
    somewhere, and media that grew at the same time is the easy place.
    """
    years = timeline.years_since_start()
    bend = float(rng.uniform(0.35, 0.7) * timeline.weeks / 52.0)
    before = rng.uniform(-0.04, 0.18, n_geos)
    after = before + rng.uniform(-0.2, 0.1, n_geos)
    early = np.minimum(years, bend)[:, None] * before
    late = np.clip(years - bend, 0.0, None)[:, None] * after
    factor = np.clip(1.0 + early + late, 0.3, None)
    params = {
        "bend_years_after_start": bend,
        "slope_before_per_year": before.tolist(),
        "slope_after_per_year": after.tolist(),
    }
    return factor, params


def _bump(day: np.ndarray, centre: float, width: float) -> np.ndarray:
    distance = np.abs(day - centre)
    distance = np.minimum(distance, YEAR_DAYS - distance)
    return np.exp(-0.5 * (distance / width) ** 2)


def seasonality(
    timeline: Timeline, holiday: str, rng: np.random.Generator
) -> tuple[np.ndarray, dict]:
    """Two yearly harmonics plus holidays: a late-November and December bump, or a dip.

    B2C businesses peak around Black Friday and before Christmas; B2B ones go quiet
    between Christmas and New Year. The harmonics' phases are drawn, so the low season
    is not always in the same month.
    """
    day = timeline.midweek_day_of_year()
    angle = 2 * np.pi * day / YEAR_DAYS
    a1, a2 = rng.uniform(0.05, 0.14), rng.uniform(0.02, 0.06)
    p1, p2 = rng.uniform(0, 2 * np.pi, 2)
    season = 1.0 + a1 * np.sin(angle + p1) + a2 * np.sin(2 * angle + p2)
    params: dict = {"harmonic_amplitudes": [a1, a2], "harmonic_phases": [p1, p2]}
    if holiday == "bump":
        black_friday, december = rng.uniform(0.15, 0.35), rng.uniform(0.1, 0.25)
        season = season + black_friday * _bump(day, 330.0, 5.0) + december * _bump(day, 350.0, 9.0)
        params |= {"black_friday_bump": black_friday, "december_bump": december}
    elif holiday == "dip":
        dip = rng.uniform(0.25, 0.45)
        season = season - dip * _bump(day, 359.0, 6.0)
        params |= {"christmas_dip": dip}
    return np.clip(season, 0.3, None), params


def _event_weeks(total: int, episodes: int, length: tuple[int, int], rng) -> np.ndarray:
    """0/1 per week: ``episodes`` runs of 1..n weeks at random, non-overlapping places."""
    on = np.zeros(total)
    starts = rng.choice(np.arange(2, total - length[1] - 1), size=episodes, replace=False)
    for start in np.sort(starts):
        on[start : start + rng.integers(length[0], length[1] + 1)] = 1.0
    return on


def controls(
    names: tuple[str, ...], timeline: Timeline, n_geos: int, rng: np.random.Generator
) -> Controls:
    """Draw the named controls and the multiplier each applies to the baseline.

    ``event_1`` / ``event_2`` are national on/off weeks (a sale, a launch) adding a fixed
    percentage; ``price_index`` is a per-geo index near 1 with steps, acting through a
    constant elasticity; ``competitor_promo`` is per-geo on/off weeks taking a share away.
    """
    total, years = timeline.total, timeline.weeks / 52.0
    values: dict[str, np.ndarray] = {}
    national: dict[str, bool] = {}
    effects: dict[str, dict] = {}
    multiplier = np.ones((total, n_geos))
    for name in names:
        if name in ("event_1", "event_2"):
            episodes = round((4 if name == "event_1" else 6) * years / 2) + 1
            weeks = (1, 2) if name == "event_1" else (1, 1)
            on = _event_weeks(total, episodes, weeks, rng)
            lift = rng.uniform(0.10, 0.20) if name == "event_1" else rng.uniform(0.05, 0.12)
            values[name], national[name] = np.repeat(on[:, None], n_geos, axis=1), True
            multiplier *= 1.0 + lift * values[name]
            effects[name] = {"kind": "on_off", "percent_added": 100 * lift}
        elif name == "price_index":
            steps = rng.normal(0, 0.004, (total, n_geos))
            jumps = rng.random((total, n_geos)) < 0.02
            steps[jumps] += rng.normal(0, 0.05, int(jumps.sum()))
            index = np.round(np.clip(1.0 + np.cumsum(steps, axis=0), 0.8, 1.25), 4)
            elasticity = -rng.uniform(0.8, 1.8)
            values[name], national[name] = index, False
            multiplier *= index**elasticity
            effects[name] = {"kind": "elasticity", "elasticity": elasticity}
        elif name == "competitor_promo":
            on = (rng.random((total, n_geos)) < 0.08).astype(float)
            loss = rng.uniform(0.04, 0.09)
            values[name], national[name] = on, False
            multiplier *= 1.0 - loss * on
            effects[name] = {"kind": "on_off", "percent_added": -100 * loss}
        else:
            raise ValueError(f"unknown control {name!r}")
    return Controls(values=values, national=national, multiplier=multiplier, effects=effects)
