"""`mmm simulate` then `mmm run`, end to end: the marts hold exactly what was delivered.

The simulator's ground truth is the reference: it knows every delivered conversion (after
re-exports) and the final spend (after restatements), so the marts must match it to the
cent, on a landing zone with overlapping re-exports, messy UTMs and several currencies.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from mmm_pipeline.cli import main
from mmm_pipeline.modeling.series import SERIES_PARTITIONS_NAME
from mmm_pipeline.settings import get_settings
from tests.conftest import folder_digest

# A simulated business and two full runs: more than a minute, so `make test-all` only.
pytestmark = pytest.mark.slow

CENT = 0.005


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("e2e")
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        get_settings.cache_clear()
        simulated = main(
            ["simulate", "--out", str(landing), "--weeks", "40", "--geos", "3", "--scale", "0.2"]
        )
        delivered = folder_digest(landing)
        first = main(["run", "--landing", str(landing), "--warehouse", str(warehouse)])
        with duckdb.connect(str(warehouse), read_only=True) as conn:
            media_after_first = conn.execute(
                "select * from marts.fct_media_weekly order by all"
            ).fetchall()
        second = main(["run", "--landing", str(landing), "--warehouse", str(warehouse)])
        with dg.DagsterInstance.get() as instance:
            partitions = instance.get_dynamic_partitions(SERIES_PARTITIONS_NAME)
        get_settings.cache_clear()
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        yield {
            "exit_codes": (simulated, first, second),
            "truth": json.loads((landing / "ground_truth.json").read_text()),
            "conn": conn,
            "delivered": delivered,
            "after": folder_digest(landing),
            "media_after_first": media_after_first,
            "partitions": partitions,
        }


def test_simulate_and_both_runs_succeed(run: dict) -> None:
    assert run["exit_codes"] == (0, 0, 0)


def test_delivered_files_are_untouched(run: dict) -> None:
    assert run["after"] == run["delivered"]


def test_media_mart_holds_final_spend_to_the_cent(run: dict) -> None:
    truth = {
        (row["week_start"], row["geo"], row["channel"]): row["spend"]
        for row in run["truth"]["media_weekly"]
        if row["spend"]
    }
    mart = {
        (week, geo, channel): spend
        for week, geo, channel, spend in run["conn"]
        .execute(
            "select week_start::varchar, geo, channel, spend from marts.fct_media_weekly "
            "where spend <> 0"
        )
        .fetchall()
    }
    assert mart.keys() == truth.keys()
    off = {key: (mart[key], truth[key]) for key in truth if abs(mart[key] - truth[key]) > CENT}
    assert not off, (
        f"spend differs from the truth in {len(off)} cells, e.g. {list(off.items())[:3]}"
    )


def test_every_paid_platform_is_mapped(run: dict) -> None:
    unmapped = (
        run["conn"]
        .execute(
            "select distinct platform, campaign from intermediate.int_ad_spend_mapped "
            "where not is_mapped or channel = 'other'"
        )
        .fetchall()
    )
    assert unmapped == []


def test_conversions_mart_holds_every_delivered_conversion_once(run: dict) -> None:
    truth: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in run["truth"]["contributions"]:
        cell = truth[(row["week_start"], row["geo"], row["segment"], row["outcome"])]
        cell[0] += row["conversions"]
        cell[1] += row["value"]
    mart = {
        tuple(key): (conversions, value)
        for *key, conversions, value in run["conn"]
        .execute(
            "select week_start::varchar, geo, segment, outcome, conversions, value "
            "from marts.fct_conversions_weekly"
        )
        .fetchall()
    }
    # The CRM export has rows for weeks without opportunities; the truth lists no zeros.
    assert {k for k, (conversions, _) in mart.items() if conversions} == truth.keys()
    for key, (conversions, value) in mart.items():
        assert conversions == truth[key][0], key
        assert value == pytest.approx(truth[key][1], abs=CENT), key


def test_last_click_mart_conserves_conversions(run: dict) -> None:
    by_mart = (
        run["conn"]
        .execute(
            "select (select sum(conversions) from marts.fct_last_click_weekly), "
            "(select sum(conversions) from marts.fct_conversions_weekly "
            " where delivered_as = 'conversions')"
        )
        .fetchall()[0]
    )
    assert by_mart[0] == by_mart[1]


def test_a_second_run_on_the_same_deliveries_changes_nothing(run: dict) -> None:
    media = run["conn"].execute("select * from marts.fct_media_weekly order by all").fetchall()
    assert media == run["media_after_first"]
    assert (
        run["conn"]
        .execute("select count(*), count(distinct content_hash) from raw.deliveries")
        .fetchall()[0]
        == (len(run["delivered"]) - 1,) * 2
    )  # all but ground_truth.json


def _incident_weeks(truth: dict) -> set[tuple[str, str]]:
    weeks = set()
    for incident in truth["incidents"]:
        first = date.fromisoformat(incident["first_week_start"])
        weeks |= {
            (incident["geo"], (first + timedelta(weeks=n)).isoformat())
            for n in range(incident["weeks"])
        }
    return weeks


def test_tracking_incidents_are_flagged_in_their_geo_and_weeks_and_nowhere_else(run: dict) -> None:
    flagged = set(
        run["conn"]
        .execute(
            "select geo, week_start::varchar from mmm.data_quality_issues "
            "where check_name = 'missing_utm_share'"
        )
        .fetchall()
    )
    assert flagged == _incident_weeks(run["truth"])
    message = (
        run["conn"]
        .execute(
            "select message from mmm.data_quality_issues where check_name = 'missing_utm_share' "
            "order by week_start limit 1"
        )
        .fetchall()[0][0]
    )
    assert "of conversions carry no UTM and no referrer against a usual" in message


def test_a_40_week_history_is_not_ready_and_the_run_still_succeeds(run: dict) -> None:
    verdicts = (
        run["conn"]
        .execute(
            "select segment, outcome, history_weeks, ready, reasons from mmm.readiness "
            "where geo = 'ALL'"
        )
        .fetchall()
    )
    assert {(segment, outcome) for segment, outcome, *_ in verdicts} == {
        ("self_serve", "signup"),
        ("self_serve", "order"),
        ("sales_led", "signup"),
        ("sales_led", "pipeline"),
    }
    for _, _, history, ready, reasons in verdicts:
        assert (history, ready) == (40, False)
        assert "only 40 weeks of history" in reasons
    # Not ready means not fitted: nothing in the ledger, no model tables.
    tables = {
        row[0]
        for row in run["conn"]
        .execute("select table_name from information_schema.tables where table_schema = 'mmm'")
        .fetchall()
    }
    assert not tables & {"model_runs", "channel_roi"}


def test_model_partitions_are_the_series_found_in_the_data(run: dict) -> None:
    assert sorted(run["partitions"]) == [
        "sales_led.pipeline",
        "sales_led.signup",
        "self_serve.order",
        "self_serve.signup",
    ]
    assert run["exit_codes"][1] == 0


def test_click_based_attribution_conserves_every_cell_and_finds_word_of_mouth(run: dict) -> None:
    conn = run["conn"]
    models = dict(
        conn.execute(
            "select segment || '.' || outcome, list(distinct model order by model) "
            "from mmm.attribution_weekly group by all"
        ).fetchall()
    )
    # Touchpoints exist for self-serve only; no series is ready, so no mmm rows.
    path_models = ["data_driven", "first_click", "last_click", "linear", "u_shape"]
    assert models == {
        "self_serve.signup": path_models,
        "self_serve.order": path_models,
        "sales_led.signup": ["last_click"],
    }
    (gap,) = conn.execute(
        """
        select max(greatest(abs(a.conversions - o.conversions), abs(a.value - o.value)))
        from (select week_start, geo, segment, outcome, model, sum(conversions) as conversions,
                     sum(value) as value from mmm.attribution_weekly group by all) a
        join marts.fct_conversions_weekly o using (week_start, geo, segment, outcome)
        """
    ).fetchall()[0]
    assert gap < 1e-6
    (wom,) = conn.execute(
        "select sum(conversions) filter (where channel = 'word_of_mouth') / sum(conversions) "
        "from mmm.attribution_weekly where model = 'last_click' and segment = 'self_serve' "
        "and outcome = 'signup'"
    ).fetchall()[0]
    truth = pd.DataFrame(run["truth"]["contributions"]).query(
        "segment == 'self_serve' and outcome == 'signup'"
    )
    true_wom = truth.loc[truth["channel"] == "word_of_mouth", "conversions"].sum()
    assert wom == pytest.approx(true_wom / truth["conversions"].sum(), abs=0.02)


def test_a_run_without_models_still_writes_its_report(run: dict) -> None:
    warehouse = Path(
        run["conn"]
        .execute("select path from duckdb_databases() where database_name = current_database()")
        .fetchall()[0][0]
    )
    pages = sorted((warehouse.parent / "reports").glob("*/index.html"))
    assert pages
    text = pages[-1].read_text()
    assert "Is the data ready for a model?" in text and "No fits yet." in text
