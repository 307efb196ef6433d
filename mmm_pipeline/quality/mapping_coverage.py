"""Values no channel-mapping rule knows: platforms, UTM combinations, survey answers.

An unmapped value lands in channel ``other``, where the model cannot see it as the
channel it is; the finding names the largest such values and the seed to extend, so the
fix is one line in a CSV.
"""

from __future__ import annotations

from duckdb import DuckDBPyConnection

from mmm_pipeline.quality.findings import finding, percent
from mmm_pipeline.quality.thresholds import QualityThresholds

# How many of the largest unmapped values a finding names.
TOP_UNMAPPED = 5


def _unmapped(
    conn: DuckDBPyConnection, t: QualityThresholds, sql: str, source: str, what: str, seed: str
) -> list[dict]:
    rows = conn.execute(sql).fetchall()
    total = sum(weight for _, weight, _ in rows)
    unmapped = [(value, weight) for value, weight, is_mapped in rows if not is_mapped]
    missing = sum(weight for _, weight in unmapped)
    if not total or not missing:
        return []
    share = missing / total
    top = sorted(unmapped, key=lambda item: -item[1])[:TOP_UNMAPPED]
    listed = "; ".join(f"{value} ({weight:,.0f})" for value, weight in top)
    return [
        finding(
            check_name=f"unmapped_{source}",
            severity="warn" if share <= t.unmapped_share_warn else "error",
            source=source,
            channel="other",
            observed=share,
            expected=0.0,
            message=f"{percent(share)} of {what} map to no channel; most common: {listed}. "
            f"Add rules to dbt_project/seeds/{seed}",
        )
    ]


def unmapped_values(conn: DuckDBPyConnection, t: QualityThresholds) -> list[dict]:
    """Platforms, UTM combinations and survey answers that no mapping rule covers.

    Parameters
    ----------
    conn
        A connection to the warehouse with its marts built.
    t
        The thresholds in force (defaults, or the file in ``MMM_QUALITY_CONFIG``).

    Returns
    -------
    list of dict
        One finding per source with unmapped values, naming the largest ones. Each is a row of
        ``mmm.data_quality_issues``.
    """
    return [
        *_unmapped(
            conn,
            t,
            "select platform || ' / ' || campaign, sum(spend), bool_and(is_mapped) "
            "from intermediate.int_ad_spend_mapped group by platform, campaign",
            "ad_spend",
            "spend",
            "channel_map_platform.csv",
        ),
        *_unmapped(
            conn,
            t,
            "select concat_ws(' / ', utm_source, utm_medium, utm_campaign, referrer_host), "
            "count(*), bool_and(is_last_click_mapped::boolean) "
            "from intermediate.int_conversions_mapped "
            "group by utm_source, utm_medium, utm_campaign, referrer_host",
            "conversions",
            "converting sessions (utm_source / medium / campaign / referrer)",
            "channel_map_utm.csv",
        ),
        *_unmapped(
            conn,
            t,
            "select answer, count(*), bool_and(is_mapped) "
            "from intermediate.int_survey_responses_mapped group by answer",
            "survey_responses",
            "survey answers",
            "channel_map_survey.csv",
        ),
    ]
