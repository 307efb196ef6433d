"""The catalogue of paid channels: how each is bought, exported, tracked and how it acts.

A channel behaves alike in every family it appears in (search is near-immediate, brand
video and TV peak weeks after spend, podcast starts late); families change budgets and
flighting with ``dataclasses.replace``. Platform and campaign names are ones the
project's ``channel_map_platform`` seed maps to the channel's canonical name.
"""

from __future__ import annotations

from heldout.spec import ChannelSpec

# fmt: off
CHANNELS: dict[str, ChannelSpec] = {
    c.name: c
    for c in (
        ChannelSpec("meta", "facebook", ("Prospecting - Broad", "Retargeting 30d"), 6000,
                    "always_on", "geometric", {"alpha": (0.3, 0.55)}, cpm=9.0, ctr=0.009,
                    capture=0.3, through_branded=0.2),
        ChannelSpec("tiktok", "tiktok", ("TT_Spark_Ads",), 3500, "launch", "geometric",
                    {"alpha": (0.15, 0.4)}, cpm=6.0, ctr=0.007, capture=0.25,
                    through_branded=0.15, launch_week=50),
        ChannelSpec("youtube", "google_ads", ("YT_Awareness_Video", "YouTube - Consideration"),
                    4500, "always_on", "weibull", {"shape": (1.5, 2.2), "peak": (2, 3)},
                    cpm=11.0, ctr=0.003, capture=0.03, through_branded=0.25),
        ChannelSpec("search_nonbrand", "google_ads", ("Search_NonBrand_Generic",
                    "Search - Competitor"), 4500, "always_on", "geometric",
                    {"alpha": (0.03, 0.15)}, cpm=45.0, ctr=0.05, capture=0.85,
                    q4_push=(0.1, 0.4)),
        ChannelSpec("branded_search", "google_ads", ("Search_Brand_Exact",), 1500, "always_on",
                    "geometric", {"alpha": (0.0, 0.08)}, cpm=60.0, ctr=0.12, capture=0.85,
                    q4_push=(0.1, 0.4)),
        ChannelSpec("tv", "linear_tv", ("National Flight",), 14000, "bursts", "weibull",
                    {"shape": (1.3, 1.8), "peak": (2, 4)}, cpm=28.0, ctr=None, capture=0.02,
                    through_branded=0.3, national=True),
        ChannelSpec("podcast", "spotify", ("Host-read sponsorship",), 4000, "bursts",
                    "delayed_gamma", {"shape": (2.0, 3.5), "scale": (0.6, 1.0),
                    "delay": (1, 2)}, cpm=22.0, ctr=None, capture=0.04, through_branded=0.25),
        ChannelSpec("linkedin", "linkedin", ("ABM - Decision Makers", "Sponsored Content - Demo"),
                    8000, "trending", "geometric", {"alpha": (0.45, 0.65)}, cpm=35.0,
                    ctr=0.006, capture=0.35, through_branded=0.2),
        ChannelSpec("display", "dv360", ("Programmatic Prospecting",), 3000, "always_on",
                    "geometric", {"alpha": (0.2, 0.45)}, cpm=3.0, ctr=0.0015, capture=0.05,
                    through_branded=0.1),
    )
}
# fmt: on
