"""What click tracking sees: the UTMs and referrer of a session, given its true source.

Upper-funnel media rarely gets the click: people who saw a TikTok or heard a podcast
come back later through a branded-search ad, by typing the URL (direct) or via Google.
:data:`CAPTURE` holds how each true source shows up on the converting session, and
:func:`session_forms` lists the messy real-world spellings of each kind of session.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from mmm_pipeline.simulate.business import SOURCES, Geo

SESSION_KINDS = (
    "direct",
    "meta",
    "tiktok",
    "youtube",
    "search_nonbrand",
    "branded_search",
    "linkedin",
    "podcast",
    "organic_search",
    "organic_social",
    "referral",
    "email",
)

# How the converting session of each true source is tracked (session kind: probability).
CAPTURE: dict[str, dict[str, float]] = {
    "meta": {"meta": 0.25, "branded_search": 0.40, "direct": 0.30, "organic_search": 0.05},
    "tiktok": {"tiktok": 0.22, "branded_search": 0.38, "direct": 0.33, "organic_search": 0.05,
               "organic_social": 0.02},
    "youtube": {"youtube": 0.12, "branded_search": 0.45, "direct": 0.33, "organic_search": 0.10},
    "search_nonbrand": {"search_nonbrand": 0.85, "direct": 0.10, "organic_search": 0.05},
    "branded_search": {"branded_search": 0.90, "direct": 0.10},
    "linkedin": {"linkedin": 0.35, "branded_search": 0.30, "direct": 0.30, "organic_search": 0.05},
    "podcast": {"podcast": 0.03, "branded_search": 0.50, "direct": 0.37, "organic_search": 0.10},
    "tv": {"branded_search": 0.50, "direct": 0.40, "organic_search": 0.10},
    "word_of_mouth": {"direct": 0.55, "branded_search": 0.25, "organic_search": 0.20},
    "baseline": {"organic_search": 0.40, "direct": 0.30, "referral": 0.12, "email": 0.10,
                 "organic_social": 0.08},
}  # fmt: skip

# How the first tracked visit of a journey looks, per true source.
FIRST_VISIT: dict[str, dict[str, float]] = {
    "meta": {"meta": 0.65, "organic_social": 0.10, "direct": 0.10, "organic_search": 0.15},
    "tiktok": {"tiktok": 0.65, "organic_social": 0.15, "direct": 0.10, "organic_search": 0.10},
    "youtube": {"youtube": 0.45, "organic_search": 0.30, "direct": 0.25},
    "search_nonbrand": {"search_nonbrand": 0.80, "organic_search": 0.20},
    "branded_search": {"branded_search": 0.50, "direct": 0.30, "organic_search": 0.20},
    "linkedin": {"linkedin": 0.60, "direct": 0.20, "organic_search": 0.20},
    "podcast": {"podcast": 0.05, "organic_search": 0.45, "branded_search": 0.20, "direct": 0.30},
    "tv": {"organic_search": 0.40, "branded_search": 0.30, "direct": 0.30},
    "word_of_mouth": {"direct": 0.50, "organic_search": 0.35, "branded_search": 0.15},
    "baseline": {"organic_search": 0.40, "referral": 0.15, "email": 0.10, "organic_social": 0.10,
                 "direct": 0.25},
}  # fmt: skip

REFERRAL_SITES = (
    ("https://www.g2.com/products/acme/reviews", 0.30),
    ("https://www.capterra.com/p/acme/", 0.20),
    ("https://www.producthunt.com/posts/acme", 0.15),
    ("https://news.ycombinator.com/", 0.10),
    ("https://medium.com/@growthnotes/best-tools-2024", 0.15),
    ("https://blog.partner-agency.com/stack", 0.10),
)
Choice = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Form:
    """One spelling of a session: the four tracked fields (empty = not captured)."""

    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    referrer: str = ""


def _product(weight: float, *fields: Choice) -> list[tuple[Form, float]]:
    return [
        (Form(*(value for value, _ in combo)), weight * float(np.prod([w for _, w in combo])))
        for combo in product(*fields)
    ]


def _paid_search(geo: Geo, campaigns: Choice) -> list[tuple[Form, float]]:
    google = f"https://{geo.google_host}/"
    bing_share = 0.2 if geo.code == "US" else 0.0
    out = _product(1.0 - bing_share, (("google", 1.0),),
                   (("cpc", 0.7), ("CPC", 0.15), ("ppc", 0.15)), campaigns,
                   (("", 0.4), (google, 0.6)))  # fmt: skip
    if bing_share:
        out += _product(bing_share, (("bing", 1.0),), (("cpc", 1.0),), campaigns,
                        (("", 0.5), ("https://www.bing.com/", 0.5)))  # fmt: skip
    return out


def session_forms(kind: str, geo: Geo) -> list[tuple[Form, float]]:
    """Every spelling of a session kind in a geo, with its probability.

    Returns
    -------
    list of tuple of (Form, float)
        Each spelling (UTM fields and referrer) with its weight; the weights of a kind sum
        to 1.
    """
    fb_ref = (("", 0.5), ("https://l.facebook.com/", 0.35), ("https://m.facebook.com/", 0.15))
    ig_ref = (("", 0.5), ("https://l.instagram.com/", 0.5))
    meta_medium = (("paid_social", 0.5), ("cpc", 0.25), ("Paid Social", 0.15), ("paid", 0.1))
    meta_campaign = (("prospecting_lal1", 0.5), ("retargeting_website", 0.3),
                     ("Prospecting-Broad", 0.2))  # fmt: skip
    forms: dict[str, list[tuple[Form, float]]] = {
        "direct": [(Form(), 1.0)],
        "meta": _product(0.85 * 0.6, (("facebook", 0.6), ("fb", 0.25), ("meta", 0.15)),
                         meta_medium, meta_campaign, fb_ref)
        + _product(0.85 * 0.4, (("ig", 0.65), ("Instagram", 0.35)), meta_medium, meta_campaign,
                   ig_ref)
        + [(Form(referrer="https://l.facebook.com/"), 0.08),
           (Form(referrer="https://l.instagram.com/"), 0.05),
           (Form(referrer="https://m.facebook.com/"), 0.02)],
        "tiktok": _product(1.0, (("tiktok", 0.7), ("TikTok", 0.3)),
                           (("paid_social", 0.6), ("cpc", 0.4)),
                           (("tt_spark_ads", 0.6), ("tt_prospecting", 0.4)),
                           (("", 0.6), ("https://www.tiktok.com/", 0.4))),
        "youtube": [*_product(0.4, (("youtube", 1.0),), (("video", 1.0),), (("yt_awareness", 1.0),),
                            (("", 0.5), ("https://www.youtube.com/", 0.5))),
                    (Form("google", "video", "yt_awareness"), 0.35),
                    (Form(referrer="https://www.youtube.com/"), 0.25)],
        "search_nonbrand": _paid_search(
            geo, (("nonbrand_generic", 0.6), ("NonBrand-Competitors", 0.4))
        ),
        "branded_search": _paid_search(geo, (("brand_exact", 0.6), ("Brand-Core", 0.4))),
        "linkedin": [*_product(0.8, (("linkedin", 0.7), ("LinkedIn", 0.3)),
                             (("paid_social", 0.6), ("sponsored", 0.4)),
                             (("abm_decision_makers", 0.5), ("demo_leadgen", 0.5)),
                             (("", 0.5), ("https://www.linkedin.com/", 0.5))),
                     (Form(referrer="https://lnkd.in/eA7xQ2b"), 0.12),
                     (Form(referrer="https://lnkd.in/dF3kPz9"), 0.08)],
        "podcast": [(Form("podcast", "audio", "hostread"), 1.0)],
        "organic_search": [(Form(referrer=f"https://{geo.google_host}/"), 0.85),
                           (Form(referrer="https://www.bing.com/"), 0.10),
                           (Form(referrer="https://duckduckgo.com/"), 0.05)],
        "organic_social": [(Form(referrer="https://www.instagram.com/"), 0.5),
                           (Form(referrer="https://www.facebook.com/"), 0.2),
                           (Form(referrer="https://www.linkedin.com/"), 0.15),
                           (Form(referrer="https://t.co/"), 0.15)],
        "referral": [(Form(referrer=url), w) for url, w in REFERRAL_SITES],
        "email": [*_product(0.85, (("newsletter", 1.0),), (("email", 1.0),),
                          (("weekly_digest", 0.5), ("product_update", 0.3),
                           ("onboarding_nurture", 0.2)), (("", 1.0),)),
                  (Form(referrer="https://mail.google.com/"), 0.15)],
    }  # fmt: skip
    return forms[kind]


@dataclass(frozen=True)
class FormTable:
    """All spellings used in this run; form 0 is the empty session (nothing captured)."""

    forms: list[Form]
    groups: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]

    def column(self, field: str) -> list[str]:
        """One tracked field for every form, indexable by form number.

        Returns
        -------
        list of str
            ``field`` of each form, in form-number order.
        """
        return [getattr(f, field) for f in self.forms]


def build_form_table(geos: tuple[Geo, ...]) -> FormTable:
    """Give every spelling of every session kind in every geo a form number.

    Returns
    -------
    FormTable
        The forms, and per (session kind, geo) their form numbers with the cumulative
        probabilities to draw them by.
    """
    forms: list[Form] = [Form()]
    groups = {}
    for g, geo in enumerate(geos):
        for k, kind in enumerate(SESSION_KINDS):
            entries = session_forms(kind, geo)
            index = np.arange(len(forms), len(forms) + len(entries))
            forms.extend(f for f, _ in entries)
            weights = np.array([w for _, w in entries])
            groups[(k, g)] = (index, np.cumsum(weights) / weights.sum())
    return FormTable(forms=forms, groups=groups)


def _table(probabilities: dict[str, dict[str, float]]) -> np.ndarray:
    matrix = np.zeros((len(SOURCES), len(SESSION_KINDS)))
    for s, source in enumerate(SOURCES):
        for kind, p in probabilities[source].items():
            matrix[s, SESSION_KINDS.index(kind)] = p
    return np.cumsum(matrix / matrix.sum(axis=1, keepdims=True), axis=1)


CAPTURE_CDF = _table(CAPTURE)
FIRST_VISIT_CDF = _table(FIRST_VISIT)


def draw_kinds(source: np.ndarray, cdf: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw a session kind per row from its true source's distribution.

    Returns
    -------
    np.ndarray
        An index into ``SESSION_KINDS`` per row, int16.
    """
    u = rng.random(len(source))
    kinds = np.zeros(len(source), dtype=np.int16)
    for s in range(len(SOURCES)):
        rows = source == s
        kinds[rows] = np.searchsorted(cdf[s], u[rows], side="right").clip(max=cdf.shape[1] - 1)
    return kinds


def draw_forms(
    kind: np.ndarray, geo_idx: np.ndarray, table: FormTable, rng: np.random.Generator
) -> np.ndarray:
    """Draw a spelling (form number) per row for its session kind and geo.

    Returns
    -------
    np.ndarray
        A form number per row, int32.
    """
    u = rng.random(len(kind))
    key = kind.astype(np.int64) * 1000 + geo_idx
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    out = np.zeros(len(kind), dtype=np.int32)
    for (k, g), (index, cdf) in table.groups.items():
        lo, hi = np.searchsorted(sorted_key, [k * 1000 + g, k * 1000 + g + 1])
        rows = order[lo:hi]
        pick = np.searchsorted(cdf, u[rows], side="right").clip(max=len(index) - 1)
        out[rows] = index[pick]
    return out
