"""The model panel is complete: every week and geo, explicit zeros, paid channels only."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from mmm_pipeline.modeling.exposure import ExposureConfig
from mmm_pipeline.modeling.media_priors import expected_shares
from mmm_pipeline.modeling.panel import build_panel
from tests.conftest import make_warehouse

W1, W2, W3 = date(2024, 1, 1), date(2024, 1, 8), date(2024, 1, 15)


@pytest.fixture
def conn(tmp_path: Path):
    tables = {
        "marts.fct_conversions_weekly": pd.DataFrame(
            [
                (W1, "US", "self_serve", "signup", 10.0),
                (W3, "US", "self_serve", "signup", 30.0),  # W2 missing: no conversions
                (W2, "DE", "self_serve", "signup", 5.0),
                (W1, "US", "sales_led", "signup", 99.0),  # other segment
            ],
            columns=["week_start", "geo", "segment", "outcome", "conversions"],
        ),
        "marts.fct_media_weekly": pd.DataFrame(
            [
                (W1, "US", "meta", 100.0, 10_000),
                (W2, "US", "meta", 200.0, 20_000),
                (W2, "DE", "tv", 50.0, None),
                (W1, "US", "email", 5.0, None),  # not paid
                (W1, "BR", "meta", 70.0, 7_000),  # geo without the outcome
            ],
            columns=["week_start", "geo", "channel", "spend", "impressions"],
        ),
        "marts.fct_controls_weekly": pd.DataFrame(
            [(W3, "US", "promotion", 1.0)], columns=["week_start", "geo", "name", "value"]
        ),
        "marts.fct_survey_answers_weekly": pd.DataFrame(
            [
                (W1, "US", "self_serve", "signup", "meta", 3),
                (W1, "US", "self_serve", "signup", "word_of_mouth", 7),
                (W1, "US", "sales_led", "signup", "tv", 9),  # other segment
            ],
            columns=["week_start", "geo", "segment", "outcome", "channel", "responses"],
        ),
        "marts.fct_last_click_weekly": pd.DataFrame(
            [
                (W1, "US", "self_serve", "signup", "tv", 4.0),
                (W1, "US", "self_serve", "signup", "direct", 36.0),
            ],
            columns=["week_start", "geo", "segment", "outcome", "channel", "conversions"],
        ),
    }
    with make_warehouse(tmp_path / "w.duckdb", tables) as connection:
        yield connection


def test_panel_has_every_week_and_geo_with_explicit_zeros(conn) -> None:
    panel = build_panel(conn, "self_serve", "signup", exposure=ExposureConfig())
    assert panel.channels == ["meta", "tv"]
    assert panel.controls == ["control_promotion"]
    assert panel.geos == ["DE", "US"]
    rows = panel.frame.assign(date=panel.frame["date"].dt.date).set_index(["date", "geo"])
    assert len(rows) == 6
    assert rows.loc[(W2, "US")].to_dict() == {
        "y": 0.0,
        "meta": 200.0,
        "tv": 0.0,
        "control_promotion": 0.0,
    }
    assert rows.loc[(W3, "US"), ["y", "control_promotion"]].tolist() == [30.0, 1.0]
    assert rows["y"].sum() == 45.0


def test_survey_answers_give_a_channel_its_expected_share(conn) -> None:
    # Meta is named in 3 of 10 answers. TV is never named, and its 4 of 40 last clicks
    # do not stand in: it is seen far more than clicked (clicks_measure_effect false).
    assert build_panel(conn, "self_serve", "signup", exposure=ExposureConfig()).prior_shares == {
        "meta": 0.3
    }


def test_last_clicks_stand_in_only_for_channels_whose_clicks_measure_their_effect(
    tmp_path: Path,
) -> None:
    # No survey. Non-brand search's clicks are its own; meta's 5 of 100 last clicks are a
    # small part of the demand it creates, and branded search's 40 collect demand made
    # elsewhere: both keep the model's default prior.
    clicks = {"search_nonbrand": 20.0, "meta": 5.0, "branded_search": 40.0, "direct": 35.0}
    tables = {
        "marts.fct_survey_answers_weekly": pd.DataFrame(
            columns=["week_start", "geo", "segment", "outcome", "channel", "responses"]
        ),
        "marts.fct_media_weekly": pd.DataFrame(
            [(W1, "US", c, 100.0) for c in ("search_nonbrand", "meta", "branded_search")],
            columns=["week_start", "geo", "channel", "spend"],
        ),
        "marts.fct_last_click_weekly": pd.DataFrame(
            [(W1, "US", "sales_led", "signup", c, n) for c, n in clicks.items()],
            columns=["week_start", "geo", "segment", "outcome", "channel", "conversions"],
        ),
    }
    channels = ["branded_search", "meta", "search_nonbrand"]
    with make_warehouse(tmp_path / "w.duckdb", tables) as conn:
        shares = expected_shares(conn, "sales_led", "signup", channels)
    assert shares == {"search_nonbrand": (pytest.approx(0.2), "last_click")}


def test_an_outcome_without_data_says_so(conn) -> None:
    with pytest.raises(ValueError, match="no order conversions for segment self_serve"):
        build_panel(conn, "self_serve", "order", exposure=ExposureConfig())


def test_answers_naming_a_channel_where_it_never_ran_are_taken_off_as_noise(
    tmp_path: Path,
) -> None:
    # Meta runs in the US only. 2 of DE's 100 answers name it anyway: a 2% recall noise,
    # taken off meta's 32 of 200 answers overall.
    survey = [
        (W1, "US", "self_serve", "signup", "meta", 30),
        (W1, "US", "self_serve", "signup", "other", 70),
        (W1, "DE", "self_serve", "signup", "meta", 2),
        (W1, "DE", "self_serve", "signup", "other", 98),
    ]
    tables = {
        "marts.fct_survey_answers_weekly": pd.DataFrame(
            survey, columns=["week_start", "geo", "segment", "outcome", "channel", "responses"]
        ),
        "marts.fct_media_weekly": pd.DataFrame(
            [(W1, "US", "meta", 100.0)], columns=["week_start", "geo", "channel", "spend"]
        ),
        "marts.fct_last_click_weekly": pd.DataFrame(
            {"week_start": [W1], "geo": ["US"], "segment": ["self_serve"]}
            | {"outcome": ["signup"], "channel": ["direct"], "conversions": [10.0]}
        ),
    }
    with make_warehouse(tmp_path / "w.duckdb", tables) as conn:
        shares = expected_shares(conn, "self_serve", "signup", ["meta"])
    assert shares == {"meta": (pytest.approx(32 / 200 - 0.02), "survey")}
