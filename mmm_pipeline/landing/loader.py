"""Loading new deliveries of one source into ``raw.<source>`` with DuckDB's own readers.

Each delivery loads in one transaction: either all its rows and its ledger entry land, or
nothing does and the file is recorded as rejected with the reason. A rejected file does
not stop the other files or sources. Files are read, never written, moved or deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from duckdb import DuckDBPyConnection

from mmm_pipeline.identifiers import quote_identifier
from mmm_pipeline.landing.deliveries import Delivery, discover_deliveries
from mmm_pipeline.landing.ledger import is_known, known_hashes, record, reject
from mmm_pipeline.landing.quarantine import (
    load_reference_values,
    quarantine_rows,
    quarantined_row_messages,
)
from mmm_pipeline.landing.raw_tables import (
    add_missing_columns,
    ensure_raw_schema,
    ensure_source_table,
)
from mmm_pipeline.landing.reading import DeliveryRejected, read_delivery
from mmm_pipeline.landing.sources import SourceSpec

__all__ = ["DeliveryResult", "SourceLoadReport", "load_source", "quarantine_messages"]


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one new delivery."""

    file_name: str
    status: str  # loaded | rejected
    row_count: int
    reason: str | None = None
    quarantined_rows: int = 0


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

    @property
    def rows_quarantined(self) -> int:
        """Rows of loaded files kept out of ``raw.<source>`` in this load."""
        return sum(r.quarantined_rows for r in self.loaded)


def _insert_delivery(
    conn: DuckDBPyConnection,
    spec: SourceSpec,
    delivery: Delivery,
    read: tuple[dict[str, str], list[tuple[int, str, str]]],
    loaded_at: datetime,
) -> tuple[int, int]:
    """Append the read delivery's good rows to ``raw.<source>``; return (loaded, quarantined).

    Returns
    -------
    tuple of (int, int)
        The rows appended, and the lines quarantined (by a broken rule or unreadable).

    Raises
    ------
    DeliveryRejected
        When no row is left to load because the file has no data rows or none of its lines
        could be read.
    """
    mapping, skipped = read
    add_missing_columns(conn, spec.name, list(mapping.values()))
    delivery_id = conn.execute("select nextval('raw.delivery_id_seq')").fetchall()[0][0]
    quarantined = quarantine_rows(conn, spec, delivery, set(mapping.values()), skipped, loaded_at)
    row_count = conn.execute("select count(*) from _incoming").fetchall()[0][0]
    if row_count == 0 and quarantined == 0:
        raise DeliveryRejected(f"{delivery.name}: has a header but no data rows")
    if row_count == 0 and len(skipped) == quarantined:
        line, _, reason = skipped[0]
        raise DeliveryRejected(
            f"{delivery.name}: no line could be read (line {line}: {reason}); "
            "deliver UTF-8 CSV, comma separated, with a header row"
        )
    columns = ", ".join(quote_identifier(c) for c in mapping.values())
    conn.execute(
        f"""
        insert into raw.{spec.name} by name
        select {columns}, _line_number,
               ?::BIGINT as _delivery_id,
               ?::VARCHAR as _file_name,
               ?::VARCHAR as _file_hash,
               ?::TIMESTAMPTZ as _loaded_at
        from _incoming
        order by _line_number
        """,  # noqa: S608  (identifiers are quoted; values are bound parameters)
        [delivery_id, delivery.name, delivery.content_hash, loaded_at],
    )
    record(conn, delivery, delivery_id, row_count, "loaded", None, loaded_at, quarantined)
    return row_count, quarantined


def load_source(conn: DuckDBPyConnection, landing_dir: Path, spec: SourceSpec) -> SourceLoadReport:
    """Load every new delivery of one source folder, oldest first.

    Already-seen bytes are skipped. Each new file is loaded or rejected on its own, in its
    own transaction, so one bad file never blocks or corrupts the others.

    Returns
    -------
    SourceLoadReport
        One result per new delivery (loaded or rejected), the count of those already seen,
        and the row count of ``raw.<source>`` afterwards.
    """
    # Parquet timestamps with a zone are cast to text in UTC, the contract's default zone.
    conn.execute("set TimeZone = 'UTC'")
    ensure_raw_schema(conn)
    ensure_source_table(conn, spec)
    load_reference_values(conn)
    report = SourceLoadReport(source=spec.name)
    for delivery in discover_deliveries(landing_dir, spec.name, known_hashes(conn, spec.name)):
        if is_known(conn, delivery):
            report.already_loaded += 1
            continue
        loaded_at = datetime.now(UTC)
        in_transaction = False
        try:
            read = read_delivery(conn, spec, delivery)
            conn.begin()
            in_transaction = True
            rows, quarantined = _insert_delivery(conn, spec, delivery, read, loaded_at)
        except DeliveryRejected as rejection:
            if in_transaction:
                conn.rollback()
            conn.begin()
            reject(conn, delivery, str(rejection), loaded_at)
            conn.commit()
            report.results.append(DeliveryResult(delivery.name, "rejected", 0, str(rejection)))
            continue
        except BaseException:
            if in_transaction:
                conn.rollback()
            raise
        conn.commit()
        report.results.append(
            DeliveryResult(delivery.name, "loaded", rows, quarantined_rows=quarantined)
        )
    report.raw_row_count = conn.execute(
        f"select count(*) from raw.{spec.name}"  # noqa: S608
    ).fetchall()[0][0]
    return report


def quarantine_messages(conn: DuckDBPyConnection, report: SourceLoadReport) -> list[str]:
    """Say, for people, which rows this load kept out: file, line, value and why.

    Returns
    -------
    list of str
        See :func:`quarantined_row_messages`; empty when no loaded file had rows kept out.
    """
    files = [r.file_name for r in report.loaded if r.quarantined_rows]
    return quarantined_row_messages(conn, report.source, files, report.rows_quarantined)
