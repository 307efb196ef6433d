"""Publishing into tables an older version wrote: new columns are added, old rows kept."""

from __future__ import annotations

import duckdb
import pandas as pd

from mmm_pipeline.publish import ledger_append, publish, slice_replacement


def test_a_ledger_of_an_older_version_gains_the_new_columns_and_keeps_its_rows() -> None:
    conn = duckdb.connect()
    conn.execute("create schema mmm")
    conn.execute("create table mmm.runs (run_id varchar, status varchar)")
    conn.execute("insert into mmm.runs values ('old', 'accepted')")
    columns = {"run_id": "VARCHAR", "status": "VARCHAR", "attempt": "INTEGER"}
    new = pd.DataFrame([{"run_id": "new", "status": "rejected", "attempt": 2}])
    publish(conn, [ledger_append("mmm.runs", columns, new)])
    assert conn.execute("select * from mmm.runs order by run_id").fetchall() == [
        ("new", "rejected", 2),
        ("old", "accepted", None),
    ]


def test_a_slice_replacement_adds_columns_and_leaves_other_slices_alone() -> None:
    conn = duckdb.connect()
    conn.execute("create schema mmm")
    conn.execute("create table mmm.params (series varchar, channel varchar)")
    conn.execute("insert into mmm.params values ('a', 'meta'), ('b', 'tv')")
    columns = {"series": "VARCHAR", "channel": "VARCHAR", "peak_lag_weeks": "DOUBLE"}
    frame = pd.DataFrame([{"series": "a", "channel": "youtube", "peak_lag_weeks": 3.0}])
    publish(conn, [slice_replacement("mmm.params", columns, frame, {"series": "a"})])
    assert conn.execute("select * from mmm.params order by series").fetchall() == [
        ("a", "youtube", 3.0),
        ("b", "tv", None),
    ]
