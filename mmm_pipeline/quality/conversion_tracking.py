"""Tracking checks on conversions and answers: the problems that make click data lie.

Stripped UTMs, clicks that collapse while spend does not, survey answers that stop,
conversions that arrive late (values no rule maps: mapping_coverage.py). Each function
reads weekly aggregates from the warehouse and returns findings (rows of
``mmm.data_quality_issues``) with a sentence a marketer understands, judging a geo
against its own recent past (:mod:`baselines`), never a global rule.
"""

from __future__ import annotations

import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.quality.baselines import flag_against_clean_baseline, with_baseline
from mmm_pipeline.quality.findings import finding, percent, week_label
from mmm_pipeline.quality.thresholds import QualityThresholds


def missing_utm_share(conn: DuckDBPyConnection, t: QualityThresholds) -> list[dict]:
    """Geo-weeks whose share of conversions with no UTM and no referrer jumps.

    Parameters
    ----------
    conn
        A connection to the warehouse with its marts built.
    t
        The thresholds in force (defaults, or the file in ``MMM_QUALITY_CONFIG``).

    Returns
    -------
    list of dict
        One ``missing_utm_share`` warning per geo-week whose share jumped. Each is a row of
        ``mmm.data_quality_issues``.
    """
    frame = conn.execute(
        """
        select week_start, geo, count(*) as conversions,
               avg(case when is_untracked then 1.0 else 0.0 end) as share
        from intermediate.int_conversions_mapped
        group by week_start, geo
        """
    ).df()
    if frame.empty:
        return []

    def jumped(row: pd.Series, median: float, mad: float) -> bool:
        jump = row["share"] - median
        return (
            row["conversions"] >= t.min_conversions_per_week
            and jump >= t.missing_utm_min_jump
            and jump > t.mad_multiplier * max(mad, 0.01)
        )

    frame = flag_against_clean_baseline(
        frame, ["geo"], "share", t.baseline_weeks, t.min_baseline_weeks, jumped
    )
    flagged = frame[frame["is_flagged"]]
    return [
        finding(
            check_name="missing_utm_share",
            severity="warn",
            source="conversions",
            week_start=row.week_start,
            geo=row.geo,
            observed=row.share,
            expected=row.share_median,
            message=f"{row.geo}, week of {week_label(row.week_start)}: {percent(row.share)} of "
            f"conversions carry no UTM and no referrer against a usual "
            f"{percent(row.share_median)}; check redirects and the tracking pixel",
        )
        for row in flagged.itertuples()
    ]


def click_collapse(conn: DuckDBPyConnection, t: QualityThresholds) -> list[dict]:
    """Paid channels whose click-attributed conversions collapse while spend holds.

    Parameters
    ----------
    conn
        A connection to the warehouse with its marts built.
    t
        The thresholds in force (defaults, or the file in ``MMM_QUALITY_CONFIG``).

    Returns
    -------
    list of dict
        One ``click_collapse`` warning per geo, channel and week. Each is a row of
        ``mmm.data_quality_issues``.
    """
    frame = conn.execute(
        """
        with clicks as (
            select week_start, geo, channel, sum(conversions) as clicks
            from marts.fct_last_click_weekly group by all
        ),
        paid as (select channel from seeds.channels where is_paid and has_clicks)
        select media.week_start, media.geo, media.channel, media.spend,
               coalesce(clicks.clicks, 0) as clicks
        from marts.fct_media_weekly as media
        join paid using (channel)
        left join clicks using (week_start, geo, channel)
        """
    ).df()
    if frame.empty:
        return []
    frame = with_baseline(
        frame, ["geo", "channel"], "clicks", t.baseline_weeks, t.min_baseline_weeks
    )
    frame = with_baseline(
        frame, ["geo", "channel"], "spend", t.baseline_weeks, t.min_baseline_weeks
    )
    flagged = frame[
        (frame["clicks_median"] >= t.min_click_conversions)
        & (frame["clicks"] < t.click_collapse_ratio * frame["clicks_median"])
        & (frame["spend"] >= t.spend_holds_ratio * frame["spend_median"])
    ]
    return [
        finding(
            check_name="click_collapse",
            severity="warn",
            source="conversions",
            week_start=row.week_start,
            geo=row.geo,
            channel=row.channel,
            observed=row.clicks,
            expected=row.clicks_median,
            message=f"{row.geo}, week of {week_label(row.week_start)}: {row.channel} brought "
            f"{row.clicks:.0f} click-attributed conversions against a usual "
            f"{row.clicks_median:.0f} while its spend held; check that channel's UTM tagging",
        )
        for row in flagged.itertuples()
    ]


