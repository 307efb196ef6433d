"""Loading new deliveries of one source into ``raw.<source>`` with DuckDB's own readers.

Each delivery loads in one transaction: either all its rows and its ledger entry land, or
nothing does and the file is recorded as rejected with the reason. A rejected file does
not stop the other files or sources. Files are read, never written, moved or deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from duckdb import DuckDBPyConnection

from mmm_pipeline.landing.deliveries import ACCEPTED_SUFFIXES, Delivery, discover_deliveries
from mmm_pipeline.landing.raw_tables import (
    add_missing_columns,
    ensure_raw_schema,
    ensure_source_table,
    quote_identifier,
)
from mmm_pipeline.landing.sources import SourceSpec


class DeliveryRejected(Exception):
    """A whole file cannot be loaded; the message says which file and why."""


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one new delivery."""

    file_name: str
    status: str  # loaded | rejected
    row_count: int
    reason: str | None = None


@dataclass
class SourceLoadReport:
    """What one load of a source folder did, for logs, metadata and the run summary."""

    source: str
    results: list[DeliveryResult] = field(default_factory=list)
    already_loaded: int = 0
    raw_row_count: int = 0

    @property
    def loaded(self) -> list[DeliveryResult]:
        """The deliveries that added rows in this load."""
        return [r for r in self.results if r.status == "loaded"]

    @property
    def rejected(self) -> list[DeliveryResult]:
        """The deliveries kept out, each with its reason."""
        return [r for r in self.results if r.status == "rejected"]

    @property
    def rows_added(self) -> int:
        """Rows appended to ``raw.<source>`` in this load."""
        return sum(r.row_count for r in self.loaded)


def _reader(delivery: Delivery) -> tuple[str, str]:
    """Return the DuckDB table function for a delivery and its 1-based line expression.

    For CSV the header is line 1, so data row ``n`` (ordinality) is line ``n + 1``.
    """
    if delivery.suffix == ".csv":
        return (
            "read_csv(?, all_varchar = true, header = true, delim = ',', quote = '\"', "
            "escape = '\"', encoding = 'utf-8') with ordinality",
            "ordinality + 1",
        )
    return "read_parquet(?, file_row_number = true)", "file_row_number + 1"


def _delivered_columns(conn: DuckDBPyConnection, delivery: Delivery) -> list[str]:
    """Read the header (CSV) or schema (Parquet) without loading rows."""
    reader, _ = _reader(delivery)
    try:
        cursor = conn.execute(f"select * from {reader} limit 0", [str(delivery.path)])  # noqa: S608
    except duckdb.Error as error:
        first_line = str(error).strip().splitlines()[0]
        raise DeliveryRejected(f"{delivery.name}: could not be read: {first_line}") from error
    description = cursor.description
    cursor.fetchall()
    hidden = {"ordinality", "file_row_number"}
    return [column[0] for column in description if column[0] not in hidden]


def _column_mapping(delivery: Delivery, spec: SourceSpec, delivered: list[str]) -> dict[str, str]:
    """Map delivered column names to their normalised (trimmed, lower-case) names."""
    mapping: dict[str, str] = {}
    for name in delivered:
        normalised = name.strip().lower()
        if normalised in mapping.values():
            raise DeliveryRejected(f"{delivery.name}: column '{normalised}' appears twice")
        mapping[name] = normalised
    missing = [c for c in spec.required if c not in mapping.values()]
    if missing:
        found = ", ".join(mapping.values()) or "none"
        names = ", ".join(f"'{c}'" for c in missing)
        raise DeliveryRejected(
            f"{delivery.name}: missing required column{'s' if len(missing) > 1 else ''} "
            f"{names} (columns found: {found}); the file was not loaded"
        )
    return mapping


def _check_file(delivery: Delivery) -> None:
    if delivery.suffix not in ACCEPTED_SUFFIXES:
        raise DeliveryRejected(
            f"{delivery.name}: file type '{delivery.suffix or '(none)'}' is not taken; "
            "deliver .csv (UTF-8, comma separated, header row) or .parquet"
        )
    if delivery.size_bytes == 0:
        raise DeliveryRejected(f"{delivery.name}: the file is empty")


