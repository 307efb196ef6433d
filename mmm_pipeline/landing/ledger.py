"""The delivery ledger, ``raw.deliveries``: every file seen, loaded or rejected, once."""

from __future__ import annotations

from datetime import datetime

from duckdb import DuckDBPyConnection

from mmm_pipeline.landing.deliveries import Delivery, Fingerprint


def record(
    conn: DuckDBPyConnection,
    delivery: Delivery,
    delivery_id: int,
    row_count: int,
    status: str,
    reason: str | None,
    loaded_at: datetime,
    quarantined_rows: int = 0,
) -> None:
    """Add one delivery to the ledger, loaded or rejected."""
    conn.execute(
        "insert into raw.deliveries by name select ? as delivery_id, ? as source, "
        "? as modified_at, "
        "? as file_name, ? as content_hash, ? as size_bytes, ? as row_count, "
        "? as quarantined_rows, ? as status, ? as reason, ? as loaded_at",
        [
            delivery_id,
            delivery.source,
            delivery.modified_at,
            delivery.name,
            delivery.content_hash,
            delivery.size_bytes,
            row_count,
            quarantined_rows,
            status,
            reason,
            loaded_at,
        ],
    )


def reject(conn: DuckDBPyConnection, delivery: Delivery, reason: str, loaded_at: datetime) -> None:
    """Record a whole-file rejection in the ledger and the quarantine."""
    delivery_id = conn.execute("select nextval('raw.delivery_id_seq')").fetchall()[0][0]
    record(conn, delivery, delivery_id, 0, "rejected", reason, loaded_at)
    conn.execute(
        "insert into raw.quarantine values (?, ?, ?, null, null, null, ?, ?)",
        [delivery.source, delivery.name, delivery.content_hash, reason, loaded_at],
    )


def is_known(conn: DuckDBPyConnection, delivery: Delivery) -> bool:
    """True when these bytes were delivered to this source before (loaded or rejected).

    Returns
    -------
    bool
        Whether ``raw.deliveries`` holds this source and content hash.
    """
    return (
        conn.execute(
            "select count(*) from raw.deliveries where source = ? and content_hash = ?",
            [delivery.source, delivery.content_hash],
        ).fetchall()[0][0]
        > 0
    )


def known_hashes(conn: DuckDBPyConnection, source: str) -> dict[Fingerprint, str]:
    """Hashes of this source's deliveries by (file name, size, modification time).

    Returns
    -------
    dict of Fingerprint to str
        The content hash of each ledger entry with a modification time, keyed by its file
        name (without the source folder), size and modification time.
    """
    rows = conn.execute(
        "select file_name, size_bytes, modified_at, content_hash from raw.deliveries "
        "where source = ? and modified_at is not null",
        [source],
    ).fetchall()
    return {(name.split("/", 1)[1], size, mtime): digest for name, size, mtime, digest in rows}
