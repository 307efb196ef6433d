"""Paths from data stay in the data folder; models load only from ``<data_dir>/models``.

Segment and outcome names never become folders outside the data folder, and a model file
is loaded only from under ``<data_dir>/models``, whatever ``mmm.model_runs`` says. Real
folders, links and a real DuckDB ledger; the refusals happen before any model file
is opened, so no fit is needed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mmm_pipeline.attribution.all_series import (
    AttributionSources,
    SeriesSources,
    attribution_tables,
)
from mmm_pipeline.modeling.runs import (
    ACCEPTED,
    MODEL_RUNS_COLUMNS,
    UntrustedModelFile,
    artifact_path,
    model_file,
    model_in_force,
    run_record,
)
from mmm_pipeline.modeling.series import Series
from mmm_pipeline.planning.all_series import load_inputs
from mmm_pipeline.publish import publish
from mmm_pipeline.report.figures import shift_chart

UNSAFE = ["/etc/x", "../../etc", "a.b", "Self Serve", "", "x" * 65, "é", "-lead", "a/b"]
SAFE = ["self_serve", "sales_led", "all", "b2b-2", "x" * 64]


@pytest.mark.parametrize("name", UNSAFE)
def test_unsafe_names_are_not_keys_folders_or_model_paths(tmp_path: Path, name: str) -> None:
    for series in (Series(name, "signup"), Series("self_serve", name)):
        assert "cannot name a model" in series.problem
        with pytest.raises(ValueError, match="cannot name a model"):
            _ = series.key
        with pytest.raises(ValueError, match="cannot name a model"):
            series.folder(tmp_path / "plots")
        with pytest.raises(ValueError, match="cannot name a model"):
            artifact_path(tmp_path / "models", series, "run1")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", SAFE)
def test_names_of_real_segments_and_outcomes_are_safe(tmp_path: Path, name: str) -> None:
    series = Series(name, "signup")
    assert series.problem is None
    assert Series.from_key(series.key) == series
    path = artifact_path(tmp_path / "models", series, "run1")
    assert path == (tmp_path / "models" / name / "signup" / "run1.nc").resolve()


def test_a_partition_key_with_an_unsafe_name_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot name a model"):
        Series.from_key("/etc/x.signup")
    with pytest.raises(ValueError, match="cannot name a model"):
        Series.from_key("Self Serve.signup")


def test_a_folder_that_is_a_link_out_of_the_data_folder_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "self_serve").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(ValueError, match="outside"):
        artifact_path(tmp_path / "models", Series("self_serve", "signup"), "run1")


def test_an_unsafe_series_gets_no_attribution_chart_and_writes_nothing(tmp_path: Path) -> None:
    shift = pd.DataFrame(
        {
            "channel": ["meta"],
            "last_click_share": [0.5],
            "mmm_share": [0.4],
            "mmm_share_low": [0.3],
            "mmm_share_high": [0.5],
        }
    )
    folder = tmp_path / "data" / "plots" / "attribution"
    folder.mkdir(parents=True)
    note = shift_chart(shift, "../../../x", "signup", folder, 0.9)
    assert note.startswith("no chart: segment '../../../x' cannot name a model")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def _ledger(warehouse: Path, artifact: str) -> duckdb.DuckDBPyConnection:
    run = dict.fromkeys(MODEL_RUNS_COLUMNS) | {
        "run_id": "r1",
        "segment": "self_serve",
        "outcome": "signup",
        "fitted_at": datetime.now(UTC),
        "status": ACCEPTED,
        "artifact_path": artifact,
    }
    conn = duckdb.connect(str(warehouse))
    publish(conn, [run_record(run)])
    return conn


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    (folder / "models" / "self_serve" / "signup").mkdir(parents=True)
    return folder


def _outside_paths(data_dir: Path) -> list[str]:
    """Ways a ledger row can point outside the models folder, each at a real file."""
    outside = data_dir.parent / "evil.nc"
    outside.write_bytes(b"not a model")
    link = data_dir / "models" / "self_serve" / "signup" / "link.nc"
    link.symlink_to(outside)
    return [
        str(outside),
        str(data_dir / "models" / ".." / ".." / "evil.nc"),
        "../evil.nc",
        str(link),
    ]


def test_a_ledger_path_outside_the_models_folder_is_refused_before_loading(
    data_dir: Path,
) -> None:
    series = Series("self_serve", "signup")
    for artifact in _outside_paths(data_dir):
        warehouse = data_dir / f"w{abs(hash(artifact))}.duckdb"
        with _ledger(warehouse, artifact) as conn:
            with pytest.raises(UntrustedModelFile, match="outside the models folder"):
                model_in_force(conn, series, data_dir / "models")
            run = conn.execute("select * from mmm.model_runs").df().iloc[0].to_dict()
        sources = AttributionSources(
            series=[SeriesSources(series, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), run, 1)],
            pool_channels=[],
            models_dir=data_dir / "models",
        )
        with pytest.raises(UntrustedModelFile, match="it was not loaded"):
            attribution_tables(sources, 0.9)
        with pytest.raises(UntrustedModelFile, match="it was not loaded"):
            load_inputs([(series, run, None)], data_dir / "models")


def test_the_default_models_folder_is_the_settings_data_dir(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mmm_pipeline.settings import get_settings

    monkeypatch.setenv("MMM_WAREHOUSE", str(data_dir / "warehouse.duckdb"))
    monkeypatch.setenv("MMM_DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    try:
        model = data_dir / "models" / "self_serve" / "signup" / "r1.nc"
        model.write_bytes(b"a model file")
        series = Series("self_serve", "signup")
        with _ledger(data_dir / "warehouse.duckdb", str(model)) as conn:
            assert model_in_force(conn, series)["run_id"] == "r1"
        with _ledger(data_dir / "other.duckdb", str(data_dir.parent / "evil.nc")) as conn:
            with pytest.raises(UntrustedModelFile):
                model_in_force(conn, series)
    finally:
        get_settings.cache_clear()


def test_a_moved_data_folder_still_finds_its_models(data_dir: Path, tmp_path: Path) -> None:
    """The ledger keeps the absolute path of the old folder; the file is found by place."""
    model = data_dir / "models" / "self_serve" / "signup" / "r1.nc"
    model.write_bytes(b"a model file")
    old_place = tmp_path / "old" / "data" / "models" / "self_serve" / "signup" / "r1.nc"
    with _ledger(data_dir / "warehouse.duckdb", str(old_place)) as conn:
        run = model_in_force(conn, Series("self_serve", "signup"), data_dir / "models")
    assert run is not None
    assert model_file(run, data_dir / "models") == model.resolve()
