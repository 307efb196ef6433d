"""Publishing result tables to the warehouse: typed and atomic.

A table (or one model's slice of it) is replaced in one transaction, so readers see
either the last good version or the new one, never a half-written table; a failure
before commit leaves the old one.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.landing.raw_tables import quote_identifier

_FRAME = "_publish_frame"


def has_table(conn: DuckDBPyConnection, table: str) -> bool:
    """True when ``schema.table`` exists (result tables appear with their first write)."""
    schema, name = table.split(".")
    found = conn.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()
    return found[0][0] > 0


def _ddl(columns: Mapping[str, str]) -> str:
    return ", ".join(f"{quote_identifier(name)} {sql_type}" for name, sql_type in columns.items())


def _insert(conn: DuckDBPyConnection, table: str, columns: Mapping[str, str]) -> None:
    names = ", ".join(quote_identifier(name) for name in columns)
    select = ", ".join(
        f"cast({quote_identifier(name)} as {sql_type})" for name, sql_type in columns.items()
    )
    conn.execute(f"insert into {table} ({names}) select {select} from {_FRAME}")  # noqa: S608


def _publish(
    conn: DuckDBPyConnection,
    table: str,
    columns: Mapping[str, str],
    frame: pd.DataFrame,
    statements: list[tuple[str, list]],
) -> int:
    """Run ``statements`` then insert ``frame`` into ``table``, all in one transaction."""
    schema, _ = table.split(".")
    conn.register(_FRAME, frame[list(columns)])
    try:
        conn.execute(f"create schema if not exists {schema}")
        conn.begin()
        try:
            for sql, parameters in statements:
                conn.execute(sql, parameters)
            _insert(conn, table, columns)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    finally:
        conn.unregister(_FRAME)
    return len(frame)


def replace_table(
    conn: DuckDBPyConnection, table: str, columns: dict[str, str], frame: pd.DataFrame
) -> int:
    """Replace ``schema.table`` with ``frame`` under the declared column types.

    Parameters
    ----------
    conn
        Open warehouse connection.
    table
        ``schema.name`` of the table to replace.
    columns
        Column name to DuckDB type, in table order; ``frame`` must hold these columns.
    frame
        The rows. Declared types keep an empty result a well-typed empty table.

    Returns
    -------
    int
        Rows published.
    """
    return _publish(
        conn, table, columns, frame, [(f"create or replace table {table} ({_ddl(columns)})", [])]
    )


def replace_rows(
    conn: DuckDBPyConnection,
    table: str,
    columns: dict[str, str],
    frame: pd.DataFrame,
    where: Mapping[str, str],
) -> int:
    """Replace the rows of ``table`` that match ``where`` (column = value) with ``frame``.

    One model's results live in tables shared by every segment and outcome: refitting
    one series swaps its slice and leaves the others alone. The table is created on
    first use.
    """
    condition = " and ".join(f"{quote_identifier(name)} = ?" for name in where)
    return _publish(
        conn,
        table,
        columns,
        frame,
        [
            (f"create table if not exists {table} ({_ddl(columns)})", []),
            (f"delete from {table} where {condition}", list(where.values())),  # noqa: S608
        ],
    )


def append_rows(
    conn: DuckDBPyConnection, table: str, columns: dict[str, str], frame: pd.DataFrame
) -> int:
    """Append ``frame`` to a ledger table (created on first use), in one transaction."""
    return _publish(
        conn, table, columns, frame, [(f"create table if not exists {table} ({_ddl(columns)})", [])]
    )
