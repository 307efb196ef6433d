"""Publishing result tables to the warehouse: whole, typed and atomic.

A table is replaced in one transaction, so readers see either the last good version or
the new one, never a half-written table; a failure before commit leaves the old one.
"""

from __future__ import annotations

import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.landing.raw_tables import quote_identifier


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
    schema, _ = table.split(".")
    ddl = ", ".join(f"{quote_identifier(name)} {sql_type}" for name, sql_type in columns.items())
    select = ", ".join(
        f"cast({quote_identifier(name)} as {sql_type})" for name, sql_type in columns.items()
    )
    conn.register("_publish_frame", frame[list(columns)])
    try:
        conn.execute(f"create schema if not exists {schema}")
        conn.begin()
        try:
            conn.execute(f"create or replace table {table} ({ddl})")
            conn.execute(f"insert into {table} select {select} from _publish_frame")  # noqa: S608
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    finally:
        conn.unregister("_publish_frame")
    return len(frame)
