"""Tracking checks on spend: spend without delivery, and gaps (spikes: spend_spikes.py).

Each function reads weekly spend from the warehouse and returns findings (rows of
``mmm.data_quality_issues``), judging a geo and channel against its own recent past
(:mod:`baselines`).
"""

from __future__ import annotations

from duckdb import DuckDBPyConnection

from mmm_pipeline.quality.findings import finding, week_label
from mmm_pipeline.quality.thresholds import QualityThresholds


def spend_without_delivery(conn: DuckDBPyConnection, t: QualityThresholds) -> list[dict]:
    """Spend with zero impressions or clicks on platforms that report them.

    Parameters
    ----------
    conn
        A connection to the warehouse with its marts built.
    t
        The thresholds in force (defaults, or the file in ``MMM_QUALITY_CONFIG``).

    Returns
    -------
    list of dict
        One ``spend_without_delivery`` finding per platform, geo and week. Each is a row of
        ``mmm.data_quality_issues``.
    """
    del t
    frame = conn.execute(
        """
        with reporting as (
            select geo, platform from intermediate.int_ad_spend_mapped
            group by all having count(impressions) > 0
        )
        select week_start, geo, channel, platform, count(*) as days, sum(spend) as spend
        from intermediate.int_ad_spend_mapped
        join reporting using (geo, platform)
        where spend > 0 and (coalesce(impressions, 0) = 0 or clicks = 0)
        group by all
        """
    ).df()
    return [
        finding(
            check_name="spend_without_delivery",
            severity="warn",
            source="ad_spend",
            week_start=row.week_start,
            geo=row.geo,
            channel=row.channel,
            observed=row.days,
            expected=0,
            message=f"{row.geo}, week of {week_label(row.week_start)}: {row.platform} reports "
            f"{row.spend:,.0f} of spend with zero impressions or clicks on {row.days} day(s); "
            "check the export and the ad account",
        )
        for row in frame.itertuples()
    ]


def spend_gaps(conn: DuckDBPyConnection, t: QualityThresholds) -> list[dict]:
    """Days missing from a platform's spend series inside otherwise complete weeks.

    Parameters
    ----------
    conn
        A connection to the warehouse with its marts built.
    t
        The thresholds in force (defaults, or the file in ``MMM_QUALITY_CONFIG``).

    Returns
    -------
    list of dict
        One ``spend_gap`` finding per platform, geo and week with missing days. Each is a row of
        ``mmm.data_quality_issues``.
    """
    del t
    frame = conn.execute(
        """
        with days as (
            select geo, platform, any_value(channel) as channel, week_start,
                   count(distinct spend_date) as days
            from intermediate.int_ad_spend_mapped
            group by geo, platform, week_start
        ),
        framed as (
            select *,
                   lag(days) over w as previous_days,
                   lead(days) over w as next_days,
                   lag(week_start) over w as previous_week,
                   lead(week_start) over w as next_week
            from days
            window w as (partition by geo, platform order by week_start)
        )
        select * from framed
        where days < 7 and previous_days = 7 and next_days = 7
            and date_diff('day', previous_week, week_start) = 7
            and date_diff('day', week_start, next_week) = 7
        """
    ).df()
    return [
        finding(
            check_name="spend_gap",
            severity="warn",
            source="ad_spend",
            week_start=row.week_start,
            geo=row.geo,
            channel=row.channel,
            observed=row.days,
            expected=7,
            message=f"{row.geo}, week of {week_label(row.week_start)}: {row.platform} spend is "
            f"missing for {7 - row.days} day(s) between two complete weeks; re-export those days",
        )
        for row in frame.itertuples()
    ]
