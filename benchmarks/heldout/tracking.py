"""What tracking and a survey show of each conversion, given the channel that caused it.

Clicks show little of what media causes: a channel's conversions carry its UTM only at
its capture rate (search often, social sometimes, video and TV almost never); many people
a channel convinced search the brand and click a branded-search ad, so that ad collects
credit for demand others created; the rest arrive direct or from organic search with no
UTM at all. Survey answers are noisy in their own way: people name the channel that
reached them only some of the time, and "Google" for anything they looked up. Every
spelling here is one the project's mapping seeds understand (dbt_project/seeds/).
"""

from __future__ import annotations

import numpy as np

from heldout.business import BASELINE

Form = tuple[str, str, str, str]  # utm_source, utm_medium, utm_campaign, referrer

CLICK_FORMS: dict[str, tuple[Form, ...]] = {
    "meta": (
        ("facebook", "paid_social", "prospecting_broad", ""),
        ("fb", "cpc", "retargeting_30d", ""),
        ("ig", "paid_social", "reels_always_on", ""),
        ("Instagram", "paid", "stories_q", ""),
        ("", "", "", "https://l.facebook.com/l.php"),
    ),
    "tiktok": (
        ("tiktok", "paid_social", "spark_ads", ""),
        ("TikTok", "cpc", "always_on", ""),
    ),
    "youtube": (
        ("youtube", "cpv", "awareness", ""),
        ("google", "video", "yt_brand_story", ""),
        ("", "", "", "https://www.youtube.com/"),
    ),
    "search_nonbrand": (
        ("google", "cpc", "search_nonbrand_generic", ""),
        ("google", "ppc", "Generic_Category", ""),
        ("bing", "cpc", "nonbrand_competitor", ""),
    ),
    "branded_search": (
        ("google", "cpc", "brand_exact", ""),
        ("google", "paid_search", "Brand_Core", ""),
        ("bing", "cpc", "brand", ""),
    ),
    "linkedin": (
        ("linkedin", "paid_social", "abm_decision_makers", ""),
        ("lnkd", "cpc", "sponsored_content", ""),
        ("", "", "", "https://lnkd.in/"),
    ),
    "podcast": (
        ("spotify", "podcast", "host_read", ""),
        ("podcast", "audio", "promo_code", ""),
    ),
    "tv": (("tv", "tv", "vanity_url", ""),),
    "display": (
        ("gdn", "display", "retargeting_banners", ""),
        ("dv360", "programmatic", "prospecting", ""),
    ),
}
UNTRACKED: tuple[tuple[Form, float], ...] = (
    (("", "", "", ""), 0.6),
    (("", "", "", "https://www.google.com/"), 0.25),
    (("", "", "", "https://www.instagram.com/"), 0.1),
    (("", "", "", "https://www.reviewsite.com/best-apps"), 0.05),
)
# How baseline (non-media) conversions arrive; brand searchers clicking the brand ad are
# a large part of what branded search collects without causing.
BASELINE_ARRIVALS: tuple[tuple[Form, float], ...] = (
    (("", "", "", ""), 0.36),
    (("", "", "", "https://www.google.com/"), 0.22),
    (("google", "organic", "", ""), 0.03),
    (("google", "cpc", "brand_exact", ""), 0.12),
    (("newsletter", "email", "weekly_digest", ""), 0.08),
    (("", "", "", "https://www.facebook.com/"), 0.07),
    (("instagram", "social", "bio_link", ""), 0.04),
    (("", "", "", "https://www.reviewsite.com/best-apps"), 0.08),
)
SURVEY_LABELS: dict[str, tuple[str, ...]] = {
    "meta": ("Instagram", "Facebook", "saw it on insta", "IG ad"),
    "tiktok": ("TikTok", "Tik Tok"),
    "youtube": ("YouTube", "Youtube ad", "YT"),
    "search_nonbrand": ("Google", "google search", "Searched online"),
    "branded_search": ("Google", "google search"),
    "linkedin": ("LinkedIn", "Linkedin post"),
    "podcast": ("Podcast", "Spotify", "a podcast I listen to"),
    "tv": ("TV", "TV commercial", "saw an ad on television"),
    "display": ("Banner ad", "an ad on a website"),
}
WORD_OF_MOUTH = ("A friend told me", "my sister recommended it", "A colleague told me about it")
SEARCHED = ("Google", "google search")
NO_IDEA = ("Other", "Don't remember", "not sure")


