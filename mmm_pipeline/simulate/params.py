"""The true parameters of one config as arrays: per geo, channel and series.

Geo size, per-geo channel efficiency and ``scale`` are folded in here, so the demand
and media code works with plain arrays and ground truth can write them unchanged.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mmm_pipeline.simulate.business import (
    CHANNELS,
    GEOS,
    NOMINAL_WEEKS,
    SERIES,
    Geo,
    kept_channels,
)
from mmm_pipeline.simulate.config import SimulationConfig

RATES_PATH = Path(__file__).resolve().parents[2] / "dbt_project/seeds/currency_rates.csv"


def scaled_week(nominal: int, weeks: int) -> int:
    """Place a nominal week of a 156-week history in a history of ``weeks`` weeks.

    Shorter histories keep the story (BR launches a quarter in, TikTok over a third in)
    so small test configs still see launches; longer ones keep the nominal week.

    Returns
    -------
    int
        The nominal week scaled by ``weeks / NOMINAL_WEEKS``, never later than it.
    """
    return min(nominal, round(nominal * weeks / NOMINAL_WEEKS))


ZERO_DECIMAL_CURRENCIES = ("JPY",)


def read_rates(path: Path = RATES_PATH) -> dict[str, float]:
    """Read US dollars per unit of each currency, the same seed the pipeline converts with.

    Simulated truth is in USD only if both sides convert with the same rates, so there
    is deliberately no built-in fallback.

    Returns
    -------
    dict of str to float
        ``rate_to_usd`` of each currency in the seed.

    Raises
    ------
    FileNotFoundError
        When the seed is missing.
    """
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: currency rates seed not found; the simulator converts spend with the "
            "same rates as the pipeline, so restore dbt_project/seeds/currency_rates.csv"
        )
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["currency"]: float(row["rate_to_usd"]) for row in csv.DictReader(handle)}


@dataclass(frozen=True)
class Business:
    """The business of one config as arrays: G geos, C channels, K series.

    ``typical`` and ``beta`` already include geo size, geo efficiency and ``scale``;
    ``minor_unit`` is the smallest amount billed, in cents of the geo's currency.
    """

    geos: tuple[Geo, ...]
    rates: np.ndarray
    minor_unit: np.ndarray
    available: np.ndarray
    launch: np.ndarray
    typical: np.ndarray
    beta: np.ndarray
    alpha: np.ndarray
    lam: np.ndarray
    base: np.ndarray
    trend: np.ndarray

    @property
    def geo_codes(self) -> list[str]:
        """Geo codes in config order."""
        return [g.code for g in self.geos]

    @property
    def present_sources(self) -> np.ndarray:
        """Which of ``SOURCES`` exist here: channels bought in some geo, word of mouth, baseline."""
        return np.concatenate([self.available.any(axis=0), [True, True]])


def build_business(config: SimulationConfig, rng: np.random.Generator) -> Business:
    """Draw the per-geo efficiencies and lay out every true parameter for ``config``.

    A channel the config leaves out keeps its place in the arrays, so every index stays
    that of ``CHANNELS``, but is available in no geo: it has no spend and no effect.

    Returns
    -------
    Business
        The true parameters of the config's geos, every channel and every series.

    Raises
    ------
    ValueError
        When the rates seed has no rate for a geo's currency.
    """
    geos = GEOS[: config.geos]
    rates_by_code = read_rates()
    unknown = sorted({g.currency for g in geos} - rates_by_code.keys())
    if unknown:
        raise ValueError(f"{RATES_PATH}: no rate for {', '.join(unknown)}; add a row per currency")
    n_geo, n_ch = len(geos), len(CHANNELS)
    kept = kept_channels(config.channels)
    efficiency = np.exp(rng.normal(0.0, 0.15, size=(n_geo, n_ch)))
    efficiency[0] = 1.0
    available = np.zeros((n_geo, n_ch), dtype=bool)
    launch = np.zeros((n_geo, n_ch), dtype=np.int64)
    for g, geo in enumerate(geos):
        for c, channel in enumerate(CHANNELS):
            in_geo = channel.geos is None or geo.code in channel.geos
            available[g, c] = channel.name in kept and in_geo
            launch[g, c] = max(
                scaled_week(geo.paid_launch_week, config.weeks),
                scaled_week(channel.launch_week, config.weeks),
            )
    size = np.array([geo.size for geo in geos])
    typical_us = np.array([c.typical_us for c in CHANNELS])
    lam = np.array([c.saturation_lam for c in CHANNELS])
    incremental = np.array([c.incremental_us for c in CHANNELS])
    typical = size[:, None] * typical_us[None, :] * config.scale * available
    beta = (
        (size[:, None] * efficiency * available * config.scale)[:, :, None]
        * incremental[None, :, :]
        / np.tanh(lam / 2.0)[None, :, None]
    )
    base = size[:, None] * np.array([s.base_us for s in SERIES])[None, :] * config.scale
    return Business(
        geos=geos,
        rates=np.array([rates_by_code[geo.currency] for geo in geos]),
        minor_unit=np.array([100 if g.currency in ZERO_DECIMAL_CURRENCIES else 1 for g in geos]),
        available=available,
        launch=launch,
        typical=typical,
        beta=beta,
        alpha=np.array([c.adstock_alpha for c in CHANNELS]),
        lam=lam,
        base=base,
        trend=np.array([geo.trend_per_year for geo in geos]),
    )