def survey_collapse(conn: DuckDBPyConnection, t: QualityThresholds) -> list[dict]:
    """Geo-weeks whose survey response rate falls far below its usual level.

    Parameters
    ----------
    conn
        A connection to the warehouse with its marts built.
    t
        The thresholds in force (defaults, or the file in ``MMM_QUALITY_CONFIG``).

    Returns
    -------
    list of dict
        One ``survey_response_collapse`` warning per geo-week that fell. Each is a row of
        ``mmm.data_quality_issues``.
    """
    frame = conn.execute(
        """
        with surveyed as (
            select distinct segment, outcome from intermediate.int_survey_responses_mapped
            where has_conversion
        ),
        conversions as (
            select week_start, geo, sum(conversions) as conversions
            from marts.fct_conversions_weekly join surveyed using (segment, outcome)
            group by all
        ),
        responses as (
            select week_start, geo, sum(responses) as responses
            from marts.fct_survey_answers_weekly group by all
        )
        select week_start, geo, conversions, coalesce(responses, 0) / conversions as rate
        from conversions left join responses using (week_start, geo)
        where conversions > 0
        """
    ).df()
    if frame.empty:
        return []

    def collapsed(row: pd.Series, median: float, mad: float) -> bool:
        del mad
        return (
            row["conversions"] >= t.min_conversions_per_week
            and median >= 0.05
            and row["rate"] < t.survey_collapse_ratio * median
        )

    frame = flag_against_clean_baseline(
        frame, ["geo"], "rate", t.baseline_weeks, t.min_baseline_weeks, collapsed
    )
    flagged = frame[frame["is_flagged"]]
    return [
        finding(
            check_name="survey_response_collapse",
            severity="warn",
            source="survey_responses",
            week_start=row.week_start,
            geo=row.geo,
            observed=row.rate,
            expected=row.rate_median,
            message=f"{row.geo}, week of {week_label(row.week_start)}: {percent(row.rate)} of "
            f"conversions answered the survey against a usual {percent(row.rate_median)}; "
            "check that the survey still shows after checkout",
        )
        for row in flagged.itertuples()
    ]


def late_conversions(conn: DuckDBPyConnection, t: QualityThresholds) -> list[dict]:
    """Conversions first delivered long after the period they belong to was delivered.

    Parameters
    ----------
    conn
        A connection to the warehouse with its marts built.
    t
        The thresholds in force (defaults, or the file in ``MMM_QUALITY_CONFIG``).

    Returns
    -------
    list of dict
        One ``late_conversions`` finding per late batch, with its first week. Each is a row of
        ``mmm.data_quality_issues``.
    """
    frame = conn.execute(
        """
        with rows as (
            select conversion_id, outcome, _delivery_id, _file_name, upper(trim(geo)) as geo,
                   try_cast(trim(occurred_at) as timestamptz) as occurred_at
            from raw.conversions
        ),
        first_seen as (
            select * from rows
            qualify _delivery_id = min(_delivery_id) over (partition by conversion_id, outcome)
        ),
        coverage as (
            select _delivery_id, max(occurred_at) as newest from first_seen group by 1
        ),
        covered as (
            select later._delivery_id, max(earlier.newest) as covered_until
            from coverage as later join coverage as earlier
                on earlier._delivery_id < later._delivery_id
            group by 1
        )
        select _file_name, geo, count(*) as late,
               min(cast(date_trunc('week', occurred_at) as date)) as first_week,
               any_value(covered_until) as covered_until
        from first_seen join covered using (_delivery_id)
        where occurred_at < covered_until - to_days(?)
        group by _file_name, geo
        """,
        [t.late_arrival_days],
    ).df()
    return [
        finding(
            check_name="late_conversions",
            severity="warn",
            source="conversions",
            week_start=row.first_week,
            geo=row.geo,
            observed=row.late,
            expected=0,
            message=f"{row.geo}: {row.late:,} conversions first arrived in {row._1} more "
            f"than {t.late_arrival_days} days after their period was delivered (from the week "
            f"of {week_label(row.first_week)}); recent weeks may still be incomplete",
        )
        for row in frame.itertuples()
    ]
