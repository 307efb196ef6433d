"""dbt through Dagster on a hand-written landing zone of real-world messiness.

One `mmm run` builds the warehouse; the tests read what users would query. The cases
are the classic traps of channel mapping, re-exports and calendars.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from mmm_pipeline.cli import main
from mmm_pipeline.settings import get_settings
from tests.conftest import write_csv

# (platform, campaign, expected channel)
PLATFORM_CASES = [
    ("google_ads", "US_Search_NonBrand_Generic", "search_nonbrand"),
    ("Google Ads", "Brand - Core", "branded_search"),
    ("google_ads", "US_YT_Video_Awareness", "youtube"),
    ("adwords", "Search - Non-Brand - Competitors", "search_nonbrand"),
    ("Bing Ads", "brand_exact", "branded_search"),
    ("google_ads", "PMax - All Products", "display"),
    ("facebook", "US_Prospecting_LAL1", "meta"),
    ("Facebook Ads", "Retargeting - Website", "meta"),
    ("meta", "Advantage+ Shopping", "meta"),
    ("TikTok Ads", "Spark Ads", "tiktok"),
    ("youtube", "Bumper", "youtube"),
    ("LinkedIn", "ABM - Enterprise", "linkedin"),
    ("podcast", "Host read - Q1", "podcast"),
    ("TV", "Spring flight", "tv"),
    ("Meta Ads", "Advantage+ Shopping", "meta"),
    ("Facebook & Instagram", "Reels", "meta"),
    ("TikTok For Business", "Spark", "tiktok"),
    ("LinkedIn Ads", "Lead Gen", "linkedin"),
    ("Google Display Network", "Remarketing", "display"),
    ("DV360", "Prospecting", "display"),
    ("Spotify Ads", "Audio", "podcast"),
    ("Connected TV", "Q2 flight", "tv"),
    ("Microsoft Advertising", "Brand | Exact", "branded_search"),
    ("Pinterest Ads", "Pins", "other"),
]

# (utm_source, utm_medium, utm_campaign, referrer, expected last-click channel)
UTM_CASES = [
    ("fb", "paid_social", "", "", "meta"),
    ("ig", "cpc", "", "", "meta"),
    ("Instagram", "Paid Social", "", "", "meta"),
    ("facebook", "", "", "", "meta"),
    ("", "", "", "https://l.instagram.com/?u=https%3A%2F%2Fshop", "meta"),
    ("", "", "", "https://l.facebook.com/l.php?u=x", "meta"),
    ("", "", "", "https://www.instagram.com/brand/", "organic_social"),
    ("google", "cpc", "brand_exact", "", "branded_search"),
    ("google", "CPC", "Brand-Core", "", "branded_search"),
    ("google", "cpc", "NonBrand-Competitors", "", "search_nonbrand"),
    ("google", "ppc", "nonbrand_generic", "", "search_nonbrand"),
    ("bing", "cpc", "", "", "search_nonbrand"),
    ("google", "video", "yt_awareness", "", "youtube"),
    ("youtube", "video", "", "", "youtube"),
    ("TikTok", "paid_social", "", "", "tiktok"),
    ("linkedin", "sponsored", "", "", "linkedin"),
    ("", "", "", "https://lnkd.in/eXaMpLe", "linkedin"),
    ("podcast", "audio", "", "", "podcast"),
    ("newsletter", "email", "weekly", "", "email"),
    ("", "", "", "https://www.google.com/search?q=brand", "organic_search"),
    ("", "", "", "https://mail.google.com/mail/u/0/", "email"),
    ("", "", "", "https://someblog.example.org/best-tools", "referral"),
    ("", "", "", "", "direct"),
    ("weird_partner", "zzz", "", "", "other"),
]

# (answer, expected channel)
SURVEY_CASES = [
    ("A friend told me", "word_of_mouth"),
    ("my sister", "word_of_mouth"),
    ("colleague recommended", "word_of_mouth"),
    ("saw an ad on insta", "meta"),
    ("FB", "meta"),
    ("tik tok", "tiktok"),
    ("YouTube", "youtube"),
    ("heard it on a podcast", "podcast"),
    ("TV ad", "tv"),
    ("Google", "organic_search"),
    ("Don't remember", "other"),
]


def _write_landing_zone(landing: Path) -> None:
    spend_rows = [
        f'2024-01-0{1 + i % 5},US,{platform},"{campaign}",10.00,USD'
        for i, (platform, campaign, _) in enumerate(PLATFORM_CASES)
    ]
    first = write_csv(
        landing / "ad_spend" / "2024-01_export.csv",
        "date,geo,platform,campaign,spend,currency,impressions,clicks",
        *[row + ",1000,10" for row in spend_rows],
        "2024-01-01,US,meta,Overlap,100,USD,1000,10",
        "2024-01-02,US,meta,Overlap,100,USD,1000,10",
        "2024-01-03,US,meta,Overlap,100,USD,1000,10",
        "2024-01-03,DE,meta,Overlap,100,EUR,1000,10",
        # Parses, so quarantine lets it through, but no export of ours is from 1999:
        # the great-expectations date-range expectation must catch it.
        "1999-06-01,US,linkedin,Old,5,USD,100,1",
    )
    # A re-export that overlaps the first one and restates 2024-01-03: last delivery wins.
    second = write_csv(
        landing / "ad_spend" / "2024-01_restated.csv",
        "date,geo,platform,campaign,spend,currency,impressions,clicks",
        "2024-01-03,US,meta,Overlap,150,USD,1500,15",
        "2024-01-04,US,meta,Overlap,100,,1000,10",
    )
    os.utime(first, (1_700_000_000, 1_700_000_000))
    os.utime(second, (1_700_000_100, 1_700_000_100))

    conversion_rows = [
        f'u{i},2024-01-02T10:00:00Z,US,signup,0,self_serve,{src},{med},{camp},"{ref}"'
        for i, (src, med, camp, ref, _) in enumerate(UTM_CASES)
    ]
    header = (
        "conversion_id,occurred_at,geo,outcome,value,segment,"
        "utm_source,utm_medium,utm_campaign,referrer"
    )
    conv_first = write_csv(
        landing / "conversions" / "conv_1.csv",
        header,
        *conversion_rows,
        "o1,2024-01-07T23:30:00-02:00,US,order,10,self_serve,,,,",
        "o2,2024-01-07T23:30:00,US,order,20,self_serve,,,,",
        "o3,2024-01-03 12:00:00,DE,order,5,,,,,",
    )
    conv_second = write_csv(
        landing / "conversions" / "conv_2.csv",
        header,
        "o1,2024-01-07T23:30:00-02:00,US,order,12,self_serve,,,,",
    )
    os.utime(conv_first, (1_700_000_000, 1_700_000_000))
    os.utime(conv_second, (1_700_000_100, 1_700_000_100))

    write_csv(
        landing / "survey_responses" / "pps.csv",
        "response_id,conversion_id,answer",
        *[f'r{i},u{i},"{answer}"' for i, (answer, _) in enumerate(SURVEY_CASES)],
    )
    write_csv(
        landing / "outcomes" / "crm_pipeline.csv",
        "date,geo,segment,outcome,conversions,value",
        "2024-01-05,US,sales_led,pipeline,3,36000",
        "2024-01-10,US,sales_led,pipeline,2,20000",
    )
    write_csv(
        landing / "controls" / "controls.csv",
        "date,geo,name,value",
        "2024-01-01,ALL,holiday,1",
        "2024-01-02,US,promotion,1",
    )
    write_csv(
        landing / "experiments" / "lift_tests.csv",
        "experiment_id,channel,start_date,end_date,outcome,spend_delta,lift,lift_sigma,geo",
        "exp1,meta,2024-01-01,2024-01-28,signup,-5000,-40,12,DE",
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    root = tmp_path_factory.mktemp("transform")
    landing = root / "landing"
    _write_landing_zone(landing)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        get_settings.cache_clear()
        exit_code = main(["run", "--landing", str(landing), "--warehouse", str(root / "w.duckdb")])
        get_settings.cache_clear()
    assert exit_code == 0
    assert (root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").is_file()
    with duckdb.connect(str(root / "w.duckdb"), read_only=True) as conn:
        yield conn


@pytest.mark.parametrize(("platform", "campaign", "expected"), PLATFORM_CASES)
def test_platform_and_campaign_map_to_channel(warehouse, platform, campaign, expected) -> None:
    (channel,) = warehouse.execute(
        "select distinct channel from intermediate.int_ad_spend_mapped "
        "where platform = lower(?) and campaign = ?",
        [platform, campaign],
    ).fetchall()[0]
    assert channel == expected


@pytest.mark.parametrize(("source", "medium", "campaign", "referrer", "expected"), UTM_CASES)
def test_utm_and_referrer_map_to_last_click_channel(
    warehouse, source, medium, campaign, referrer, expected
) -> None:
    index = UTM_CASES.index((source, medium, campaign, referrer, expected))
    (channel,) = warehouse.execute(
        "select last_click_channel from intermediate.int_conversions_mapped "
        "where conversion_id = ?",
        [f"u{index}"],
    ).fetchall()[0]
    assert channel == expected


@pytest.mark.parametrize(("answer", "expected"), SURVEY_CASES)
def test_survey_answer_maps_to_channel(warehouse, answer, expected) -> None:
    (channel,) = warehouse.execute(
        "select channel from intermediate.int_survey_responses_mapped where answer = lower(?)",
        [answer],
    ).fetchall()[0]
    assert channel == expected


def test_overlapping_re_export_replaces_rows_and_never_double_counts(warehouse) -> None:
    rows = warehouse.execute(
        "select week_start::varchar, geo, spend from marts.fct_media_weekly "
        "where channel = 'meta' order by geo"
    ).fetchall()
    # US: 100 + 100 + 150 (restated, not 100 + 150) + 100, plus 10 per meta mapping case.
    us_spend = dict((geo, spend) for _, geo, spend in rows)["US"]
    meta_cases = sum(1 for *_, channel in PLATFORM_CASES if channel == "meta")
    assert us_spend == pytest.approx(450 + meta_cases * 10.0)
    # DE: 100 EUR at 1.08 USD per EUR.
    assert dict((geo, spend) for _, geo, spend in rows)["DE"] == pytest.approx(108.0)


def test_re_delivered_conversion_counts_once_with_its_latest_value(warehouse) -> None:
    rows = warehouse.execute(
        "select week_start::varchar, conversions, value from marts.fct_conversions_weekly "
        "where geo = 'US' and outcome = 'order' order by 1"
    ).fetchall()
    # o1 happened 2024-01-07 23:30 at UTC-2, i.e. Monday 2024-01-08 01:30 UTC: next week.
    # o2 has no offset: UTC, Sunday, so the week of Monday 2024-01-01.
    assert rows == [("2024-01-01", 1.0, 20.0), ("2024-01-08", 1.0, 12.0)]


def test_missing_segment_is_all_and_aggregated_outcomes_reach_the_mart(warehouse) -> None:
    rows = warehouse.execute(
        "select geo, segment, outcome, week_start::varchar, conversions, value, delivered_as "
        "from marts.fct_conversions_weekly where outcome in ('pipeline') or geo = 'DE' "
        "order by outcome, week_start"
    ).fetchall()
    assert rows == [
        ("DE", "all", "order", "2024-01-01", 1.0, 5.0, "conversions"),
        ("US", "sales_led", "pipeline", "2024-01-01", 3.0, 36000.0, "outcomes"),
        ("US", "sales_led", "pipeline", "2024-01-08", 2.0, 20000.0, "outcomes"),
    ]


def test_controls_for_all_apply_to_every_geo(warehouse) -> None:
    rows = warehouse.execute(
        "select geo, name, value from marts.fct_controls_weekly order by geo, name"
    ).fetchall()
    assert rows == [
        ("DE", "holiday", 1.0),
        ("US", "holiday", 1.0),
        ("US", "promotion", 1.0),
    ]


def test_weeks_are_iso_weeks_named_by_monday(warehouse) -> None:
    for table in ("fct_media_weekly", "fct_conversions_weekly", "fct_last_click_weekly"):
        not_monday = warehouse.execute(
            f"select count(*) from marts.{table} where isodow(week_start) <> 1"
        ).fetchall()[0][0]
        assert not_monday == 0, table


def test_double_delivered_outcome_fails_the_run_by_name_and_unknown_currency_is_kept_out(
    pipeline_env: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    landing = pipeline_env["landing"]
    write_csv(
        landing / "ad_spend" / "fx.csv",
        "date,geo,platform,campaign,spend,currency",
        "2024-01-01,US,meta,a,10,XYZ",
    )
    write_csv(
        landing / "conversions" / "c.csv",
        "conversion_id,occurred_at,geo,outcome,value",
        "c1,2024-01-01T10:00:00Z,US,pipeline,100",
    )
    write_csv(
        landing / "outcomes" / "crm.csv",
        "date,geo,outcome,conversions",
        "2024-01-01,US,pipeline,3",
    )

    assert main(["run"]) == 1

    out = capsys.readouterr().out
    assert "ad_spend/fx.csv line 2: currency is 'XYZ'; currency must be a currency" in out
    assert 'outcome "pipeline" is delivered both as conversion rows and in outcomes/' in out


def test_expectation_suites_catch_what_quarantine_cannot(warehouse) -> None:
    # Staged rows: one per mapping case, four US and one DE Overlap days, the 1999 row.
    staged = len(PLATFORM_CASES) + 4 + 1 + 1
    findings = warehouse.execute(
        "select source, severity, message from mmm.data_quality_issues "
        "where check_name = 'expectation_failed'"
    ).fetchall()
    assert findings == [
        (
            "ad_spend",
            "error",
            "staging ad_spend: expect_column_values_to_be_between failed on spend_date_day "
            f"for 1 of {staged} rows (e.g. 1999-06-01)",
        )
    ]
