"""`mmm ui` starts a real Dagster webserver that serves this project's definitions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.webserver import asset_keys, graphql, running_ui


@pytest.mark.slow  # a minute: starts the real webserver and its code server
def test_ui_serves_the_project_assets(pipeline_env: dict[str, Path]) -> None:
    with running_ui() as port:
        keys = set(asset_keys(port))
        nodes = graphql(
            port,
            "{ assetNodes { owners { ... on TeamAssetOwner { team } } "
            "assetChecksOrError { ... on AssetChecks { checks { name } } } } }",
        )["data"]["assetNodes"]
        repositories = graphql(
            port,
            "{ repositoriesOrError { ... on RepositoryConnection { nodes { "
            "schedules { name } sensors { name } } } } }",
        )["data"]["repositoriesOrError"]["nodes"]
    assert {"raw/conversions", "marts/fct_media_weekly"} <= keys
    assert {"mmm/attribution_weekly", "mmm/budget_allocation", "mmm/report"} <= keys
    checks = {c["name"] for n in nodes for c in n["assetChecksOrError"].get("checks", [])}
    assert {
        "conversions_conserved",
        "models_cover_the_data",
        "model_accepted",
        "experiments_agree",
        "scenarios_valid",
    } <= checks
    assert all(n["owners"] == [{"team": "marketing-analytics"}] for n in nodes)
    schedules = {s["name"] for repo in repositories for s in repo["schedules"]}
    sensors = {s["name"] for repo in repositories for s in repo["sensors"]}
    assert schedules == {"weekly_refresh", "quarterly_refit"}
    assert sensors == {"landing_zone_sensor"}
