"""What the click and survey data already say about each channel, as a prior for the MMM.

The MMM sits on top of the click data and the post-purchase survey, and both carry
information the weekly spend alone cannot give: a channel that customers almost never
name and that almost never gets the last click is small, whatever its spend. So each
paid channel's media effect gets a prior centred on an expected share of the
conversions:

- the share of survey answers that name it ("how did you hear about us?"), which sees
  the demand that views, podcasts and TV create and no click shows, less the recall
  noise measured where the channel cannot have acted (:func:`survey_noise_rate`);
- otherwise, for a channel whose clicks measure its effect (``clicks_measure_effect`` in
  the channels seed: non-brand search, affiliate), its share of last clicks: customers
  rarely name it, but its clicks are its own;
- otherwise nothing, and the channel keeps the model's default prior. Demand-capture
  channels (branded search) collect clicks for demand other channels created, so their
  last-click share overstates them; channels seen far more than clicked (social, video)
  get a small fraction of the last clicks of the demand they create. On sales-led
  signups, which have no survey, meta's and YouTube's last-click shares put them 70-85%
  below the truth with intervals that missed it in every seed
  (docs/notes/model-recovery.md, section 11).

By default the share is a prior on the channel's summed contribution as a share of
the outcome (share_prior.py, ``media_prior`` in ``model.yaml``). With ``applies_to:
effect`` it becomes the centre of the channel's log media effect on the model's scale
instead: ``log(share * mean(y) / max(y) / mean saturation)`` at the prior's typical
curvature (:func:`log_effect_centres`). Either way the data still decide: a lift test
or a clear response in the spend moves the channel away from it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.marts import last_clicks_weekly, spend_weekly, survey_answers_weekly

SURVEY = "survey"
LAST_CLICK = "last_click"
# A channel that has spent nothing for this many weeks (the adstock length) has no
# effect left: answers naming it there are recall noise.
QUIET_WEEKS = 8
# Noise can at most take nine tenths of a channel's share.
MIN_KEPT_SHARE = 0.1


def survey_noise_rate(conn: DuckDBPyConnection, survey: pd.DataFrame, channels: list[str]) -> float:
    """Share of answers that name a paid channel in geo-weeks where it cannot have acted.

    Survey answers overstate small channels by about the same amount each (people
    misremember). In a geo-week where a channel has spent nothing for ``QUIET_WEEKS``
    weeks (or never ran), any answer naming it is that noise; pooled over channels, this
    gives the rate to take off every channel's survey share.

    Returns
    -------
    float
        Answers naming a channel in its quiet geo-weeks over all answers in those
        geo-weeks, pooled over ``channels``; 0.0 when there is no survey or no quiet
        geo-week.
    """
    totals = survey.groupby(["week_start", "geo"])["responses"].sum()
    if totals.empty:
        return 0.0
    weeks = totals.index.get_level_values(0).unique().sort_values()
    geos = totals.index.get_level_values(1).unique()
    media = spend_weekly(conn, paid_only=False, channels=channels)
    named = survey.set_index(["week_start", "geo", "channel"])["responses"]
    noise, seen = 0.0, 0.0
    for channel in channels:
        spend = media[media["channel"] == channel].pivot_table(
            index="week_start", columns="geo", values="spend", aggfunc="sum"
        )
        spend = spend.reindex(index=weeks, columns=geos).fillna(0.0)
        quiet = spend.rolling(QUIET_WEEKS, min_periods=1).max().eq(0).stack()
        cells = totals.index.intersection(quiet[quiet].index)
        if cells.empty:
            continue
        keys = pd.MultiIndex.from_tuples([(*cell, channel) for cell in cells])
        noise += float(named.reindex(keys).fillna(0).sum())
        seen += float(totals.reindex(cells).sum())
    return noise / seen if seen > 0 else 0.0


def expected_shares(
    conn: DuckDBPyConnection, segment: str, outcome: str, channels: list[str]
) -> dict[str, tuple[float, str]]:
    """Per paid channel, the share of conversions the tracking data attribute to it.

    Returns ``{channel: (share, source)}`` for the channels the data can speak for.

    Returns
    -------
    dict of str to tuple of (float, str)
        Per channel of ``channels``: its survey share less the noise rate (keeping at least
        :data:`MIN_KEPT_SHARE` of it), source :data:`SURVEY`; else, where its clicks
        measure its effect, its last-click share, source :data:`LAST_CLICK`. Channels
        with neither are left out.
    """
    weekly_survey = survey_answers_weekly(conn, segment, outcome)
    survey = weekly_survey.groupby("channel", as_index=False)["responses"].sum()
    survey = survey.rename(columns={"responses": "n"})
    clicks = (
        last_clicks_weekly(conn, segment, outcome)
        .groupby("channel", as_index=False)
        .agg(n=("conversions", "sum"), measures=("clicks_measure_effect", "first"))
    )
    shares: dict[str, tuple[float, str]] = {}
    noise = survey_noise_rate(conn, weekly_survey, channels)
    survey_total = survey["n"].sum()
    click_total = clicks["n"].sum()
    by_survey = survey.set_index("channel")["n"]
    by_click = clicks.set_index("channel")
    for channel in channels:
        if survey_total > 0 and by_survey.get(channel, 0) > 0:
            named = float(by_survey[channel] / survey_total)
            shares[channel] = (max(named - noise, MIN_KEPT_SHARE * named), SURVEY)
        elif (
            click_total > 0
            and channel in by_click.index
            and bool(by_click.loc[channel, "measures"])
            and by_click.loc[channel, "n"] > 0
        ):
            shares[channel] = (float(by_click.loc[channel, "n"] / click_total), LAST_CLICK)
    return shares


def log_effect_centres(
    frame: pd.DataFrame, shares: dict[str, float], lam: float, target: str, geo: str
) -> dict[str, float]:
    """Centre of each channel's log media effect (scaled units) implied by its share.

    ``frame`` is the model panel (one row per date and geo, a column per channel and
    the target); scaling is per geo by the maximum, as the model does.

    Returns
    -------
    dict of str to float
        Per channel with a positive share and some spend, the log of the effect that
        gives that share at the mean saturation of its active weeks (``lam``), spread over
        those weeks.
    """
    centres = {}
    grouped = frame.groupby(geo)
    level = (grouped[target].mean() / grouped[target].max()).median()
    for channel, share in shares.items():
        spend = frame[channel] / grouped[channel].transform("max").replace(0, np.nan)
        active = spend[spend > 0]
        if active.empty or share <= 0:
            continue
        saturation = np.mean((1 - np.exp(-lam * active)) / (1 + np.exp(-lam * active)))
        # Weeks without spend contribute nothing: spread the share over active weeks.
        active_share = len(active) / len(spend)
        centres[channel] = float(np.log(share * level / (saturation * active_share)))
    return centres