def _pick(options: tuple, weights: np.ndarray | None, n: int, rng) -> np.ndarray:
    """``n`` draws from ``options``; forms come back as rows of an (n, 4) array."""
    table = np.array(options, dtype=object)
    return table[rng.choice(len(options), size=n, p=weights)]


def _forms(weighted: tuple[tuple[Form, float], ...], n: int, rng) -> np.ndarray:
    forms = tuple(f for f, _ in weighted)
    weights = np.array([w for _, w in weighted])
    return _pick(forms, weights / weights.sum(), n, rng)


def _equal(forms: tuple[Form, ...]) -> tuple[tuple[Form, float], ...]:
    return tuple((f, 1.0) for f in forms)


def click_forms(
    sources: np.ndarray,
    names: tuple[str, ...],
    capture: dict[str, float],
    through_branded: dict[str, float],
    rng: np.random.Generator,
) -> np.ndarray:
    """The (utm_source, utm_medium, utm_campaign, referrer) each conversion arrives with.

    ``sources`` holds per conversion the index of its cause in ``names`` (0 = baseline);
    the result has one row per conversion and those four columns.
    """
    out = np.empty((sources.size, 4), dtype=object)
    for s, name in enumerate(names):
        rows = np.flatnonzero(sources == s)
        if rows.size == 0:
            continue
        if name == BASELINE:
            out[rows] = _forms(BASELINE_ARRIVALS, rows.size, rng)
            continue
        u = rng.random(rows.size)
        through = through_branded.get(name, 0.0)
        branded = u < through
        own = ~branded & (u < through + (1 - through) * capture[name])
        lost = ~branded & ~own
        for mask, weighted in (
            (own, _equal(CLICK_FORMS[name])),
            (branded, _equal(CLICK_FORMS["branded_search"])),
            (lost, UNTRACKED),
        ):
            if mask.any():
                out[rows[mask]] = _forms(weighted, int(mask.sum()), rng)
    return out


def survey_options(channels: tuple[str, ...]) -> tuple[str, ...]:
    """The answer options a survey of a business with these channels shows."""
    options = [SURVEY_LABELS[c][0] for c in channels]
    options += [SEARCHED[0], WORD_OF_MOUTH[0], NO_IDEA[0]]
    return tuple(dict.fromkeys(options))


def survey_answers(
    sources: np.ndarray,
    names: tuple[str, ...],
    recall: dict[str, float],
    options: tuple[str, ...],
    rng: np.random.Generator,
) -> np.ndarray:
    """One answer per respondent, given the index of the cause of their conversion.

    A person a channel convinced names it with probability ``recall[channel]``, else a
    friend, Google or another option; baseline respondents answer at random, a share of
    them crediting friends (word of mouth) or the search they did.
    """
    out = np.empty(sources.size, dtype=object)
    for s, name in enumerate(names):
        rows = np.flatnonzero(sources == s)
        if rows.size == 0:
            continue
        if name == BASELINE:
            kind = rng.choice(4, size=rows.size, p=[0.12, 0.28, 0.1, 0.5])
            pools = (WORD_OF_MOUTH, SEARCHED, NO_IDEA, options)
        else:
            others = tuple(o for o in options if o not in SURVEY_LABELS[name])
            recalled = rng.random(rows.size) < recall[name]
            kind = np.where(recalled, 0, 1 + rng.choice(3, size=rows.size, p=[0.3, 0.3, 0.4]))
            pools = (SURVEY_LABELS[name], WORD_OF_MOUTH, SEARCHED, others)
        for k, pool in enumerate(pools):
            chosen = rows[kind == k]
            if chosen.size:
                out[chosen] = _pick(pool, None, chosen.size, rng)
    return out
