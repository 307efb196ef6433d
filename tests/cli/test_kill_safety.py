"""A run killed with SIGKILL leaves every table readable and as it was, or as a finished run.

Two kills: the whole ``mmm run`` process group while dbt is building the marts (the
longest write of a run), and a publisher inside its transaction, after it dropped the
old rows and inserted every new one but before the commit. DuckDB's write-ahead log
replays committed transactions only; these tests hold us to keeping every table
replacement inside one (our ``publish``, dbt-duckdb's build-and-swap).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import psutil
import pytest

from mmm_pipeline.cli import main
from tests.conftest import folder_digest

MMM = Path(sys.executable).parent / "mmm"
# Columns that differ between two complete runs on the same data: when, and which run.
VOLATILE = ("run_id", "dagster_run_id", "loaded_at", "computed_at", "fitted_at", "checked_at")


def fingerprints(warehouse: Path) -> dict[str, tuple[int, int]]:
    """Row count and an order-free content hash of every table (volatile columns aside)."""
    prints = {}
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_name not like '%__dbt_%' order by 1, 2"
        ).fetchall()
        for schema, table in tables:
            columns = [
                name
                for (name,) in conn.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
                if name not in VOLATILE
            ]
            packed = ", ".join(f'"{column}"' for column in columns)
            count, digest = conn.execute(
                f"select count(*), coalesce(sum(hash(struct_pack({packed}))), 0) "
                f'from "{schema}"."{table}"'
            ).fetchall()[0]
            prints[f"{schema}.{table}"] = (count, int(digest))
    return prints


def _environment(root: Path) -> dict[str, str]:
    return dict(
        os.environ,
        MMM_LANDING_DIR=str(root / "landing"),
        MMM_WAREHOUSE=str(root / "warehouse.duckdb"),
        DAGSTER_HOME=str(root / "dagster_home"),
        MMM_PROFILE="fast",
    )


def _mmm_run(root: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 (our own CLI)
        [str(MMM), "run"],
        env=_environment(root),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _restate_spend(landing: Path) -> Path:
    """Deliver a restatement of the first spend export: every amount up 10%."""
    export = sorted((landing / "ad_spend").rglob("*.csv"))[0]
    frame = pd.read_csv(export, dtype=str)
    frame["spend"] = (frame["spend"].astype(float) * 1.1).round(2).astype(str)
    restated = export.with_name(f"zz_restated_{export.name}")
    frame.to_csv(restated, index=False)
    return restated


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A landing zone and the warehouse a complete run built from it."""
    root = tmp_path_factory.mktemp("kill")
    assert (
        main(
            [
                "simulate",
                "--out",
                str(root / "landing"),
                "--weeks",
                "30",
                "--geos",
                "2",
                "--scale",
                "0.1",
                "--no-touchpoints",
            ]
        )
        == 0
    )
    first = _mmm_run(root)
    _, error = first.communicate(timeout=600)
    assert first.returncode == 0, error
    return root


def _wait_for_dbt_build(run: subprocess.Popen, timeout: float = 300) -> None:
    """Block until the run has a ``dbt build`` child process, then give it a moment."""
    parent = psutil.Process(run.pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert run.poll() is None, "the run ended before dbt started"
        for child in parent.children(recursive=True):
            try:
                command = " ".join(child.cmdline())
            except psutil.NoSuchProcess:
                continue
            if "dbt" in command and "build" in command:
                time.sleep(1.5)
                return
        time.sleep(0.05)
    raise AssertionError("dbt build never started")


@pytest.mark.slow  # two minutes: a real run killed mid-build, then a full rerun
def test_a_run_killed_during_the_dbt_build_leaves_every_table_old_or_complete(
    built: Path, tmp_path: Path
) -> None:
    root = tmp_path / "copy"
    shutil.copytree(built, root)
    before = fingerprints(root / "warehouse.duckdb")
    restated = _restate_spend(root / "landing")
    delivered = folder_digest(root / "landing")

    killed = _mmm_run(root)
    _wait_for_dbt_build(killed)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.communicate(timeout=60)
    assert killed.returncode == -signal.SIGKILL
    after_kill = fingerprints(root / "warehouse.duckdb")

    rerun = _mmm_run(root)
    _, error = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, error
    complete = fingerprints(root / "warehouse.duckdb")

    assert folder_digest(root / "landing") == delivered  # deliveries untouched, restatement kept
    assert restated.exists()
    changed = {table for table in complete if before.get(table) != complete[table]}
    assert "marts.fct_media_weekly" in changed  # the restatement reached the marts
    assert set(after_kill) == set(before)  # no table lost, none half-created
    torn = {
        table: (before[table], after_kill[table], complete.get(table))
        for table in after_kill
        if after_kill[table] not in (before[table], complete.get(table))
    }
    assert not torn, f"tables neither as before nor as after a complete run: {torn}"


# Publish two tables, then die inside the transaction: after every old row was dropped
# and every new row inserted, before the commit.
DYING_PUBLISHER = """
import os, signal, sys
import duckdb
from mmm_pipeline.publish import publish, table_replacement

class DiesBeforeCommit:
    def __init__(self, conn, inserts):
        self.conn, self.left = conn, inserts
    def execute(self, sql, parameters=None):
        result = self.conn.execute(sql, parameters or [])
        if sql.startswith("insert"):
            self.left -= 1
            if self.left == 0:
                os.kill(os.getpid(), signal.SIGKILL)
        return result
    def __getattr__(self, name):
        return getattr(self.conn, name)

conn = duckdb.connect(sys.argv[1])
writes = []
for table in ("mmm.readiness", "mmm.data_quality_issues"):
    frame = conn.execute(f"select * from {table}").df().head(1)
    columns = {row[0]: row[1] for row in conn.execute(f"describe {table}").fetchall()}
    writes.append(table_replacement(table, columns, frame))
publish(DiesBeforeCommit(conn, len(writes)), writes)
"""


@pytest.mark.slow  # its warehouse is a full run: more than a minute
def test_a_publisher_killed_before_its_commit_leaves_the_old_tables(
    built: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(built / "warehouse.duckdb", warehouse)
    before = fingerprints(warehouse)
    assert before["mmm.readiness"][0] > 1 and before["mmm.data_quality_issues"][0] > 1
    dying = subprocess.run(  # noqa: S603 (our interpreter, fixed script)
        [sys.executable, "-c", DYING_PUBLISHER, str(warehouse)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dying.returncode == -signal.SIGKILL, dying.stderr
    assert fingerprints(warehouse) == before
