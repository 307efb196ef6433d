"""The run summary reads table names from the catalog; a quote in one stays a name."""

from __future__ import annotations

from pathlib import Path

import duckdb

from mmm_pipeline.run_summary import _table_row_counts, _with_audit_messages


def test_table_names_with_quotes_are_counted_as_names(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("create schema marts")
        conn.execute('create table marts."odd""name" as select * from range(3)')
        conn.execute("create table marts.plain as select 1 as x")
    assert _table_row_counts(warehouse) == {'marts.odd"name': 3, "marts.plain": 1}


def test_audit_messages_of_a_check_named_with_a_quote_are_quoted(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("create schema audit")
        conn.execute(
            'create table audit."assert_spend""_positive" as select \'spend is -4\' as message'
        )
    failure = 'dbt assert_spend"_positive: 1 failing row'
    assert _with_audit_messages(warehouse, failure) == f"{failure}\n      spend is -4"
