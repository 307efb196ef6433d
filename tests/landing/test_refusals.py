"""What the loader refuses to open: links out of the landing zone and glob-pattern names.

Real files, links and DuckDB: a refused entry is reported like any rejected file (ledger,
quarantine, findings), none of its content reaches the warehouse, and nothing in the
landing zone or behind a link is modified.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import duckdb
import pytest

from mmm_pipeline.landing.arrivals import landing_state
from mmm_pipeline.landing.loader import load_source
from mmm_pipeline.landing.sources import SOURCES
from mmm_pipeline.quality.deliveries import delivery_findings
from tests.conftest import write_csv

SPEND_HEADER = "date,geo,platform,campaign,spend,currency"
# The first line of the file a link points to: it must never reach the warehouse.
TARGET_LINE = "first_line_of_the_link_target"


def _digest(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` (links as their target text, never followed)."""
    return {
        str(p.relative_to(folder)): os.readlink(p)
        if p.is_symlink()
        else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_symlink() or p.is_file()
    }


@pytest.fixture
def conn(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        yield connection


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A credentials file outside the landing zone."""
    path = tmp_path / "home" / ".aws" / "credentials"
    path.parent.mkdir(parents=True)
    path.write_text(f"{TARGET_LINE}\n[default]\n")
    return path


def _everything_recorded(conn: duckdb.DuckDBPyConnection) -> str:
    return "\n".join(
        str(conn.execute(f"select * from {table}").fetchall())
        for table in ("raw.deliveries", "raw.quarantine", "raw.ad_spend")
    )


def test_a_linked_file_is_rejected_unread_and_reported_once(
    tmp_path: Path, conn, secret: Path
) -> None:
    landing = tmp_path / "landing"
    write_csv(landing / "ad_spend" / "good.csv", SPEND_HEADER, "2024-01-01,US,meta,a,10,USD")
    (landing / "ad_spend" / "x.csv").symlink_to(secret)
    (landing / "ad_spend" / "inside.csv").symlink_to(landing / "ad_spend" / "good.csv")
    before, secret_before = _digest(landing), secret.read_bytes()

    report = load_source(conn, landing, SOURCES["ad_spend"])

    assert [r.file_name for r in report.loaded] == ["ad_spend/good.csv"]
    reasons = {r.file_name: r.reason for r in report.rejected}
    assert set(reasons) == {"ad_spend/x.csv", "ad_spend/inside.csv"}
    for name, reason in reasons.items():
        assert reason.startswith(f"{name}: is a symbolic link; deliveries must be regular files")
        assert reason.endswith("it was not read")
    assert TARGET_LINE not in _everything_recorded(conn)
    ledger = conn.execute(
        "select file_name, status, row_count from raw.deliveries where status = 'rejected' "
        "order by file_name"
    ).fetchall()
    assert ledger == [("ad_spend/inside.csv", "rejected", 0), ("ad_spend/x.csv", "rejected", 0)]
    quarantined = conn.execute(
        "select file_name, line_number, reason from raw.quarantine order by file_name"
    ).fetchall()
    assert quarantined == [(n, None, reasons[n]) for n in sorted(reasons)]
    messages = [
        f["message"] for f in delivery_findings(conn) if f["check_name"] == "rejected_delivery"
    ]
    assert any("ad_spend/x.csv: is a symbolic link" in m for m in messages)
    assert _digest(landing) == before and secret.read_bytes() == secret_before

    again = load_source(conn, landing, SOURCES["ad_spend"])
    assert (again.results, again.already_loaded) == ([], 3)


def test_a_linked_source_folder_is_rejected_and_nothing_behind_it_is_read(
    tmp_path: Path, conn
) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    elsewhere = tmp_path / "elsewhere"
    write_csv(elsewhere / "spend.csv", SPEND_HEADER, "2024-01-01,US,meta,a,10,USD")
    (landing / "ad_spend").symlink_to(elsewhere, target_is_directory=True)

    report = load_source(conn, landing, SOURCES["ad_spend"])

    (rejected,) = report.results
    assert rejected.status == "rejected" and rejected.file_name == "ad_spend/"
    assert "the source folder is a symbolic link" in rejected.reason
    assert conn.execute("select count(*) from raw.ad_spend").fetchall() == [(0,)]


@pytest.mark.parametrize("name", ["*.csv", "a?.csv", "[ab]1.csv", "{a1,b1}.csv"])
def test_a_name_duckdb_would_glob_is_rejected_and_the_same_bytes_load_under_a_clean_name(
    tmp_path: Path, conn, name: str
) -> None:
    landing = tmp_path / "landing"
    write_csv(landing / "ad_spend" / "a1.csv", SPEND_HEADER, "2024-01-01,US,meta,a,10,USD")
    write_csv(landing / "ad_spend" / "b1.csv", SPEND_HEADER, "2024-01-02,US,meta,a,20,USD")
    pattern = write_csv(landing / "ad_spend" / name, SPEND_HEADER, "2024-01-03,US,meta,a,30,USD")
    before = _digest(landing)

    report = load_source(conn, landing, SOURCES["ad_spend"])

    (rejected,) = report.rejected
    assert rejected.file_name == f"ad_spend/{name}"
    assert "the file name contains" in rejected.reason
    assert "which the reader would expand as a pattern over other files" in rejected.reason
    spend = conn.execute("select spend from raw.ad_spend order by spend").fetchall()
    assert spend == [("10",), ("20",)]
    assert _digest(landing) == before

    os.link(pattern, landing / "ad_spend" / "c1.csv")
    renamed = load_source(conn, landing, SOURCES["ad_spend"])
    assert [r.file_name for r in renamed.loaded] == ["ad_spend/c1.csv"]


def test_the_sensor_counts_a_link_by_itself_never_by_what_it_points_to(
    tmp_path: Path, secret: Path
) -> None:
    landing = tmp_path / "landing"
    (landing / "conversions").mkdir(parents=True)
    (landing / "conversions" / "x.csv").symlink_to(secret)
    state = landing_state(landing)
    assert state.files == 1

    secret.write_text(TARGET_LINE * 100)
    stamp = time.time() + 3600
    os.utime(secret, (stamp, stamp))

    assert landing_state(landing) == state
