"""The ``raw`` schema: delivered rows as text, plus the ledger of deliveries.

Raw tables keep every column as VARCHAR exactly as delivered, plus lineage columns. Typing,
trimming and deduplication happen in dbt staging, so a value that does not parse is still
visible in ``raw`` with the file and line it came from.
"""

from __future__ import annotations

from duckdb import DuckDBPyConnection

from mmm_pipeline.identifiers import quote_identifier
from mmm_pipeline.landing.sources import SourceSpec

LINEAGE_COLUMNS: dict[str, str] = {
    "_delivery_id": "BIGINT",
    "_file_name": "VARCHAR",
    "_file_hash": "VARCHAR",
    "_line_number": "BIGINT",
    "_loaded_at": "TIMESTAMP WITH TIME ZONE",
}


def ensure_raw_schema(conn: DuckDBPyConnection) -> None:
    """Create the ``raw`` schema, the delivery ledger and the quarantine if missing."""
    conn.execute("create schema if not exists raw")
    conn.execute("create sequence if not exists raw.delivery_id_seq start 1")
    conn.execute(
        """
        create table if not exists raw.deliveries (
            delivery_id BIGINT primary key,
            source VARCHAR not null,
            file_name VARCHAR not null,
            content_hash VARCHAR not null,
            size_bytes BIGINT not null,
            modified_at DOUBLE,            -- mtime: with name and size, skips re-hashing
            row_count BIGINT not null,
            quarantined_rows BIGINT not null default 0,
            status VARCHAR not null,       -- loaded | rejected
            reason VARCHAR,
            loaded_at TIMESTAMP WITH TIME ZONE not null
        )
        """
    )
    # Warehouses created before quarantined_rows existed gain it here.
    conn.execute(
        "alter table raw.deliveries add column if not exists quarantined_rows BIGINT default 0"
    )
    conn.execute("alter table raw.deliveries add column if not exists modified_at DOUBLE")
    conn.execute(
        """
        create table if not exists raw.quarantine (
            source VARCHAR not null,
            file_name VARCHAR not null,
            content_hash VARCHAR not null,
            line_number BIGINT,            -- null: the whole file was kept out
            column_name VARCHAR,
            value VARCHAR,
            reason VARCHAR not null,
            quarantined_at TIMESTAMP WITH TIME ZONE not null
        )
        """
    )


def ensure_source_table(conn: DuckDBPyConnection, spec: SourceSpec) -> None:
    """Create ``raw.<source>`` with every contract column, so dbt always finds them.

    A source nobody delivered yet still gets its (empty) table: staging models select
    optional columns by name and must not break on a landing zone without touchpoints.
    """
    columns = [f"{quote_identifier(c)} VARCHAR" for c in spec.columns]
    columns += [f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS.items()]
    conn.execute(f"create table if not exists raw.{spec.name} ({', '.join(columns)})")


def add_missing_columns(conn: DuckDBPyConnection, table: str, columns: list[str]) -> None:
    """Widen ``raw.<table>`` with extra delivered columns; they are kept, never dropped."""
    existing = {
        row[0]
        for row in conn.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'raw' and table_name = ?",
            [table],
        ).fetchall()
    }
    for column in columns:
        if column not in existing:
            conn.execute(f"alter table raw.{table} add column {quote_identifier(column)} VARCHAR")
