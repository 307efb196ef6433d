"""Spend spikes that look like errors, not like the bursts a media plan schedules.

Weekly spend far above its baseline is normal for a marketer: channels are flighted,
paused and scaled up for a launch or a lift test, and a check that warns on every burst
(552 warnings on a public benchmark set whose channels switch on and off by design)
buries the one currency mix-up it exists for. What tells an error from a plan is what
came with the spend:

- a planned burst buys more impressions and clicks, so its cost per impression (or per
  click) stays near its usual level; spend booked in the wrong currency, or a cost
  column that doubled on its own, buys nothing more, and the cost per impression jumps
  with the spend;
- a channel whose platforms report no impressions or clicks (TV, podcasts) has only its
  amounts to go on: a spike whose size is the ratio between two currencies of the
  rates seed, far beyond any planned burst;
- rows billed in a currency the geo and platform hardly ever use, in a spike week;
- a duplicated export (the same days delivered again under another campaign or
  platform label, so staging's last-delivery-wins cannot drop it) repeats rows exactly:
  same day, geo, channel, amount, impressions and clicks.

Consecutive flagged weeks of one geo and channel are one finding with their date range:
an incident is one thing to fix, however many weeks it lasts.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.quality.baselines import with_baseline
from mmm_pipeline.quality.findings import finding, week_label
from mmm_pipeline.quality.thresholds import QualityThresholds

# A spike this close (as a ratio) to the ratio of two currencies' rates matches them.
RATE_MATCH = 1.1
# Ratios of rates below this are within what a planned burst does (a 6x scale-up for a
# lift test is a plan, and matches BRL to USD): only larger ones (kronor, pesos, rupees,
# yen booked as dollars or euros) speak for a mix-up where nothing else can.
MIN_RATE_RATIO = 8.0


def spend_spikes(conn: DuckDBPyConnection, t: QualityThresholds) -> list[dict]:
    """Weeks of spend far above its baseline that carry the marks of an error.

    Parameters
    ----------
    conn
        A connection to the warehouse with its marts built.
    t
        The thresholds in force (defaults, or the file in ``MMM_QUALITY_CONFIG``).

    Returns
    -------
    list of dict
        One ``spend_spike`` warning per geo, channel and run of consecutive flagged weeks,
        naming the evidence (cost per impression or click, a currency, a duplicated
        export). Each is a row of ``mmm.data_quality_issues``.
    """
    weekly = _weekly_evidence(conn, t)
    if weekly.empty:
        return []
    flagged = weekly[weekly["evidence"] != ""]
    return [_finding(run) for run in _runs(flagged)]


def _weekly_evidence(conn: DuckDBPyConnection, t: QualityThresholds) -> pd.DataFrame:
    """Per geo, channel and week with spend, why it looks like an error ('' when it does not).

    Returns
    -------
    pandas.DataFrame
        ``week_start, geo, channel, spend, spend_median, evidence``, in week order per geo
        and channel; the baselines are over the channel's active weeks only, so pauses do
        not pull them down.
    """
    frame = conn.execute(
        "select week_start, geo, channel, spend, impressions, clicks "
        "from marts.fct_media_weekly where spend > 0"
    ).df()
    if frame.empty:
        return frame.assign(spend_median=[], evidence=[])
    frame["week_start"] = pd.to_datetime(frame["week_start"])
    frame["per_impression"] = frame["spend"] / frame["impressions"].where(frame["impressions"] > 0)
    frame["per_click"] = frame["spend"] / frame["clicks"].where(frame["clicks"] > 0)
    for value in ("spend", "per_impression", "per_click"):
        baseline = with_baseline(
            frame, ["geo", "channel"], value, t.baseline_weeks, t.min_baseline_weeks
        )
        frame = baseline.drop(columns=[f"{value}_mad"])
    frame["ratio"] = frame["spend"] / frame["spend_median"]
    spike = frame["ratio"] > t.spend_spike_ratio
    evidence = pd.Series("", index=frame.index)
    costs = (("per_impression", "cost per impression"), ("per_click", "cost per click"))
    for value, label in costs:
        jump = frame[value] / frame[f"{value}_median"]
        costly = spike & (evidence == "") & (jump > t.spend_spike_cost_ratio)
        evidence[costly] = [f"its {label} rose {j:.1f}x with it" for j in jump[costly]]
    unmeasured = frame["impressions"].isna() & frame["clicks"].isna()
    matched = frame["ratio"].map(_currency_ratio_matched(conn))
    by_rate = spike & (evidence == "") & unmeasured & matched.notna()
    evidence[by_rate] = [f"the jump matches the {m} exchange rate" for m in matched[by_rate]]
    frame["evidence"] = evidence
    frame = _add_row_evidence(frame, _foreign_currency_weeks(conn), spike, "billed in {}")
    frame = _add_row_evidence(
        frame,
        _duplicated_weeks(conn, t),
        pd.Series(True, index=frame.index),
        "{} repeats another export row for row",
    )
    return frame[["week_start", "geo", "channel", "spend", "spend_median", "evidence"]]


def _add_row_evidence(
    frame: pd.DataFrame, weeks: pd.DataFrame, eligible: pd.Series, template: str
) -> pd.DataFrame:
    """Mark eligible weeks found in ``weeks`` (``week_start, geo, channel, detail``).

    Returns
    -------
    pandas.DataFrame
        ``frame`` with ``template.format(detail)`` as the evidence of eligible weeks that
        have none yet and appear in ``weeks``.
    """
    if weeks.empty:
        return frame
    weeks = weeks.assign(week_start=pd.to_datetime(weeks["week_start"]))
    joined = frame.merge(weeks, on=["week_start", "geo", "channel"], how="left")
    mark = eligible.to_numpy() & (joined["evidence"] == "") & joined["detail"].notna()
    joined.loc[mark, "evidence"] = [template.format(d) for d in joined.loc[mark, "detail"]]
    return joined.drop(columns=["detail"])


def _currency_ratio_matched(conn: DuckDBPyConnection):
    """A lookup from a spike ratio to the currency pair whose rate ratio it matches.

    Returns
    -------
    callable
        ``ratio -> "JPY/USD"``-style label, or None when no pair of the rates seed with a
        ratio of at least :data:`MIN_RATE_RATIO` is within :data:`RATE_MATCH` of it.
    """
    rates = conn.execute("select currency, rate_to_usd from seeds.currency_rates").df()
    pairs = [
        (high / low, f"{a}/{b}")
        for a, high in zip(rates["currency"], rates["rate_to_usd"], strict=True)
        for b, low in zip(rates["currency"], rates["rate_to_usd"], strict=True)
        if low > 0 and high / low >= MIN_RATE_RATIO
    ]

    def matched(ratio: float) -> str | None:
        if not np.isfinite(ratio) or ratio <= 0:
            return None
        for pair_ratio, label in pairs:
            if abs(np.log(ratio / pair_ratio)) < np.log(RATE_MATCH):
                return label
        return None

    return matched


def _foreign_currency_weeks(conn: DuckDBPyConnection) -> pd.DataFrame:
    """Weeks in which a geo and platform billed in a currency of at most a tenth of its days.

    Returns
    -------
    pandas.DataFrame
        ``week_start, geo, channel, detail`` (the unusual currency).
    """
    return conn.execute(
        """
        with days as (
            select geo, platform, currency, count(distinct spend_date) as days
            from intermediate.int_ad_spend_mapped where spend > 0 group by all
        ),
        shares as (
            select *, days / sum(days) over (partition by geo, platform) as share from days
        )
        select spend.week_start, spend.geo, spend.channel,
               string_agg(distinct spend.currency, ', ') as detail
        from intermediate.int_ad_spend_mapped as spend
        join shares using (geo, platform, currency)
        where spend.spend > 0 and shares.share <= 0.1
        group by all
        """
    ).df()


def _duplicated_weeks(conn: DuckDBPyConnection, t: QualityThresholds) -> pd.DataFrame:
    """Weeks with days whose rows repeat another platform or campaign label exactly.

    Only rows that report impressions or clicks count: flat-fee channels book the same
    amount every day by design.

    Returns
    -------
    pandas.DataFrame
        ``week_start, geo, channel, detail`` (the repeated label) for weeks with at least
        ``t.duplicate_min_days`` such days.
    """
    return conn.execute(
        """
        select a.week_start, a.geo, a.channel,
               any_value(a.platform || ' / ' || a.campaign) as detail
        from intermediate.int_ad_spend_mapped as a
        join intermediate.int_ad_spend_mapped as b
            on a.spend_date = b.spend_date and a.geo = b.geo and a.channel = b.channel
            and a.spend_local = b.spend_local
            and a.impressions is not distinct from b.impressions
            and a.clicks is not distinct from b.clicks
            and (a.platform, a.campaign) > (b.platform, b.campaign)
        where a.spend > 0 and (a.impressions > 0 or a.clicks > 0)
        group by a.week_start, a.geo, a.channel
        having count(distinct a.spend_date) >= $min_days
        """,
        {"min_days": t.duplicate_min_days},
    ).df()


def _runs(flagged: pd.DataFrame) -> list[pd.DataFrame]:
    """Split flagged weeks into runs of consecutive weeks of one geo and channel.

    Returns
    -------
    list of pandas.DataFrame
        One frame per run, in geo, channel and week order.
    """
    runs = []
    for _, group in flagged.sort_values(["geo", "channel", "week_start"]).groupby(
        ["geo", "channel"], sort=False
    ):
        start = 0
        weeks = list(group["week_start"])
        for i, (previous, current) in enumerate(pairwise(weeks), start=1):
            if (current - previous).days != 7:
                runs.append(group.iloc[start:i])
                start = i
        runs.append(group.iloc[start:])
    return runs


def _finding(run: pd.DataFrame) -> dict:
    first, last = run.iloc[0], run.iloc[-1]
    weeks = len(run)
    when = (
        f"week of {week_label(first.week_start)}"
        if weeks == 1
        else f"weeks of {week_label(first.week_start)} to {week_label(last.week_start)} "
        f"({weeks} weeks)"
    )
    ratio = run["spend"] / run["spend_median"]
    size = f"{ratio.max():.1f}x" if weeks == 1 else f"up to {ratio.max():.1f}x"
    usual = first.spend_median
    return finding(
        check_name="spend_spike",
        severity="warn",
        source="ad_spend",
        week_start=first.week_start.date(),
        geo=first.geo,
        channel=first.channel,
        observed=float(run["spend"].sum()),
        expected=float(run["spend_median"].sum()) if run["spend_median"].notna().all() else None,
        message=f"{first.geo}, {when}: {first.channel} spend is "
        + (f"{size} its usual {usual:,.0f} and " if np.isfinite(usual) else "")
        + f"{first.evidence}; check for a currency mix-up or a duplicated export",
    )
