"""Conversion events and survey answers from drawn counts, one row per conversion.

Counts per week, geo and cause become timestamped events spread over the days of their
week, each with the UTMs or referrer tracking caught and, for a share of them, the
answer their customer gave to "how did you hear about us?". The cause stays in a column
the landing zone drops, so the survey can be answered from it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from heldout import tracking
from heldout.spec import ChannelSpec, SeriesSpec

# Monday to Sunday: weekdays convert a little more than weekends.
DAY_WEIGHTS = np.array([1.06, 1.08, 1.05, 1.02, 0.95, 0.9, 0.94])
HOUR_WEIGHTS = np.array(
    [
        1,
        0.6,
        0.4,
        0.3,
        0.3,
        0.5,
        1,
        2,
        3,
        4,
        4.5,
        4.5,
        4.5,
        4.5,
        4.5,
        4.5,
        4.2,
        4,
        4.2,
        4.5,
        4.5,
        4,
        3,
        2,
    ],
    dtype=float,
)


def _timestamps(mondays: pd.DatetimeIndex, week: np.ndarray, rng) -> pd.Series:
    day = rng.choice(7, size=week.size, p=DAY_WEIGHTS / DAY_WEIGHTS.sum())
    hour = rng.choice(24, size=week.size, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    seconds = day * 86400 + hour * 3600 + rng.integers(0, 3600, week.size)
    return pd.Series(mondays[week]) + pd.to_timedelta(seconds, unit="s")


def conversion_events(
    counts: np.ndarray,
    series: SeriesSpec,
    mondays: pd.DatetimeIndex,
    geos: tuple[str, ...],
    channels: tuple[ChannelSpec, ...],
    first_customer: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """One row per conversion from counts shaped (delivered weeks, geos, 1 + channels).

    Returns the contract's conversion columns plus ``_source`` (the cause) and
    ``_occurred`` (the timestamp as a datetime) for the survey.
    """
    cells = np.repeat(np.arange(counts.size), counts.ravel())
    week, geo, source = np.unravel_index(cells, counts.shape)
    occurred = _timestamps(mondays, week, rng)
    order = np.argsort(occurred.to_numpy(), kind="stable")
    week, geo, source, occurred = week[order], geo[order], source[order], occurred.iloc[order]
    names = ("baseline", *(c.name for c in channels))
    forms = tracking.click_forms(
        source,
        names,
        {c.name: c.capture for c in channels},
        {c.name: c.through_branded for c in channels},
        rng,
    )
    n = cells.size
    serial = pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(7)
    customers = first_customer + rng.permutation(n)
    return pd.DataFrame(
        {
            "conversion_id": f"{series.segment[:2]}-{series.outcome}-" + serial,
            "occurred_at": occurred.dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy(),
            "geo": np.array(geos, dtype=object)[geo],
            "outcome": series.outcome,
            "value": 0,
            "segment": series.segment,
            "customer_id": "cus_" + pd.Series(customers).astype(str).str.zfill(8),
            "utm_source": forms[:, 0],
            "utm_medium": forms[:, 1],
            "utm_campaign": forms[:, 2],
            "referrer": forms[:, 3],
            "_source": source,
            "_occurred": occurred.to_numpy(),
        }
    )


def survey_responses(
    events: pd.DataFrame,
    series: SeriesSpec,
    channels: tuple[ChannelSpec, ...],
    recall: dict[str, float],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Answers of the share ``series.survey_rate`` of converters who took the survey."""
    took = events[rng.random(len(events)) < series.survey_rate]
    names = ("baseline", *(c.name for c in channels))
    options = tracking.survey_options(tuple(c.name for c in channels))
    answers = tracking.survey_answers(took["_source"].to_numpy(), names, recall, options, rng)
    delay = pd.to_timedelta(rng.exponential(18 * 3600, len(took)) + 300, unit="s")
    answered = pd.Series(took["_occurred"].to_numpy()) + delay
    serial = pd.Series(np.arange(1, len(took) + 1)).astype(str).str.zfill(7)
    return pd.DataFrame(
        {
            "response_id": f"r-{series.segment[:2]}-{series.outcome}-" + serial,
            "conversion_id": took["conversion_id"].to_numpy(),
            "answer": answers,
            "answered_at": answered.dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy(),
            "question_id": "hdyhau",
        }
    )
