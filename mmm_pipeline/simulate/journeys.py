"""Prior visits (touchpoints) and post-purchase survey answers of self-serve conversions.

A journey starts where the true source put it (a Meta ad click, a Google search after a
podcast) and comes back through branded search or direct; the converting session is
the conversion row itself. The survey asks "how did you hear about us?", and people
answer in their own words, sometimes wrongly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mmm_pipeline.simulate.business import SERIES, SOURCES
from mmm_pipeline.simulate.events import Conversions
from mmm_pipeline.simulate.incidents import Incident
from mmm_pipeline.simulate.timeline import SECONDS_PER_DAY
from mmm_pipeline.simulate.tracking import (
    CAPTURE_CDF,
    FIRST_VISIT_CDF,
    FormTable,
    draw_forms,
    draw_kinds,
)

VISITS_P = (0.45, 0.30, 0.15, 0.10)  # 1..4 prior visits
LOOKBACK_SECONDS = 28 * SECONDS_PER_DAY
SELF_SERVE = np.array([s.segment == "self_serve" for s in SERIES])

SEARCH_ANSWERS = (("Google", 0.7), ("google search", 0.3))
ANSWERS: dict[str, tuple[tuple[str, float], ...]] = {
    "meta": (("Instagram", 0.35), ("Facebook", 0.25), ("saw an ad on insta", 0.25), ("FB", 0.15)),
    "tiktok": (("TikTok", 0.7), ("tik tok", 0.3)),
    "youtube": (("YouTube", 0.7), ("a youtube video", 0.3)),
    "search_nonbrand": SEARCH_ANSWERS,
    "branded_search": SEARCH_ANSWERS,
    "linkedin": (("LinkedIn", 0.7), ("an ad on LinkedIn", 0.3)),
    "podcast": (("Podcast", 0.5), ("heard it on a podcast", 0.3), ("Spotify podcast", 0.2)),
    "tv": (("TV", 0.4), ("TV ad", 0.35), ("saw it on television", 0.25)),
    "word_of_mouth": (("A friend told me", 0.35), ("Friend", 0.2), ("colleague recommended", 0.15),
                      ("word of mouth", 0.15), ("my sister", 0.15)),
    "baseline": (("Google", 0.4), ("Blog", 0.2), ("Other", 0.15), ("Don't remember", 0.25)),
}  # fmt: skip
DONT_REMEMBER = "Don't remember"
RECALL_NOISE = 0.2
RESPONSE_RATE = {"signup": 0.25, "order": 0.35}
# People who came through someone they know, or a show they like, answer more often.
RESPONSE_FACTOR = {
    "word_of_mouth": 1.3,
    "podcast": 1.2,
    "tv": 1.1,
    "baseline": 0.85,
    "branded_search": 0.9,
    "search_nonbrand": 0.9,
}


@dataclass(frozen=True)
class Touchpoints:
    """Column arrays of tracked prior visits, in time order."""

    customer: np.ndarray
    at: np.ndarray
    geo: np.ndarray
    form: np.ndarray


def build_touchpoints(
    conv: Conversions,
    forms: FormTable,
    incidents: list[Incident],
    start_seconds: int,
    rng: np.random.Generator,
) -> Touchpoints:
    """Draw 1-4 prior visits within 28 days before each self-serve conversion.

    Returns
    -------
    Touchpoints
        The visits that fall inside the history and outside a pixel outage, sorted by time;
        visits during a UTM-stripping incident keep no UTMs or referrer (form 0).
    """
    rows = np.nonzero(SELF_SERVE[conv.series])[0].astype(np.int32)
    visits = rng.choice(np.arange(1, 5), size=len(rows), p=VISITS_P)
    owner = np.repeat(rows, visits)
    # Visit j of n falls in the j-th of n equal slices of the 28 days, earliest first,
    # which orders each journey without sorting millions of rows.
    n = np.repeat(visits, visits)
    position = np.arange(len(owner)) - np.repeat(np.cumsum(visits) - visits, visits)
    share = (n - position - rng.random(len(owner))) / n
    offset = (600 + share * (LOOKBACK_SECONDS - 600)).astype(np.int64)
    first_of_owner = position == 0
    source = conv.source[owner]
    kind = np.where(
        first_of_owner,
        draw_kinds(source, FIRST_VISIT_CDF, rng),
        draw_kinds(source, CAPTURE_CDF, rng),
    )
    geo = conv.geo[owner]
    form = draw_forms(kind, geo, forms, rng)
    at = conv.at[owner] - offset
    week = (at - start_seconds) // (7 * SECONDS_PER_DAY)
    keep = at >= start_seconds
    for incident in incidents:
        hit = incident.covers(geo, week)
        if incident.kind == "pixel_outage":
            keep &= ~hit
        else:
            form[hit] = 0
    by_time = np.argsort(at[keep], kind="stable")
    return Touchpoints(
        customer=conv.customer[owner][keep][by_time],
        at=at[keep][by_time],
        geo=geo[keep][by_time],
        form=form[keep][by_time],
    )


@dataclass(frozen=True)
class Survey:
    """Column arrays of survey answers, in answer-time order; ``answer`` indexes ``texts``."""

    conversion_row: np.ndarray
    answered_at: np.ndarray
    answer: np.ndarray
    texts: list[str]


def build_survey(conv: Conversions, present: np.ndarray, rng: np.random.Generator) -> Survey:
    """Sample respondents by true source and draw their answers, recall noise included.

    ``present`` marks the ``SOURCES`` this business has: a wrong recall names another
    of them, never a channel the business does not buy.

    Returns
    -------
    Survey
        One answer per respondent, at least a minute (about six hours on average) after the
        conversion, with the list of answer texts the answers index.
    """
    texts: list[str] = [DONT_REMEMBER]
    groups = []
    for source in SOURCES:
        options = ANSWERS[source]
        index = []
        for text, _ in options:
            if text not in texts:
                texts.append(text)
            index.append(texts.index(text))
        weights = np.array([w for _, w in options])
        groups.append((np.array(index), np.cumsum(weights) / weights.sum()))
    rate = np.array(
        [RESPONSE_RATE.get(s.outcome, 0.0) if s.segment == "self_serve" else 0.0 for s in SERIES]
    )
    factor = np.array([RESPONSE_FACTOR.get(s, 1.0) for s in SOURCES])
    responds = rng.random(len(conv)) < rate[conv.series] * factor[conv.source]
    rows = np.nonzero(responds)[0]
    noise = rng.random(len(rows))
    recalled = np.where(noise < RECALL_NOISE / 2, -1, conv.source[rows])
    wrong = (noise >= RECALL_NOISE / 2) & (noise < RECALL_NOISE)
    named = np.flatnonzero(present)
    shift = rng.integers(1, len(named), len(rows))
    position = np.searchsorted(named, conv.source[rows])
    recalled = np.where(wrong, named[(position + shift) % len(named)], recalled)
    u = rng.random(len(rows))
    answer = np.zeros(len(rows), dtype=np.int32)
    for s, (index, cdf) in enumerate(groups):
        hit = recalled == s
        answer[hit] = index[np.searchsorted(cdf, u[hit], side="right").clip(max=len(index) - 1)]
    delay = 60 + rng.exponential(6 * 3600, len(rows)).astype(np.int64)
    answered_at = conv.at[rows] + delay
    by_time = np.argsort(answered_at, kind="stable")
    return Survey(rows[by_time], answered_at[by_time], answer[by_time], texts)
