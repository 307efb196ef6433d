"""One fit shared by every test downstream of a fit (session-scoped).

A hand-made warehouse holds marts with a known answer (a strong and a weak channel in two
geos) and a readiness verdict; the real ``mmm_fit`` job fits it with a short sampling
profile. A second fit with gates it cannot pass must be recorded as rejected and must
leave the published tables and the model in force untouched; a third, on the same
inputs, must not fit at all.
"""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from mmm_pipeline.definitions import defs
from mmm_pipeline.modeling import panel_fit
from mmm_pipeline.modeling.panel_fit import SamplingProfile
from mmm_pipeline.modeling.series import SERIES_PARTITIONS_NAME
from tests.conftest import make_warehouse

WEEKS = 70


GEOS = {"US": 1.0, "DE": 0.5}
# Plumbing, not inference quality: short chains and gates loose enough to pass them.
# 400 draws: at 200 a fresh CI machine drew a bulk ESS of 17 against the gate's 20 once.


TINY = SamplingProfile(
    2,
    400,
    300,
    0.9,
    max_rhat=1.2,
    min_ess=20,
    max_divergences=50,
)


IMPOSSIBLE = SamplingProfile(2, 150, 150, 0.9, max_rhat=1.2, min_ess=1e9, max_divergences=50)


SERIES = "self_serve.signup"


def _marts(seed: int = 3) -> tuple[dict[str, pd.DataFrame], dict[str, float]]:
    """Weekly marts for two geos where meta drives ten times what podcast does.

    Media is a fifth of the peak week, as in real businesses (and the priors).
    """
    rng = np.random.default_rng(seed)
    weeks = pd.date_range("2024-01-01", periods=WEEKS, freq="7D")
    media, conversions, truth = [], [], {"meta": 0.0, "podcast": 0.0}
    survey, clicks = [], []
    for geo, size in GEOS.items():
        spend = {
            channel: rng.uniform(500, 1500, WEEKS) * size * (rng.random(WEEKS) > 0.2)
            for channel in truth
        }
        effect = {
            "meta": 150 * size * (1 - np.exp(-spend["meta"] / (800 * size))),
            "podcast": 15 * size * (1 - np.exp(-spend["podcast"] / (800 * size))),
        }
        for channel in truth:
            truth[channel] += float(effect[channel].sum())
        y = 600 * size + effect["meta"] + effect["podcast"] + rng.normal(0, 10 * size, WEEKS)
        for i, week in enumerate(weeks):
            conversions += [
                (week.date(), geo, "self_serve", "signup", round(y[i]), 0.0),
                (week.date(), geo, "sales_led", "signup", 5, 0.0),
            ]
            media += [(week.date(), geo, c, spend[c][i], 0.0, 0.0, 0.0) for c in truth]
            # A fifth of converters answer the survey; they name meta about as often as
            # it causes conversions. Last clicks go mostly to direct.
            survey += [
                (week.date(), geo, "self_serve", "signup", "meta", round(0.2 * effect["meta"][i])),
                (
                    week.date(),
                    geo,
                    "self_serve",
                    "signup",
                    "other",
                    round(0.2 * (y[i] - effect["meta"][i])),
                ),
            ]
            clicks += [(week.date(), geo, "self_serve", "signup", "direct", round(y[i]), 0.0, 0.0)]
    tables = {
        "marts.fct_media_weekly": pd.DataFrame(
            media,
            columns=[
                "week_start",
                "geo",
                "channel",
                "spend",
                "impressions",
                "clicks",
                "engagements",
            ],
        ),
        "marts.fct_conversions_weekly": pd.DataFrame(
            conversions, columns=["week_start", "geo", "segment", "outcome", "conversions", "value"]
        ),
        "marts.fct_survey_answers_weekly": pd.DataFrame(
            survey, columns=["week_start", "geo", "segment", "outcome", "channel", "responses"]
        ),
        "marts.fct_last_click_weekly": pd.DataFrame(
            clicks,
            columns=[
                "week_start",
                "geo",
                "segment",
                "outcome",
                "channel",
                "conversions",
                "value",
                "untracked_conversions",
            ],
        ),
        "marts.fct_controls_weekly": pd.DataFrame(
            {"week_start": [], "geo": [], "name": [], "value": []}
        ).astype({"week_start": "datetime64[s]", "geo": str, "name": str, "value": float}),
        "marts.dim_experiments": pd.DataFrame(
            [
                {
                    "experiment_id": "EXP-1",
                    "channel": "meta",
                    "geo": "US",
                    "segment": "self_serve",
                    "outcome": "signup",
                    "first_week_start": weeks[20].date(),
                    "last_week_start": weeks[23].date(),
                    "window_days": 28,
                    # Four weeks dark at about 1,000 a week: about 4 x 107 conversions lost.
                    "spend_delta": -4000.0,
                    "lift": -4 * 150 * (1 - np.exp(-1000 / 800)),
                    "lift_sigma": 60.0,
                }
            ]
        ),
        **_click_tables(conversions),
        "mmm.readiness": pd.DataFrame(
            [
                ("self_serve", "signup", "ALL", WEEKS, 0.2, True, ""),
                ("sales_led", "signup", "ALL", WEEKS, 0.0, False, "paid share 0% below 5%"),
            ],
            columns=[
                "segment",
                "outcome",
                "geo",
                "history_weeks",
                "paid_share",
                "ready",
                "reasons",
            ],
        ),
    }
    return tables, truth


