"""How the paid channels are bought and exported: platforms, campaigns and their names.

Names are what real exports look like, including the traps the channel mapping must
handle: YouTube bought inside Google Ads, ``NonBrand`` containing ``Brand``, and Meta
exported as ``facebook``, ``Facebook Ads`` or ``meta`` depending on when it was pulled.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Platform:
    """One ad-platform export: the labels it used over time and its US currency label.

    ``labels`` split the quarters of the history evenly: an account export that was
    renamed twice shows three labels. ``us_currency`` is what the US rows carry in the
    ``currency`` column (empty means the reporting currency).
    """

    key: str
    labels: tuple[str, ...]
    us_currency: str


PLATFORMS: dict[str, Platform] = {
    p.key: p
    for p in (
        Platform("meta", ("facebook", "Facebook Ads", "meta"), "USD"),
        Platform("tiktok", ("TikTok Ads", "tiktok"), "USD"),
        Platform("google_ads", ("adwords", "google_ads", "google_ads", "google_ads"), ""),
        Platform("youtube", ("youtube",), ""),
        Platform("bing_ads", ("bing_ads",), "USD"),
        Platform("linkedin", ("linkedin",), "USD"),
        Platform("podcast", ("podcast",), ""),
        Platform("tv", ("tv",), ""),
    )
}


@dataclass(frozen=True)
class Campaign:
    """A campaign of a channel: its export, name (``{geo}`` is filled in) and budget share.

    ``start_frac`` is the share of history before the campaign was created; ``geos``
    limits it to some markets.
    """

    channel: str
    platform: str
    name: str
    share: float
    start_frac: float = 0.0
    geos: tuple[str, ...] | None = None


CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign("meta", "meta", "{geo}_Prospecting_LAL1", 0.45),
    Campaign("meta", "meta", "{geo}_Prospecting_Broad", 0.25, 0.3),
    Campaign("meta", "meta", "Retargeting - Website", 0.30),
    Campaign("tiktok", "tiktok", "{geo}_TT_Spark_Ads", 0.6),
    Campaign("tiktok", "tiktok", "{geo}_TT_Prospecting", 0.4),
    Campaign("youtube", "google_ads", "{geo}_YT_Video_Awareness", 0.55),
    Campaign("youtube", "google_ads", "{geo}_YT_Consideration", 0.20, 0.4),
    Campaign("youtube", "youtube", "YouTube Select - Brand Film", 0.25),
    Campaign("search_nonbrand", "google_ads", "{geo}_Search_NonBrand_Generic", 0.55),
    Campaign("search_nonbrand", "google_ads", "Search - Non-Brand - Competitors", 0.30),
    Campaign("search_nonbrand", "bing_ads", "{geo}_Bing_NonBrand_Generic", 0.15, 0.0, ("US",)),
    Campaign("branded_search", "google_ads", "{geo}_Search_Brand_Exact", 0.6),
    Campaign("branded_search", "google_ads", "Brand - Core", 0.3),
    Campaign("branded_search", "bing_ads", "{geo}_Bing_Brand", 0.1, 0.0, ("US",)),
    Campaign("linkedin", "linkedin", "{geo}_LI_ABM_Decision_Makers", 0.6),
    Campaign("linkedin", "linkedin", "{geo}_LI_Lead_Gen_Demo", 0.4),
    Campaign("podcast", "podcast", "{geo}_Podcast_HostRead", 0.7),
    Campaign("podcast", "podcast", "{geo}_Podcast_Programmatic_Audio", 0.3),
    Campaign("tv", "tv", "{geo}_TV_Linear_Primetime", 0.7),
    Campaign("tv", "tv", "{geo}_CTV_Streaming", 0.3, 0.3),
)


@dataclass(frozen=True)
class DeliveryMetrics:
    """What a USD buys in a channel: CPM, click-through and engagement rates.

    ``None`` means the export leaves the column empty (offline media has no
    impressions or clicks; search exports have no engagements).
    """

    cpm_usd: float | None
    ctr: float | None
    engagement_rate: float | None


METRICS: dict[str, DeliveryMetrics] = {
    "meta": DeliveryMetrics(9.0, 0.012, 0.020),
    "tiktok": DeliveryMetrics(6.0, 0.009, 0.040),
    "youtube": DeliveryMetrics(12.0, 0.004, 0.250),
    "search_nonbrand": DeliveryMetrics(125.0, 0.050, None),
    "branded_search": DeliveryMetrics(225.0, 0.250, None),
    "linkedin": DeliveryMetrics(35.0, 0.005, 0.010),
    "podcast": DeliveryMetrics(None, None, None),
    "tv": DeliveryMetrics(None, None, None),
}

# Day-of-week weights of spend (Monday first): B2B channels pace to weekdays.
WEEKDAY_PACING: dict[str, tuple[float, ...]] = {
    "linkedin": (1.2, 1.2, 1.2, 1.15, 1.0, 0.6, 0.65),
    "tv": (0.9, 0.9, 0.95, 1.0, 1.1, 1.1, 1.05),
}
FLAT_PACING = (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)


def platform_label(platform: str, quarter: int, n_quarters: int) -> str:
    """Name the platform as the export of ``quarter`` (0-based) spelled it.

    Returns
    -------
    str
        One of the platform's labels, later ones for later quarters, so the spelling drifts
        across the history as real exports do.
    """
    labels = PLATFORMS[platform].labels
    return labels[min(len(labels) - 1, quarter * len(labels) // max(n_quarters, 1))]
