"""Shared fixtures: a throwaway landing zone, warehouse and Dagster home per test."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mmm_pipeline.settings import DBT_PROJECT_DIR, get_settings


@pytest.fixture
def pipeline_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    """Point every component at fresh paths under ``tmp_path`` for one test."""
    paths = {
        "landing": tmp_path / "landing",
        "warehouse": tmp_path / "warehouse.duckdb",
        "dagster_home": tmp_path / "dagster_home",
    }
    paths["landing"].mkdir()
    monkeypatch.setenv("MMM_LANDING_DIR", str(paths["landing"]))
    monkeypatch.setenv("MMM_WAREHOUSE", str(paths["warehouse"]))
    monkeypatch.setenv("DAGSTER_HOME", str(paths["dagster_home"]))
    get_settings.cache_clear()
    yield paths
    get_settings.cache_clear()


def write_csv(path: Path, header: str, *rows: str) -> Path:
    """Write a small CSV delivery (UTF-8, header row) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def make_warehouse(path: Path, tables: dict[str, pd.DataFrame]) -> duckdb.DuckDBPyConnection:
    """A DuckDB file with the real channels and currency seeds and ``schema.table`` frames.

    For tests that aim at one signal: they write mart or intermediate tables directly
    instead of building them through dbt.
    """
    conn = duckdb.connect(str(path))
    schemas = {"seeds"} | {name.split(".")[0] for name in tables}
    for schema in sorted(schemas):
        conn.execute(f"create schema if not exists {schema}")
    conn.execute(
        "create table seeds.channels as select * from read_csv(?, header = true)",
        [str(DBT_PROJECT_DIR / "seeds" / "channels.csv")],
    )
    conn.execute(
        "create table seeds.currency_rates as select * from read_csv(?, header = true)",
        [str(DBT_PROJECT_DIR / "seeds" / "currency_rates.csv")],
    )
    for name, frame in tables.items():
        conn.register("_frame", frame)
        conn.execute(f"create table {name} as select * from _frame")
        conn.unregister("_frame")
    return conn


def folder_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` by relative path: to show nothing changed."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def summed_contribution_at(model, frame: pd.DataFrame, point: dict) -> dict[str, float]:
    """Each channel's contribution over geos and weeks at ``point``, in outcome units.

    Computed by hand from the model's scaled ``channel_contribution`` and each geo's
    maximum outcome, so the prior terms of share_prior.py and roi_pooling.py are checked
    against an independent reading of what they measure.
    """
    contribution = model["channel_contribution"].transpose("date", "geo", "channel")
    (at_values,) = model.replace_rvs_by_values([contribution.values])
    scaled = model.compile_fn(at_values, inputs=model.value_vars, on_unused_input="ignore")(point)
    scale = frame.groupby("geo", sort=False)["y"].max()
    scale = scale.reindex(list(model.coords["geo"])).to_numpy()
    totals = (scaled.sum(axis=0) * scale[:, None]).sum(axis=0)
    return dict(zip(model.coords["channel"], totals, strict=True))


# The one fitted model every test downstream of a fit shares (session-scoped).
from tests.fitted_model import fitted  # noqa: E402, F401
