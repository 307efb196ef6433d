"""The shape of a scenario family: geos, channels, series and lift tests, before any draw.

A family fixes the business (which channels, which outcomes, how large); the seed only
draws the parameters inside the ranges given here, so two seeds of a family are two
businesses of the same kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

Range = tuple[float, float]


@dataclass(frozen=True)
class GeoSpec:
    """A market: ``scale`` sizes its outcomes, ``spend_scale`` its media budgets."""

    name: str
    scale: float
    spend_scale: float


@dataclass(frozen=True)
class ChannelSpec:
    """A paid channel: how it is bought and exported, and how its effect unfolds.

    ``pattern`` is the spend plan: ``always_on`` (seasonal flighting and weekly noise),
    ``bursts`` (on 2-6 weeks, off 2-8), ``launch`` (nothing before ``launch_week``, then a
    ramp) or ``trending`` (steady growth). ``national`` bursts share one schedule over all
    geos, as a national TV buy does. ``capture`` is the share of the conversions it causes
    that carry its own UTM; ``through_branded`` the share that searches the brand and
    clicks a branded-search ad first.
    """

    name: str
    platform: str
    campaigns: tuple[str, ...]
    weekly_spend: float
    pattern: str
    kernel: str
    kernel_ranges: dict[str, Range]
    cpm: float
    ctr: float | None
    capture: float
    through_branded: float = 0.0
    launch_week: int | None = None
    national: bool = False
    q4_push: Range = (0.0, 0.2)
    hill_shape: Range = (0.8, 2.5)
    hill_half_ratio: Range = (0.5, 2.0)


@dataclass(frozen=True)
class FunnelSpec:
    """A downstream outcome fed by an upstream one, as opportunities from demo requests.

    Each upstream conversion becomes one downstream unit with probability ``rate`` after
    ``round(Gamma)`` weeks with the given mean and sd, worth a log-normal amount; a small
    outbound stream (``outbound_per_week`` at geo scale 1) adds units of no media origin.
    """

    upstream: tuple[str, str]
    rate: float
    lag_mean: float
    lag_sd: float
    amount_mean: float
    amount_sigma: float
    outbound_per_week: float
    max_lag_weeks: int = 26


@dataclass(frozen=True)
class SeriesSpec:
    """One segment x outcome: its size, its media mix, its noise and how it is delivered.

    ``base_level`` is the weekly non-media outcome of a geo of scale 1 at the start;
    ``media_share`` the range of the share of the outcome media drives over the history;
    ``channel_weights`` how that share splits over channels on average. Counts are
    Negative Binomial with dispersion ``noise`` (variance ``mu + mu**2 / noise``); money
    is log-normal with sigma ``noise``.
    """

    segment: str
    outcome: str
    source: str
    unit: str
    base_level: float = 0.0
    media_share: Range = (0.0, 0.0)
    channel_weights: dict[str, float] = field(default_factory=dict)
    noise: float = 100.0
    survey_rate: float = 0.0
    funnel: FunnelSpec | None = None

    @property
    def key(self) -> tuple[str, str]:
        """The series as (segment, outcome)."""
        return (self.segment, self.outcome)


@dataclass(frozen=True)
class LiftSpec:
    """A lift test: ``holdout`` switches the channel off, ``scale`` multiplies its spend.

    ``start_week`` counts from the first delivered week; ``geo`` is a geo name or ``ALL``.
    ``sigma_factor`` inflates the pure sampling error of the window's outcome to the
    error of a real counterfactual (synthetic control, matched markets).
    """

    experiment_id: str
    channel: str
    geo: str
    segment: str
    outcome: str
    start_week: int
    weeks: int
    design: str
    factor: float = 0.0
    sigma_factor: float = 1.25


@dataclass(frozen=True)
class FamilySpec:
    """A named scenario family: everything but the seed.

    ``order`` is ``adstock_first`` (saturation of carried-over spend) or
    ``saturation_first`` (weekly spend saturates, then its effect carries over).
    ``burn_in`` weeks are simulated before the first delivered week so carry-over and the
    funnel are warm when the data starts, as in a real business. ``cpm_season`` buys
    impressions at a seasonal cost (``heldout.cost``); ``exposure`` says what moves the
    outcomes, ``spend`` or ``impressions``. ``draws_as`` names the family whose random
    streams a twin shares, so that twins differ only in what their fields change.
    """

    name: str
    geos: tuple[GeoSpec, ...]
    weeks: int
    start: date
    channels: tuple[ChannelSpec, ...]
    series: tuple[SeriesSpec, ...]
    order: str
    controls: tuple[str, ...]
    holiday: str = "bump"
    lift_tests: tuple[LiftSpec, ...] = ()
    burn_in: int = 26
    description: str = ""
    cpm_season: bool = False
    exposure: str = "spend"
    draws_as: str = ""

    def channel(self, name: str) -> ChannelSpec:
        """The channel of this name."""
        return next(c for c in self.channels if c.name == name)