# Every converter arrives untracked (Direct); a tenth of Direct's survey answers name a
# friend.


WOM_SHARE_OF_DIRECT = 0.1


def _click_tables(conversions: list[tuple]) -> dict[str, pd.DataFrame]:
    """One row per conversion (all last-clicked Direct) and the survey answers to match."""
    weekly = pd.DataFrame(
        conversions, columns=["week_start", "geo", "segment", "outcome", "conversions", "value"]
    )
    rows = weekly.loc[weekly.index.repeat(weekly["conversions"])].reset_index(drop=True)
    rows["conversion_id"] = [f"c{i}" for i in range(len(rows))]
    rows["occurred_at"] = pd.to_datetime(rows["week_start"]).dt.tz_localize("UTC")
    rows["customer_id"] = rows["conversion_id"]
    rows["is_untracked"] = True
    rows["last_click_channel"] = "direct"
    answers = [
        (geo, "self_serve", "signup", "direct", channel, True)
        for geo in GEOS
        for channel, n in (("word_of_mouth", 100), ("other", 900))
        for _ in range(n)
    ]
    return {
        "intermediate.int_conversions_mapped": rows.drop(columns=["conversions"]),
        "intermediate.int_touchpoints_mapped": pd.DataFrame(
            {
                "customer_id": ["nobody"],
                "occurred_at": [pd.Timestamp("2020-01-01", tz="UTC")],
                "channel": ["meta"],
            }
        ),
        "intermediate.int_survey_responses_mapped": pd.DataFrame(
            answers,
            columns=[
                "geo",
                "segment",
                "outcome",
                "last_click_channel",
                "channel",
                "has_conversion",
            ],
        ),
    }


@pytest.fixture(scope="session")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """One accepted fit, then one rejected refit, both through the real mmm_fit job."""
    root = tmp_path_factory.mktemp("model")
    patch = pytest.MonkeyPatch()
    patch.setenv("MMM_WAREHOUSE", str(root / "warehouse.duckdb"))
    patch.setenv("DAGSTER_HOME", str(root / "dagster_home"))
    patch.setenv("MMM_PROFILE", "fast")
    (root / "dagster_home").mkdir()
    from mmm_pipeline.settings import get_settings

    get_settings.cache_clear()
    tables, truth = _marts()
    make_warehouse(root / "warehouse.duckdb", tables).close()
    job = defs.resolve_job_def("mmm_fit")
    with dg.DagsterInstance.get() as instance:
        instance.add_dynamic_partitions(SERIES_PARTITIONS_NAME, [SERIES, "sales_led.signup"])
        patch.setitem(panel_fit.PROFILES, "fast", TINY)
        accepted = job.execute_in_process(instance=instance, partition_key=SERIES)
        fit_log = [entry.user_message for entry in instance.all_logs(accepted.run_id)]
        with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as conn:
            roi_before = conn.execute("select * from mmm.channel_roi order by geo, channel").df()
        patch.setitem(panel_fit.PROFILES, "fast", IMPOSSIBLE)
        rejected = job.execute_in_process(instance=instance, partition_key=SERIES)
        # Nothing it reads changed since the rejected attempts: not fitted again.
        rerun = job.execute_in_process(instance=instance, partition_key=SERIES)
        not_ready = job.execute_in_process(instance=instance, partition_key="sales_led.signup")
        report = defs.resolve_job_def("mmm_report").execute_in_process(instance=instance)
    patch.undo()
    get_settings.cache_clear()
    yield {
        "root": root,
        "truth": truth,
        "accepted": accepted,
        "rejected": rejected,
        "rerun": rerun,
        "not_ready": not_ready,
        "report": report,
        "roi_before": roi_before,
        "fit_log": fit_log,
        "conn": duckdb.connect(str(root / "warehouse.duckdb"), read_only=True),
    }


def materialized(result: dg.ExecuteInProcessResult) -> set[str]:
    return {
        event.asset_key.to_user_string()
        for event in result.all_events
        if event.is_step_materialization and event.asset_key is not None
    }
