"""Publishing result tables to the warehouse: typed and atomic.

A table (or one model's slice of it, or several of them together) is replaced in one
transaction, so readers see either the last good version or the new one, never a
half-written table or a model's ROI from one fit beside its parameters from another; a
failure before commit leaves the old one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.identifiers import quote_identifier


def has_table(conn: DuckDBPyConnection, table: str) -> bool:
    """True when ``schema.table`` exists (result tables appear with their first write).

    Parameters
    ----------
    conn
        Open warehouse connection.
    table
        ``schema.name`` of the table, with exactly one dot.

    Returns
    -------
    bool
        Whether the catalog lists a table or view of that name.
    """
    schema, name = table.split(".")
    found = conn.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()
    return found[0][0] > 0


def _ddl(columns: Mapping[str, str]) -> str:
    return ", ".join(f"{quote_identifier(name)} {sql_type}" for name, sql_type in columns.items())


@dataclass(frozen=True)
class Write:
    """Rows for one table, and the statements that clear their place first."""

    table: str
    columns: Mapping[str, str]
    frame: pd.DataFrame
    before: tuple[tuple[str, list], ...] = ()


def _created_with_columns(table: str, columns: Mapping[str, str]) -> tuple[tuple[str, list], ...]:
    """Create ``table`` on first use, and add the columns a table of an older version lacks.

    Tables that keep rows across runs (slices of other series, the ledgers) may have been
    written by an older version; the columns added since are added, empty for the old
    rows, rather than the rows being dropped.

    Returns
    -------
    tuple of (str, list)
        Statements with their (empty) parameters: ``create table if not exists``, then
        an ``add column if not exists`` per declared column.
    """
    create = (f"create table if not exists {table} ({_ddl(columns)})", [])
    added = tuple(
        (f"alter table {table} add column if not exists {quote_identifier(name)} {sql_type}", [])
        for name, sql_type in columns.items()
    )
    return (create, *added)


def table_replacement(table: str, columns: Mapping[str, str], frame: pd.DataFrame) -> Write:
    """Replace the whole of ``table`` with ``frame`` under the declared column types.

    Parameters
    ----------
    table
        ``schema.name`` of the table.
    columns
        Column name to DuckDB type, in table order; ``frame`` must hold these columns.
    frame
        The rows.

    Returns
    -------
    Write
        A write that creates the table anew before inserting, so an empty ``frame``
        leaves a typed empty table.
    """
    return Write(
        table, columns, frame, ((f"create or replace table {table} ({_ddl(columns)})", []),)
    )


def slice_replacement(
    table: str, columns: Mapping[str, str], frame: pd.DataFrame, where: Mapping[str, str]
) -> Write:
    """Replace the rows of ``table`` that match ``where`` (column = value) with ``frame``.

    One model's results live in tables shared by every segment and outcome: refitting
    one series swaps its slice and leaves the others alone. The table is created on
    first use.

    Parameters
    ----------
    table
        ``schema.name`` of the shared table.
    columns
        Column name to DuckDB type, in table order; ``frame`` must hold these columns.
    frame
        The slice's new rows.
    where
        Column to value, e.g. ``{"segment": ..., "outcome": ...}``: the rows that match
        all of them are the slice.

    Returns
    -------
    Write
        A write that creates the table or adds missing columns, deletes the old slice,
        then inserts ``frame``.
    """
    condition = " and ".join(f"{quote_identifier(name)} = ?" for name in where)
    return Write(
        table,
        columns,
        frame,
        (
            *_created_with_columns(table, columns),
            (f"delete from {table} where {condition}", list(where.values())),  # noqa: S608
        ),
    )


def ledger_append(table: str, columns: Mapping[str, str], frame: pd.DataFrame) -> Write:
    """Append ``frame`` to a ledger table that only grows (created on first use).

    Parameters
    ----------
    table
        ``schema.name`` of the ledger.
    columns
        Column name to DuckDB type, in table order; ``frame`` must hold these columns.
    frame
        The rows to append.

    Returns
    -------
    Write
        A write that creates the table or adds missing columns, then inserts ``frame``;
        no row is deleted.
    """
    return Write(table, columns, frame, _created_with_columns(table, columns))


def publish(conn: DuckDBPyConnection, writes: list[Write]) -> None:
    """Apply every write in one transaction: all of them become visible, or none."""
    names = [f"_publish_frame_{i}" for i in range(len(writes))]
    for name, write in zip(names, writes, strict=True):
        conn.register(name, write.frame[list(write.columns)])
    try:
        for schema in sorted({write.table.split(".")[0] for write in writes}):
            conn.execute(f"create schema if not exists {schema}")
        conn.begin()
        try:
            for name, write in zip(names, writes, strict=True):
                for sql, parameters in write.before:
                    conn.execute(sql, parameters)
                columns = ", ".join(quote_identifier(column) for column in write.columns)
                select = ", ".join(
                    f"cast({quote_identifier(column)} as {sql_type})"
                    for column, sql_type in write.columns.items()
                )
                conn.execute(
                    f"insert into {write.table} ({columns}) select {select} from {name}"  # noqa: S608
                )
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    finally:
        for name in names:
            conn.unregister(name)


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
    publish(conn, [table_replacement(table, columns, frame)])
    return len(frame)


def concat_rows(frames: list[pd.DataFrame], columns: Mapping[str, str]) -> pd.DataFrame:
    """The non-empty ``frames`` stacked in ``columns`` order (an empty table if none).

    Parameters
    ----------
    frames
        Rows of one table, such as one frame per series; each must hold ``columns``.
    columns
        The table's column names (to their types, which are not applied here).

    Returns
    -------
    pandas.DataFrame
        The rows of every frame in turn, with a fresh index and only ``columns``; with
        no rows at all, an empty frame with those columns.
    """
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=list(columns))
    return pd.concat(frames, ignore_index=True)[list(columns)]
