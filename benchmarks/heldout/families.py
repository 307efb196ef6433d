"""The named scenario families: b2c (and its CPM twins), aggregate (1, 2 or 8 geos), b2b.

Each family is a kind of business the model must handle; a seed draws one business of
that kind. Channels come from the shared catalogue (``heldout.channels``), with the
family changing budgets and flighting.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from heldout.channels import CHANNELS
from heldout.spec import ChannelSpec, FamilySpec, FunnelSpec, GeoSpec, LiftSpec, SeriesSpec


def _channels(**overrides: dict) -> tuple[ChannelSpec, ...]:
    """The named channels, in order, each with its field overrides."""
    return tuple(replace(CHANNELS[name], **fields) for name, fields in overrides.items())


def b2c() -> FamilySpec:
    """Self-serve signups from six channels, TikTok launched mid-history, two lift tests."""
    weights = {
        "meta": 0.26,
        "tiktok": 0.10,
        "youtube": 0.18,
        "search_nonbrand": 0.20,
        "branded_search": 0.05,
        "tv": 0.21,
    }
    return FamilySpec(
        name="b2c",
        description="B2C self-serve signups, 3 geos x 130 weeks, 6 paid channels",
        geos=(GeoSpec("US", 1.0, 1.0), GeoSpec("GB", 0.55, 0.5), GeoSpec("DE", 0.45, 0.4)),
        weeks=130,
        start=date(2022, 1, 3),
        channels=_channels(
            meta={}, tiktok={}, youtube={}, search_nonbrand={}, branded_search={}, tv={}
        ),
        series=(
            SeriesSpec(
                "self_serve",
                "signup",
                "conversions",
                "count",
                base_level=290.0,
                media_share=(0.28, 0.4),
                channel_weights=weights,
                noise=200.0,
                survey_rate=0.3,
            ),
        ),
        order="adstock_first",
        controls=("event_1", "event_2", "price_index", "competitor_promo"),
        holiday="bump",
        lift_tests=(
            LiftSpec("b2c-meta-holdout-us", "meta", "US", "self_serve", "signup", 70, 6, "holdout"),
            LiftSpec(
                "b2c-youtube-scaleup-all",
                "youtube",
                "ALL",
                "self_serve",
                "signup",
                92,
                6,
                "scale",
                factor=3.0,
            ),
        ),
    )


def b2c_cpm(exposure: str) -> FamilySpec:
    """The b2c business, same draws, buying impressions at a seasonal CPM (``heldout.cost``).

    ``exposure="impressions"``: what moves signups is what buyers saw, so a dear Q4 is
    less media for the money. ``exposure="spend"``: the same seasonal CPM in the exports
    but signups follow the money, the twin where reading impressions would be wrong.
    """
    name = "b2c-cpm" if exposure == "impressions" else "b2c-cpm-spend"
    return replace(
        b2c(),
        name=name,
        description=f"{b2c().description}; seasonal CPM, outcomes follow {exposure}",
        cpm_season=True,
        exposure=exposure,
        draws_as="b2c",
    )


AGGREGATE_SHAPES = {
    1: (("US",), 104, ("meta", "youtube", "search_nonbrand", "tv"), "adstock_first"),
    2: (
        ("US", "CA"),
        131,
        ("meta", "tiktok", "youtube", "search_nonbrand", "tv", "display"),
        "saturation_first",
    ),
    8: (
        ("US-CA", "US-TX", "US-NY", "US-FL", "US-IL", "US-PA", "US-OH", "US-GA"),
        156,
        (
            "meta",
            "tiktok",
            "youtube",
            "search_nonbrand",
            "branded_search",
            "display",
            "podcast",
            "tv",
        ),
        "adstock_first",
    ),
}
AGGREGATE_SCALES = (1.0, 0.62, 0.55, 0.45, 0.36, 0.3, 0.26, 0.22)
AGGREGATE_WEIGHTS = {
    "meta": 0.24,
    "tiktok": 0.1,
    "youtube": 0.14,
    "search_nonbrand": 0.2,
    "branded_search": 0.04,
    "display": 0.06,
    "podcast": 0.06,
    "tv": 0.2,
}
# Budgets for a geo of spend scale 1 selling ~250k a week: media near a fifth of sales.
AGGREGATE_SPEND = {
    "meta": 16000,
    "tiktok": 8000,
    "youtube": 11000,
    "search_nonbrand": 13000,
    "branded_search": 3000,
    "display": 5000,
    "podcast": 5000,
    "tv": 30000,
}
# Many on/off channels in the 8-geo shape, by design: the public 8-geo data has them.
ON_OFF_8GEO = ("tiktok", "youtube", "display", "podcast", "tv")


def aggregate(n_geos: int) -> FamilySpec:
    """Weekly sales in money per geo, delivered only as outcomes; no clicks, no survey."""
    geo_names, weeks, names, order = AGGREGATE_SHAPES[n_geos]
    scales = AGGREGATE_SCALES[: len(geo_names)]
    geos = tuple(GeoSpec(g, s, s) for g, s in zip(geo_names, scales, strict=True))
    overrides: dict[str, dict] = {}
    for name in names:
        fields: dict = {"weekly_spend": AGGREGATE_SPEND[name]}
        if name == "tiktok":
            fields |= {"pattern": "trending" if n_geos == 2 else "bursts"}
        if n_geos == 8 and name in ON_OFF_8GEO:
            fields |= {"pattern": "bursts", "national": name == "tv"}
        overrides[name] = fields
    weights = {n: AGGREGATE_WEIGHTS[n] for n in names}
    return FamilySpec(
        name=f"aggregate-{n_geos}geo",
        description=f"weekly sales only, {n_geos} geo(s) x {weeks} weeks, {len(names)} channels",
        geos=geos,
        weeks=weeks,
        start=date(2021, 1, 4) if n_geos == 8 else date(2021, 9, 6),
        channels=_channels(**overrides),
        series=(
            SeriesSpec(
                "all",
                "sales",
                "outcomes",
                "money",
                base_level=240000.0,
                media_share=(0.18, 0.38),
                channel_weights=weights,
                noise=0.06,
            ),
        ),
        order=order,
        controls=("event_1", "event_2"),
        holiday="bump",
    )


def b2b(upstream: str = "demo_request", name: str = "b2b") -> FamilySpec:
    """Self-serve signups next to a sales-led motion: demo requests feeding CRM pipeline.

    ``upstream`` names the sales-led conversions (a CRM or form may call them ``lead``
    or ``signup``): the pipeline's funnel must be found whatever they are called.
    """
    self_serve = {
        "meta": 0.25,
        "youtube": 0.25,
        "search_nonbrand": 0.22,
        "linkedin": 0.08,
        "branded_search": 0.05,
        "podcast": 0.15,
    }
    sales_led = {
        "linkedin": 0.5,
        "search_nonbrand": 0.15,
        "youtube": 0.1,
        "podcast": 0.08,
        "branded_search": 0.05,
        "meta": 0.07,
    }
    funnel = FunnelSpec(
        upstream=("sales_led", upstream),
        rate=0.35,
        lag_mean=6.0,
        lag_sd=3.0,
        amount_mean=20000.0,
        amount_sigma=0.7,
        outbound_per_week=2.5,
    )
    return FamilySpec(
        name=name,
        description="B2B: self-serve signups, sales-led demo requests and CRM pipeline",
        geos=(GeoSpec("US", 1.0, 1.0), GeoSpec("GB", 0.7, 0.6), GeoSpec("DE", 0.55, 0.5)),
        weeks=156,
        start=date(2021, 7, 5),
        channels=_channels(
            meta={"weekly_spend": 3000},
            youtube={
                "platform": "youtube",
                "campaigns": ("Brand Film - Awareness",),
                "weekly_spend": 5000,
                "kernel_ranges": {"shape": (1.4, 1.8), "peak": (3, 3)},
            },
            linkedin={},
            search_nonbrand={},
            branded_search={},
            podcast={},
        ),
        series=(
            SeriesSpec(
                "self_serve",
                "signup",
                "conversions",
                "count",
                base_level=120.0,
                media_share=(0.25, 0.38),
                channel_weights=self_serve,
                noise=200.0,
                survey_rate=0.3,
            ),
            SeriesSpec(
                "sales_led",
                upstream,
                "conversions",
                "count",
                base_level=32.0,
                media_share=(0.42, 0.55),
                channel_weights=sales_led,
                noise=150.0,
            ),
            SeriesSpec("sales_led", "pipeline", "outcomes", "count", funnel=funnel),
        ),
        order="saturation_first",
        controls=("event_1", "event_2", "price_index"),
        holiday="dip",
        lift_tests=(
            LiftSpec(
                "b2b-linkedin-holdout-us",
                "linkedin",
                "US",
                "sales_led",
                upstream,
                118,
                6,
                "holdout",
            ),
            LiftSpec(
                "b2b-youtube-scaleup-all",
                "youtube",
                "ALL",
                "self_serve",
                "signup",
                100,
                6,
                "scale",
                factor=2.5,
            ),
            LiftSpec("b2b-meta-holdout-gb", "meta", "GB", "self_serve", "signup", 60, 5, "holdout"),
        ),
    )


FAMILIES = {
    "b2c": b2c,
    "b2c-cpm": lambda: b2c_cpm("impressions"),
    "b2c-cpm-spend": lambda: b2c_cpm("spend"),
    "aggregate-1geo": lambda: aggregate(1),
    "aggregate-2geo": lambda: aggregate(2),
    "aggregate-8geo": lambda: aggregate(8),
    "b2b": b2b,
    "b2b-lead": lambda: b2b(upstream="lead", name="b2b-lead"),
}
ALIASES = {"aggregate": "aggregate-2geo"}


def family(name: str) -> FamilySpec:
    """The family of this name (``aggregate`` alone is the 2-geo shape)."""
    key = ALIASES.get(name, name)
    if key not in FAMILIES:
        known = ", ".join([*FAMILIES, *ALIASES])
        raise ValueError(f"unknown family {name!r}; choose one of {known}")
    return FAMILIES[key]()
