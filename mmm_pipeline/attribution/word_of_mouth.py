"""How much of the demand-capture pool is Word of Mouth, from post-purchase survey answers.

Word of Mouth has no spend and no clicks: a customer sent by a friend types the name or
searches the brand, so the conversion lands on Direct or Branded Search. Only the survey
("how did you hear about us?") reveals it.

Reading it off the respondents naively is biased by who answers: response rates differ
by channel (a Direct visitor may answer more often than a Branded Search clicker), and a
channel whose customers answer eagerly would inflate the share. So the estimate is
stratified by the converting (last-click) channel: within each pool channel and geo,
the share of respondents naming a friend, family or a colleague, applied to that
channel's own conversions. Each stratum's share is a Beta posterior (answers naming Word
of Mouth out of all answers), shrunk towards the channel's share over all geos with the
weight of ``PRIOR_RESPONSES`` answers, so a geo with a handful of answers borrows from
the others; its draws carry the survey's sampling uncertainty into the intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.publish import has_table

WORD_OF_MOUTH = "word_of_mouth"
SURVEY_TABLE = "intermediate.int_survey_responses_mapped"
# Pseudo-answers of the channel's all-geo share that each geo's share is shrunk towards.
PRIOR_RESPONSES = 20.0


def survey_counts(conn: DuckDBPyConnection, segment: str, outcome: str) -> pd.DataFrame:
    """Answers per geo and converting channel: ``geo, channel, responses, wom_responses``.

    Parameters
    ----------
    conn
        A connection to the warehouse.
    segment, outcome
        The series whose converting respondents are counted.

    Returns
    -------
    pandas.DataFrame
        One row per geo and last-click channel with answers tied to a conversion:
        ``responses`` counts all of them, ``wom_responses`` those naming Word of Mouth
        (both floats). Empty, with these columns, when there is no survey table.
    """
    if not has_table(conn, SURVEY_TABLE):
        return pd.DataFrame(columns=["geo", "channel", "responses", "wom_responses"])
    return conn.execute(
        f"select geo, last_click_channel as channel, count(*)::double as responses, "  # noqa: S608
        "count(*) filter (where channel = ?)::double as wom_responses "
        f"from {SURVEY_TABLE} where has_conversion and segment = ? and outcome = ? "
        "group by all order by all",
        [WORD_OF_MOUTH, segment, outcome],
    ).df()


def wom_share_draws(
    counts: pd.DataFrame,
    geos: list[str],
    channels: list[str],
    samples: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draws of the Word-of-Mouth share of each (geo, converting channel), (sample, geo, channel).

    Strata without answers take the channel's all-geo share; channels without any
    answers get 0 (no evidence of Word of Mouth among them).

    Parameters
    ----------
    counts
        Answers as from :func:`survey_counts`.
    geos, channels
        The axes of the result, in order.
    samples
        Number of draws.
    rng
        The random generator the Beta draws come from.

    Returns
    -------
    numpy.ndarray
        Shape (samples, geos, channels): shares between 0 and 1; all zero when ``counts``
        is empty.
    """
    shares = np.zeros((samples, len(geos), len(channels)))
    if counts.empty:
        return shares
    overall = counts.groupby("channel")[["responses", "wom_responses"]].sum()
    cells = counts.set_index(["geo", "channel"])
    for j, channel in enumerate(channels):
        if channel not in overall.index or overall.at[channel, "responses"] <= 0:
            continue
        prior = overall.at[channel, "wom_responses"] / overall.at[channel, "responses"]
        for i, geo in enumerate(geos):
            answered, named = 0.0, 0.0
            if (geo, channel) in cells.index:
                answered = float(cells.at[(geo, channel), "responses"])
                named = float(cells.at[(geo, channel), "wom_responses"])
            a = named + PRIOR_RESPONSES * prior
            b = answered - named + PRIOR_RESPONSES * (1.0 - prior)
            shares[:, i, j] = rng.beta(max(a, 1e-6), max(b, 1e-6), size=samples)
    return shares


def has_word_of_mouth(counts: pd.DataFrame) -> bool:
    """Whether any survey answer of the series names Word of Mouth.

    Parameters
    ----------
    counts
        Answers as from :func:`survey_counts`.

    Returns
    -------
    bool
        True when ``wom_responses`` adds up to more than 0.
    """
    return bool(not counts.empty and counts["wom_responses"].sum() > 0)
