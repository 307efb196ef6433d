"""Several processes in one warehouse: they take turns instead of failing on DuckDB's lock.

Parallel fits are separate processes that each read their inputs and publish into the
same DuckDB file. DuckDB lets one process open the file at a time; these tests show
that without our turn-taking a second process fails, and with it every write lands.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mmm_pipeline.defs.resources import Warehouse
from mmm_pipeline.publish import publish, slice_replacement
from mmm_pipeline.warehouse_lock import lock_path, open_warehouse, warehouse_turn

HOLD_SECONDS = 3.0

# A fit's publish step in miniature, in a process of its own: say it is ready (imports
# done), wait for the go file,
# take the warehouse's turn, replace this series' slice, and keep the file open a while
# (as a slow publish or a dbt build would).
PUBLISHER = """
import sys, time
from pathlib import Path
import pandas as pd
from mmm_pipeline.publish import publish, slice_replacement
from mmm_pipeline.defs.resources import Warehouse

database, series, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
go.with_name(f"ready-{series}").touch()
while not go.exists():
    time.sleep(0.01)
with Warehouse(database=database).get_connection() as conn:
    frame = pd.DataFrame({"series": [series] * 3, "value": [1.0, 2.0, 3.0]})
    publish(conn, [slice_replacement(
        "mmm.results", {"series": "varchar", "value": "double"}, frame, {"series": series}
    )])
    time.sleep(float(sys.argv[4]))
"""


def _publishers(
    database: Path, go: Path, series: list[str], hold: float = HOLD_SECONDS
) -> list[subprocess.Popen]:
    return [
        subprocess.Popen(  # noqa: S603 (our interpreter, our script)
            [sys.executable, "-c", PUBLISHER, str(database), name, str(go), str(hold)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in series
    ]


def _wait_for(path: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_parallel_publishers_take_turns_and_every_slice_lands(tmp_path: Path) -> None:
    database, go = tmp_path / "warehouse.duckdb", tmp_path / "go"
    duckdb.connect(str(database)).close()
    series = ["self_serve.signup", "self_serve.order", "sales_led.pipeline"]
    processes = _publishers(database, go, series, hold=1.0)
    started = time.perf_counter()
    go.touch()
    errors = [process.communicate(timeout=120)[1] for process in processes]
    elapsed = time.perf_counter() - started
    assert [process.returncode for process in processes] == [0, 0, 0], errors
    # Each held the file for a second; they can only have done so one after another.
    assert elapsed >= len(series) * 1.0
    with duckdb.connect(str(database), read_only=True) as conn:
        rows = conn.execute("select series, count(*) from mmm.results group by 1").fetchall()
    assert sorted(rows) == sorted((name, 3) for name in series)


def test_without_the_turn_a_second_process_cannot_open_the_warehouse(tmp_path: Path) -> None:
    """Why the turn exists: DuckDB refuses a second process outright; ours waits instead."""
    database, go = tmp_path / "warehouse.duckdb", tmp_path / "go"
    duckdb.connect(str(database)).close()
    with open_warehouse(database) as conn:
        conn.execute("create table held as select 1 as x")
        raw = subprocess.run(  # noqa: S603 (our interpreter, fixed script)
            [sys.executable, "-c", f"import duckdb; duckdb.connect({str(database)!r})"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        (waiting,) = _publishers(database, go, ["self_serve.signup"])
        _wait_for(tmp_path / "ready-self_serve.signup")
        go.touch()
        time.sleep(HOLD_SECONDS)
        assert waiting.poll() is None  # still waiting for its turn, not failed
    _, error = waiting.communicate(timeout=60)
    assert raw.returncode != 0
    assert "lock" in raw.stderr.lower()
    assert waiting.returncode == 0, error
    assert "waiting for the warehouse" in error


def test_the_turn_is_reentrant_and_released(tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    with warehouse_turn(database), Warehouse(database=str(database)).get_connection() as conn:
        publish(
            conn,
            [
                slice_replacement(
                    "mmm.results",
                    {"series": "varchar"},
                    pd.DataFrame({"series": ["a"]}),
                    {"series": "a"},
                )
            ],
        )
    assert lock_path(database).name == "warehouse.duckdb.lock"
    # Released: another process takes it at once.
    other = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import sys; from mmm_pipeline.warehouse_lock import warehouse_turn\n"
            f"with warehouse_turn({str(database)!r}, timeout=5): print('ok')",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert other.stdout.strip() == "ok", other.stderr


@pytest.mark.parametrize("database", [":memory:", "md:my_db"])
def test_warehouses_that_are_not_local_files_need_no_lock(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with warehouse_turn(database):
        assert not list(tmp_path.iterdir())
