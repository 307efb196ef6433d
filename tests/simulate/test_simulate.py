"""The simulator: deterministic, contract-shaped files whose ground truth adds up exactly."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pydantic
import pytest

from mmm_pipeline.landing.sources import SOURCES
from mmm_pipeline.simulate import LandingZoneNotEmpty, SimulationConfig, simulate
from mmm_pipeline.simulate.business import GEOS
from mmm_pipeline.simulate.business import SOURCES as TRUE_SOURCES
from mmm_pipeline.simulate.campaigns import CAMPAIGNS, PLATFORMS
from mmm_pipeline.simulate.journeys import ANSWERS
from mmm_pipeline.simulate.params import read_rates
from mmm_pipeline.simulate.tracking import SESSION_KINDS, build_form_table
from tests.conftest import folder_digest

SMALL = SimulationConfig(weeks=20, geos=3, scale=0.2, seed=7)
SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
TRACKED = ["utm_source", "utm_medium", "utm_campaign", "referrer"]


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("sim") / "landing"
    return out, simulate(out, SMALL)


def _files(folder: Path) -> list[Path]:
    """Deliveries in delivery order: modification time, then name (as the loader orders)."""
    return sorted(folder.iterdir(), key=lambda p: (p.stat().st_mtime, p.name))


def _read(path: Path) -> pd.DataFrame:
    reader = "read_parquet(?)" if path.suffix == ".parquet" else "read_csv(?, all_varchar=true)"
    frame = duckdb.execute(f"select * from {reader}", [str(path)]).df()
    return frame.astype(object).where(frame.notna(), None)


def _latest(folder: Path, key: list[str]) -> pd.DataFrame:
    """All deliveries of a source, the last delivery winning per key."""
    frames = [_read(p).assign(_order=i) for i, p in enumerate(_files(folder))]
    return pd.concat(frames, ignore_index=True).drop_duplicates(subset=key, keep="last")


def _week_start(timestamps: pd.Series) -> pd.Series:
    utc = pd.to_datetime(timestamps.astype(str), utc=True, format="ISO8601").dt.tz_localize(None)
    day = utc.dt.floor("D")
    return (day - pd.to_timedelta(day.dt.day_of_week, unit="D")).dt.strftime("%Y-%m-%d")


def _cents(values: pd.Series) -> pd.Series:
    return (values.astype(float) * 100).round().astype("int64")


def _spend_usd(landing: Path) -> pd.DataFrame:
    """Delivered spend after restatement, in USD, with the channel each campaign belongs to."""
    spend = _latest(landing / "ad_spend", ["date", "geo", "platform", "campaign"])
    rates = read_rates()
    channel = {c.name.format(geo=g.code): c.channel for c in CAMPAIGNS for g in GEOS}
    spend["channel"] = spend["campaign"].map(channel)
    currency = spend["currency"].fillna("USD")
    spend["usd"] = spend["spend"].astype(float) * currency.map(rates)
    spend["week_start"] = _week_start(spend["date"])
    return spend


def test_same_config_writes_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    config = SimulationConfig(weeks=12, geos=2, scale=0.1)
    simulate(tmp_path / "a", config)
    simulate(tmp_path / "b", config)
    simulate(tmp_path / "c", config.model_copy(update={"seed": config.seed + 1}))
    first, second, other = (folder_digest(tmp_path / x) for x in "abc")
    assert first == second
    assert first.keys() == other.keys()
    differing = {k for k in first if first[k] != other[k]}
    assert any(k.startswith("conversions/") for k in differing)
    assert any(k.startswith("ad_spend/") for k in differing)


def test_rerun_never_deletes_and_refuses_to_mix_simulations(tmp_path: Path) -> None:
    config = SimulationConfig(weeks=12, geos=1, scale=0.1)
    simulate(tmp_path, config)
    (tmp_path / "ad_spend" / "users_own_export.csv").write_text("date,geo\n")
    before = folder_digest(tmp_path)
    # The same config again writes the same bytes and leaves other files alone.
    simulate(tmp_path, config)
    assert folder_digest(tmp_path) == before
    with pytest.raises(LandingZoneNotEmpty, match=r"simulate .* into an empty folder"):
        simulate(tmp_path, config.model_copy(update={"seed": 7}))
    assert folder_digest(tmp_path) == before


def test_truth_file_is_the_returned_truth(landing: tuple[Path, dict]) -> None:
    out, truth = landing
    assert json.loads((out / "ground_truth.json").read_text()) == truth
    assert truth["reporting_currency"] == "USD"
    assert truth["config"] == SMALL.model_dump(mode="json")


def test_every_delivery_has_the_contract_columns(landing: tuple[Path, dict]) -> None:
    out, _ = landing
    for name, spec in SOURCES.items():
        files = _files(out / name)
        assert files, f"{name}/ has no deliveries"
        for path in files:
            columns = set(_read(path).columns)
            missing = set(spec.required) - columns
            assert not missing, f"{name}/{path.name} lacks {missing}"
            assert columns <= set(spec.columns), f"{name}/{path.name} has non-contract columns"


def test_names_and_modification_times_sort_in_delivery_order(landing: tuple[Path, dict]) -> None:
    out, _ = landing
    for name in SOURCES:
        files = list((out / name).iterdir())
        by_name = sorted(files, key=lambda p: p.name)
        by_time = sorted(files, key=lambda p: p.stat().st_mtime)
        assert by_name == by_time
    assert any("restatement" in p.name for p in _files(out / "ad_spend")[-1:])
    assert _files(out / "conversions")[-1].name.endswith("_reexport.csv")
    assert _files(out / "conversions")[-2].suffix == ".parquet"


def test_contributions_add_up_to_delivered_conversions(landing: tuple[Path, dict]) -> None:
    out, truth = landing
    conversions = _latest(out / "conversions", ["conversion_id", "outcome"])
    conversions["week_start"] = _week_start(conversions["occurred_at"])
    conversions["cents"] = _cents(conversions["value"])
    outcomes = _latest(out / "outcomes", ["date", "geo", "segment", "outcome"])
    outcomes["week_start"] = _week_start(outcomes["date"])
    keys = ["week_start", "geo", "segment", "outcome"]
    delivered = pd.concat(
        [
            conversions.groupby(keys).agg(conversions=("cents", "size"), cents=("cents", "sum")),
            outcomes.assign(conversions=outcomes["conversions"].astype(int))
            .assign(cents=_cents(outcomes["value"]))
            .groupby(keys)[["conversions", "cents"]]
            .sum(),
        ]
    )
    delivered = delivered[delivered["conversions"] > 0].sort_index()
    contributions = pd.DataFrame(truth["contributions"]).assign(cents=lambda f: _cents(f["value"]))
    true = contributions.groupby(keys)[["conversions", "cents"]].sum().sort_index()
    pd.testing.assert_frame_equal(delivered.astype("int64"), true.astype("int64"))
    assert set(contributions["channel"]) <= set(TRUE_SOURCES)


def test_reexport_corrects_values_so_only_last_delivery_wins_adds_up(
    landing: tuple[Path, dict],
) -> None:
    out, truth = landing
    first_wins = pd.concat([_read(p) for p in _files(out / "conversions")]).drop_duplicates(
        subset=["conversion_id", "outcome"], keep="first"
    )
    order_value = sum(r["value"] for r in truth["contributions"] if r["outcome"] == "order")
    delivered_first = first_wins.loc[first_wins["outcome"] == "order", "value"].astype(float)
    assert truth["conversion_reexport"]["rows"] > 0
    assert delivered_first.sum() > order_value + 1.0


def test_spend_totals_equal_delivered_spend_after_restatement(landing: tuple[Path, dict]) -> None:
    out, truth = landing
    spend = _spend_usd(out)
    assert spend["channel"].notna().all()
    delivered = spend.groupby(["geo", "channel"])["usd"].sum()
    true = pd.Series(
        {(g, c): v for g, per in truth["totals"]["spend_usd"].items() for c, v in per.items()}
    )
    pd.testing.assert_series_equal(
        delivered.sort_index(), true.sort_index(), check_names=False, atol=0.05, rtol=0
    )
    weekly = spend.groupby(["week_start", "geo", "channel"])["usd"].sum()
    media = pd.DataFrame(truth["media_weekly"]).set_index(["week_start", "geo", "channel"])
    joined = media.join(weekly, how="outer").fillna(0.0)
    assert np.allclose(joined["spend"], joined["usd"], atol=0.05)


def test_restatement_changes_spend_so_first_delivery_would_be_wrong(
    landing: tuple[Path, dict],
) -> None:
    out, truth = landing
    frames = [_read(p) for p in _files(out / "ad_spend")]
    key = ["date", "geo", "platform", "campaign"]
    first = pd.concat(frames).drop_duplicates(subset=key, keep="first")
    last = pd.concat(frames).drop_duplicates(subset=key, keep="last")
    assert len(first) == len(last)
    assert first["spend"].astype(float).sum() > last["spend"].astype(float).sum()
    assert truth["restatement"]["restated_minus_original_usd"] < 0


def test_experiment_spend_changes_show_in_the_spend_series(landing: tuple[Path, dict]) -> None:
    out, truth = landing
    spend = _spend_usd(out)
    delivered = _read(_files(out / "experiments")[0]).set_index("experiment_id")
    assert len(truth["experiments"]) >= 4
    assert set(delivered.index) == {e["experiment_id"] for e in truth["experiments"]}
    for e in truth["experiments"]:
        mine = spend[(spend["geo"] == e["geo"]) & (spend["channel"] == e["channel"])]
        window = mine[(mine["date"] >= e["start_date"]) & (mine["date"] <= e["end_date"])]
        assert window["usd"].sum() == pytest.approx(e["actual_spend_usd"], abs=0.05)
        delta = e["actual_spend_usd"] - e["planned_spend_usd"]
        assert delta == pytest.approx(e["spend_delta"], abs=0.05)
        assert float(delivered.loc[e["experiment_id"], "spend_delta"]) == e["spend_delta"]
        assert float(delivered.loc[e["experiment_id"], "lift_sigma"]) > 0
        if e["kind"] == "holdout":
            assert window["usd"].sum() == 0 and e["spend_delta"] < 0 and e["true_lift"] < 0
            before = mine[mine["date"] < e["start_date"]].sort_values("date").tail(14)
            assert before["usd"].sum() > 0
        else:
            assert e["spend_delta"] > 0 and e["true_lift"] > 0


def test_incidents_strip_tracking_where_the_truth_says(landing: tuple[Path, dict]) -> None:
    out, truth = landing
    assert {i["kind"] for i in truth["incidents"]} == {"utm_stripped", "pixel_outage"}
    conversions = _latest(out / "conversions", ["conversion_id", "outcome"])
    conversions["week_start"] = _week_start(conversions["occurred_at"])
    visits = pd.concat([_read(p) for p in _files(out / "touchpoints")])
    visits["week_start"] = _week_start(visits["occurred_at"])
    for incident in truth["incidents"]:
        geo, first, last = (
            incident["geo"],
            incident["first_week_start"],
            incident["last_week_start"],
        )
        in_geo = conversions[conversions["geo"] == geo]
        inside = in_geo["week_start"].between(first, last)
        tracked = in_geo[TRACKED].notna().any(axis=1)
        assert inside.sum() > 0
        assert not tracked[inside].any(), f"{incident['kind']} in {geo} left tracking data"
        assert tracked[~inside].mean() > 0.3
        geo_visits = visits[visits["geo"] == geo]
        visits_inside = geo_visits[geo_visits["week_start"].between(first, last)]
        if incident["kind"] == "pixel_outage":
            assert visits_inside.empty
        else:
            assert len(visits_inside) > 0
            assert visits_inside[TRACKED].isna().all().all()


def test_tracking_survey_and_touchpoints_tell_the_story(landing: tuple[Path, dict]) -> None:
    out, _ = landing
    conversions = _latest(out / "conversions", ["conversion_id", "outcome"])
    self_serve = conversions[conversions["segment"] == "self_serve"]
    visits = pd.concat([_read(p) for p in _files(out / "touchpoints")])
    survey = pd.concat([_read(p) for p in _files(out / "survey_responses")])
    assert len(visits) <= 2 * len(conversions)
    assert set(visits["customer_id"]) <= set(self_serve["customer_id"])
    assert 0.2 <= len(survey) / len(self_serve) <= 0.35
    assert set(survey["conversion_id"]) <= set(self_serve["conversion_id"])
    assert survey["response_id"].is_unique
    assert set(survey["question_id"]) == {"hdyhau"}
    assert conversions.groupby("outcome")["conversion_id"].apply(lambda s: s.is_unique).all()
    stamps = conversions["occurred_at"].astype(str)
    assert stamps.str.endswith("Z").any() and stamps.str.endswith("+02:00").any()
    assert (~stamps.str.contains(r"Z|\+", regex=True)).mean() > 0.5


def test_paid_media_is_a_material_share(landing: tuple[Path, dict]) -> None:
    _, truth = landing
    contributions = pd.DataFrame(truth["contributions"])
    us = contributions[(contributions["geo"] == "US") & (contributions["segment"] == "self_serve")]
    paid = us[~us["channel"].isin(["word_of_mouth", "baseline"])]["conversions"].sum()
    assert 0.25 <= paid / us["conversions"].sum() <= 0.55


def test_touchpoints_can_be_left_out_without_changing_anything_else(tmp_path: Path) -> None:
    config = SimulationConfig(weeks=12, geos=2, scale=0.1)
    with_visits = simulate(tmp_path / "a", config)
    without = simulate(tmp_path / "b", config.model_copy(update={"touchpoints": False}))
    assert not list((tmp_path / "b" / "touchpoints").iterdir())
    assert with_visits["contributions"] == without["contributions"]
    assert folder_digest(tmp_path / "a" / "conversions") == folder_digest(
        tmp_path / "b" / "conversions"
    )


def test_config_is_validated() -> None:
    with pytest.raises(pydantic.ValidationError, match="Monday"):
        SimulationConfig(start_date=date(2024, 1, 2))
    with pytest.raises(pydantic.ValidationError):
        SimulationConfig(geos=9)
    with pytest.raises(pydantic.ValidationError):
        SimulationConfig(scale=0)


def _mismatches(
    con: duckdb.DuckDBPyConnection, cases: pd.DataFrame, rules: str, on: str
) -> list[tuple]:
    """Map every case with the first matching rule of a seed; return the wrong ones."""
    con.register("cases", cases)
    con.execute(
        "create or replace table rules as select * from read_csv(?, all_varchar=true)",
        [str(SEEDS / f"{rules}.csv")],
    )
    return con.execute(
        f"""
        with matched as (
            select cases.*, rules.channel
            from cases left join rules on {on}
            qualify row_number() over (
                partition by cases.case_id order by cast(rules.priority as integer)
            ) = 1
        )
        select * from matched where coalesce(channel, 'other') <> expected
        """
    ).fetchall()


def test_every_spelling_maps_to_its_channel_under_the_mapping_seeds() -> None:
    con = duckdb.connect()
    platforms = pd.DataFrame(
        [
            (label.lower(), c.name.format(geo="US").lower(), c.channel)
            for c in CAMPAIGNS
            for label in PLATFORMS[c.platform].labels
        ],
        columns=["platform", "campaign", "expected"],
    ).assign(case_id=lambda f: range(len(f)))
    on = (
        "regexp_matches(platform, coalesce(platform_pattern, '')) "
        "and regexp_matches(campaign, coalesce(campaign_pattern, ''))"
    )
    assert _mismatches(con, platforms, "channel_map_platform", on) == []

    table = build_form_table(GEOS)
    kinds = {int(i): SESSION_KINDS[k] for (k, _), (idx, _) in table.groups.items() for i in idx}
    forms = pd.DataFrame(
        [
            (
                f.utm_source.lower(),
                f.utm_medium.lower(),
                f.utm_campaign.lower(),
                f.referrer.split("://")[-1].split("/")[0].removeprefix("www."),
                kinds.get(number, "direct"),
            )
            for number, f in enumerate(table.forms)
        ],
        columns=["s", "m", "c", "h", "expected"],
    ).drop_duplicates()
    forms["case_id"] = range(len(forms))
    on = (
        "regexp_matches(s, coalesce(utm_source_pattern, '')) "
        "and regexp_matches(m, coalesce(utm_medium_pattern, '')) "
        "and regexp_matches(c, coalesce(utm_campaign_pattern, '')) "
        "and regexp_matches(h, coalesce(referrer_host_pattern, ''))"
    )
    assert _mismatches(con, forms, "channel_map_utm", on) == []

    searched = {"search_nonbrand": "organic_search", "branded_search": "organic_search"}
    answers = pd.DataFrame(
        [
            (text.lower(), searched.get(source, source))
            for source, options in ANSWERS.items()
            if source != "baseline"
            for text, _ in options
        ],
        columns=["answer", "expected"],
    ).assign(case_id=lambda f: range(len(f)))
    on = "regexp_matches(answer, answer_pattern)"
    assert _mismatches(con, answers, "channel_map_survey", on) == []
