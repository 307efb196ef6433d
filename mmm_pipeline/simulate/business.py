"""The simulated business: geos, paid channels, outcomes and their true parameters.

Every number that a model is later checked against starts here. Nominal values are
written for a three-year (156-week) history in the US at scale 1;
:func:`mmm_pipeline.simulate.params.build_business` turns them into per-geo arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

NOMINAL_WEEKS = 156


@dataclass(frozen=True)
class Geo:
    """A market: its size relative to the US, money and maturity."""

    code: str
    currency: str
    size: float
    trend_per_year: float
    paid_launch_week: int
    value_factor: float
    utc_offset_hours: int
    google_host: str


GEOS: tuple[Geo, ...] = (
    Geo("US", "USD", 1.00, 0.04, 0, 1.00, -5, "www.google.com"),
    Geo("DE", "EUR", 0.60, 0.12, 0, 0.95, 1, "www.google.de"),
    Geo("GB", "GBP", 0.40, 0.15, 0, 0.90, 0, "www.google.co.uk"),
    Geo("BR", "BRL", 0.25, 0.35, 40, 0.55, -3, "www.google.com.br"),
    Geo("FR", "EUR", 0.20, 0.20, 16, 0.90, 1, "www.google.fr"),
    Geo("JP", "JPY", 0.15, 0.10, 52, 0.85, 9, "www.google.co.jp"),
    Geo("AU", "AUD", 0.12, 0.10, 26, 0.95, 10, "www.google.com.au"),
    Geo("CA", "CAD", 0.18, 0.08, 8, 0.90, -5, "www.google.ca"),
)


@dataclass(frozen=True)
class Series:
    """One segment x outcome demand process."""

    segment: str
    outcome: str
    base_us: float
    wom_rho: float
    gamma_promotion: float
    gamma_holiday: float
    season: tuple[float, float, float, float]
    value_mean_usd: float
    value_sigma: float
    delivered_as: str


SERIES: tuple[Series, ...] = (
    Series(
        segment="self_serve",
        outcome="signup",
        base_us=225.0,
        wom_rho=0.05,
        gamma_promotion=0.25,
        gamma_holiday=-0.5,
        season=(0.10, 0.06, 0.04, 0.02),
        value_mean_usd=0.0,
        value_sigma=0.0,
        delivered_as="conversions",
    ),
    Series(
        segment="self_serve",
        outcome="order",
        base_us=64.0,
        wom_rho=0.04,
        gamma_promotion=0.80,
        gamma_holiday=-0.2,
        season=(0.06, 0.10, 0.03, 0.03),
        value_mean_usd=80.0,
        value_sigma=0.6,
        delivered_as="conversions",
    ),
    Series(
        segment="sales_led",
        outcome="signup",
        base_us=19.0,
        wom_rho=0.04,
        gamma_promotion=0.05,
        gamma_holiday=-1.5,
        season=(0.05, 0.08, 0.02, 0.04),
        value_mean_usd=0.0,
        value_sigma=0.0,
        delivered_as="conversions",
    ),
    Series(
        segment="sales_led",
        outcome="pipeline",
        base_us=7.0,
        wom_rho=0.03,
        gamma_promotion=0.0,
        gamma_holiday=-1.5,
        season=(0.05, 0.08, 0.02, 0.04),
        value_mean_usd=12000.0,
        value_sigma=0.8,
        delivered_as="outcomes",
    ),
)


@dataclass(frozen=True)
class Channel:
    """A paid channel with its true response and how it is bought.

    ``incremental_us`` is the expected incremental conversions per week of each series
    in the US at scale 1 when the channel runs steadily at its typical spend.
    """

    name: str
    adstock_alpha: float
    saturation_lam: float
    typical_us: float
    style: str
    launch_week: int
    geos: tuple[str, ...] | None
    incremental_us: tuple[float, float, float, float]


# incremental_us: self_serve signup, self_serve order, sales_led signup, sales_led pipeline.
CHANNELS: tuple[Channel, ...] = (
    Channel(
        name="meta",
        adstock_alpha=0.4,
        saturation_lam=1.6,
        typical_us=12000.0,
        style="social",
        launch_week=0,
        geos=None,
        incremental_us=(50.0, 13.0, 1.5, 0.3),
    ),
    Channel(
        name="tiktok",
        adstock_alpha=0.3,
        saturation_lam=1.8,
        typical_us=5000.0,
        style="social",
        launch_week=60,
        geos=None,
        incremental_us=(28.0, 6.0, 0.0, 0.0),
    ),
    Channel(
        name="youtube",
        adstock_alpha=0.65,
        saturation_lam=1.2,
        typical_us=6000.0,
        style="flighted",
        launch_week=0,
        geos=None,
        incremental_us=(20.0, 6.0, 1.5, 0.4),
    ),
    Channel(
        name="search_nonbrand",
        adstock_alpha=0.1,
        saturation_lam=2.0,
        typical_us=8000.0,
        style="always_on",
        launch_week=0,
        geos=None,
        incremental_us=(35.0, 14.0, 4.0, 1.2),
    ),
    Channel(
        name="branded_search",
        adstock_alpha=0.1,
        saturation_lam=2.5,
        typical_us=3000.0,
        style="always_on",
        launch_week=0,
        geos=None,
        incremental_us=(8.0, 3.0, 1.0, 0.3),
    ),
    Channel(
        name="linkedin",
        adstock_alpha=0.5,
        saturation_lam=1.4,
        typical_us=5000.0,
        style="social",
        launch_week=0,
        geos=("US", "DE", "GB", "FR", "CA"),
        incremental_us=(2.0, 0.5, 8.0, 3.0),
    ),
    Channel(
        name="podcast",
        adstock_alpha=0.7,
        saturation_lam=1.0,
        typical_us=4000.0,
        style="flighted",
        launch_week=0,
        geos=("US", "DE", "GB", "AU", "CA"),
        incremental_us=(8.0, 3.0, 2.0, 0.6),
    ),
    Channel(
        name="tv",
        adstock_alpha=0.7,
        saturation_lam=0.9,
        typical_us=15000.0,
        style="flighted",
        launch_week=0,
        geos=("US", "DE"),
        incremental_us=(14.0, 5.0, 1.5, 0.5),
    ),
)
CHANNEL_NAMES: tuple[str, ...] = tuple(c.name for c in CHANNELS)
SOURCES: tuple[str, ...] = (*CHANNEL_NAMES, "word_of_mouth", "baseline")
WOM, BASELINE = len(CHANNELS), len(CHANNELS) + 1
ADSTOCK_L_MAX = 8
WOM_LOOKBACK_WEEKS = 4

# The order in which ``SimulationConfig.channels`` keeps paid channels. Branded search
# comes first because the rest of the business leans on it: upper-funnel buyers come
# back through brand ads (tracking) and its budget follows their awareness (media), so
# a business without it would not hang together; the pipeline fits it as a paid
# channel (``is_paid`` in the channels seed). Then what a typical B2C business buys,
# most common first, and LinkedIn, a B2B channel, last. Six channels end with TV and
# include TikTok, the one channel launched inside the history (``launch_week``), so a
# six-channel business has exactly one channel that starts mid-history.
CHANNEL_ORDER: tuple[str, ...] = (
    "branded_search",
    "meta",
    "search_nonbrand",
    "youtube",
    "tiktok",
    "tv",
    "podcast",
    "linkedin",
)


def kept_channels(count: int | None) -> frozenset[str]:
    """Name the paid channels a business of ``count`` channels buys (None: all of them).

    Returns
    -------
    frozenset of str
        The first ``count`` channels of ``CHANNEL_ORDER``.
    """
    return frozenset(CHANNEL_ORDER[:count])
