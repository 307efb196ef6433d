"""Where the warehouse lives: a local DuckDB file by default, or MotherDuck for a fleet."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mmm_pipeline.settings import REPO_ROOT, export_to_environment, get_settings

EXPORTED = [
    "MMM_LANDING_DIR",
    "MMM_WAREHOUSE",
    "DAGSTER_HOME",
    "MMM_PROFILE",
    "MMM_REPORTING_CURRENCY",
    "MMM_REPORTING_TIMEZONE",
    "MMM_DUCKDB_MEMORY_LIMIT",
    "MMM_INTERVAL_LEVEL",
    "MMM_ATTRIBUTION_LOOKBACK_DAYS",
    "MMM_SCHEDULE_TIMEZONE",
    "MMM_LANDING_QUIET_SECONDS",
    "MMM_FIT_PARALLELISM",
    "MMM_DATA_DIR",
    "MMM_SCENARIOS",
]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.chdir(tmp_path)
    for name in ("MMM_WAREHOUSE", "MMM_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    # export_to_environment writes os.environ directly: register every variable it sets
    # so the monkeypatch restores them for the tests that follow.
    for name in [n for n in os.environ if n.startswith("MMM_")] + EXPORTED:
        monkeypatch.setenv(name, os.environ.get(name, ""))
        if not os.environ[name]:
            monkeypatch.delenv(name)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_a_local_warehouse_keeps_its_artifacts_beside_it(env: pytest.MonkeyPatch) -> None:
    env.setenv("MMM_WAREHOUSE", "w/warehouse.duckdb")
    settings = get_settings()
    assert settings.warehouse == Path.cwd() / "w" / "warehouse.duckdb"
    assert settings.warehouse_is_local and not settings.warehouse_exists
    assert settings.data_dir == Path.cwd() / "w"


def test_a_motherduck_warehouse_is_not_a_path_and_artifacts_go_to_the_data_dir(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env.setenv("MMM_WAREHOUSE", "md:mmm_prod")
    settings = get_settings()
    assert str(settings.warehouse) == "md:mmm_prod"  # not resolved against the cwd
    assert not settings.warehouse_is_local and settings.warehouse_exists
    assert settings.data_dir == REPO_ROOT / "data"
    env.setenv("MMM_DATA_DIR", str(tmp_path / "artifacts"))
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.data_dir == tmp_path / "artifacts"
    export_to_environment(settings)
    assert (tmp_path / "artifacts").is_dir()
    assert not (tmp_path / "md:mmm_prod").exists()