def _insert_delivery(
    conn: DuckDBPyConnection, spec: SourceSpec, delivery: Delivery, loaded_at: datetime
) -> int:
    """Append one delivery's rows to ``raw.<source>``; return the row count."""
    _check_file(delivery)
    mapping = _column_mapping(delivery, spec, _delivered_columns(conn, delivery))
    add_missing_columns(conn, spec.name, list(mapping.values()))
    reader, line_expression = _reader(delivery)
    delivery_id = conn.execute("select nextval('raw.delivery_id_seq')").fetchall()[0][0]
    select_list = ", ".join(
        f"cast({quote_identifier(src)} as VARCHAR) as {quote_identifier(dst)}"
        for src, dst in mapping.items()
    )
    try:
        conn.execute(
            f"""
            insert into raw.{spec.name} by name
            select {select_list},
                   ?::BIGINT as _delivery_id,
                   ?::VARCHAR as _file_name,
                   ?::VARCHAR as _file_hash,
                   {line_expression} as _line_number,
                   ?::TIMESTAMPTZ as _loaded_at
            from {reader}
            """,  # noqa: S608  (identifiers are quoted; values are bound parameters)
            [delivery_id, delivery.name, delivery.content_hash, loaded_at, str(delivery.path)],
        )
    except duckdb.Error as error:
        first_line = str(error).strip().splitlines()[0]
        raise DeliveryRejected(f"{delivery.name}: could not be read: {first_line}") from error
    row_count = conn.execute(
        f"select count(*) from raw.{spec.name} where _delivery_id = ?",  # noqa: S608
        [delivery_id],
    ).fetchall()[0][0]
    if row_count == 0:
        raise DeliveryRejected(f"{delivery.name}: has a header but no data rows")
    _record(conn, delivery, delivery_id, row_count, "loaded", None, loaded_at)
    return row_count


def _record(
    conn: DuckDBPyConnection,
    delivery: Delivery,
    delivery_id: int,
    row_count: int,
    status: str,
    reason: str | None,
    loaded_at: datetime,
) -> None:
    conn.execute(
        "insert into raw.deliveries values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            delivery_id,
            delivery.source,
            delivery.name,
            delivery.content_hash,
            delivery.size_bytes,
            row_count,
            status,
            reason,
            loaded_at,
        ],
    )


def _reject(conn: DuckDBPyConnection, delivery: Delivery, reason: str, loaded_at: datetime) -> None:
    """Record a whole-file rejection in the ledger and the quarantine."""
    delivery_id = conn.execute("select nextval('raw.delivery_id_seq')").fetchall()[0][0]
    _record(conn, delivery, delivery_id, 0, "rejected", reason, loaded_at)
    conn.execute(
        "insert into raw.quarantine values (?, ?, ?, null, null, null, ?, ?)",
        [delivery.source, delivery.name, delivery.content_hash, reason, loaded_at],
    )


def _is_known(conn: DuckDBPyConnection, delivery: Delivery) -> bool:
    return (
        conn.execute(
            "select count(*) from raw.deliveries where source = ? and content_hash = ?",
            [delivery.source, delivery.content_hash],
        ).fetchall()[0][0]
        > 0
    )


def load_source(conn: DuckDBPyConnection, landing_dir: Path, spec: SourceSpec) -> SourceLoadReport:
    """Load every new delivery of one source folder, oldest first.

    Already-seen bytes are skipped. Each new file is loaded or rejected on its own, in its
    own transaction, so one bad file never blocks or corrupts the others.
    """
    # Parquet timestamps with a zone are cast to text in UTC, the contract's default zone.
    conn.execute("set TimeZone = 'UTC'")
    ensure_raw_schema(conn)
    ensure_source_table(conn, spec)
    report = SourceLoadReport(source=spec.name)
    for delivery in discover_deliveries(landing_dir, spec.name):
        if _is_known(conn, delivery):
            report.already_loaded += 1
            continue
        loaded_at = datetime.now(UTC)
        conn.begin()
        try:
            rows = _insert_delivery(conn, spec, delivery, loaded_at)
        except DeliveryRejected as rejection:
            conn.rollback()
            conn.begin()
            _reject(conn, delivery, str(rejection), loaded_at)
            conn.commit()
            report.results.append(DeliveryResult(delivery.name, "rejected", 0, str(rejection)))
            continue
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
        report.results.append(DeliveryResult(delivery.name, "loaded", rows))
    report.raw_row_count = conn.execute(
        f"select count(*) from raw.{spec.name}"  # noqa: S608
    ).fetchall()[0][0]
    return report
