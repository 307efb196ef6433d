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
from mmm_pipeline.landing.row_rules import CROSS_RULES, ROW_RULES
from mmm_pipeline.landing.sources import SourceSpec
from mmm_pipeline.settings import DBT_PROJECT_DIR

MAX_QUOTED_VALUE = 200


class DeliveryRejected(Exception):
    """A whole file cannot be loaded; the message says which file and why."""


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


_CSV_OPTIONS = (
    "all_varchar = true, header = true, delim = ',', quote = '\"', escape = '\"', "
    "encoding = 'utf-8'"
)
# Lines DuckDB's CSV reader cannot take (bad UTF-8, wrong number of fields) are kept out
# one by one instead of failing the file; their reasons in words people read.
_REJECT_REASONS = {
    "INVALID ENCODING": "the line has characters that are not valid UTF-8",
    "TOO MANY COLUMNS": "the line has more fields than the header",
    "MISSING COLUMNS": "the line has fewer fields than the header",
    "UNQUOTED VALUE": "the line has a stray quote character",
    "LINE SIZE OVER MAXIMUM": "the line is longer than the reader allows",
}


def _reader(delivery: Delivery, lenient: bool = False) -> tuple[str, str]:
    """Return the DuckDB table function for a delivery and its 1-based line expression.

    For CSV the header is line 1, so data row ``n`` (ordinality) is line ``n + 1``. The
    lenient CSV reader skips unreadable lines into ``_rejects``; the line numbers of the
    rows it keeps are then corrected by :func:`_renumber_after_rejects`.
    """
    if delivery.suffix == ".csv":
        rejects = (
            ", store_rejects = true, rejects_table = '_rejects', rejects_scan = '_rejects_scan'"
            if lenient
            else ""
        )
        return f"read_csv(?, {_CSV_OPTIONS}{rejects}) with ordinality", "ordinality + 1"
    return "read_parquet(?, file_row_number = true)", "file_row_number + 1"


def _delivered_columns(conn: DuckDBPyConnection, delivery: Delivery) -> list[str]:
    """Read the header (CSV) or schema (Parquet) without loading rows."""
    # Lenient, so one bad line in the sniffed sample does not hide the header.
    reader, _ = _reader(delivery, lenient=True)
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


def load_reference_values(conn: DuckDBPyConnection) -> None:
    """Load the currencies and channels the row rules check against, from the dbt seeds.

    The seeds are the one place users extend; reading them here means a currency added
    there is accepted on the next load without touching code.
    """
    seeds = DBT_PROJECT_DIR / "seeds"
    conn.execute(
        "create or replace temp table _currencies as "
        "select upper(trim(currency)) as currency from read_csv(?, all_varchar = true)",
        [str(seeds / "currency_rates.csv")],
    )
    conn.execute(
        "create or replace temp table _channels as "
        "select lower(trim(channel)) as channel from read_csv(?, all_varchar = true)",
        [str(seeds / "channels.csv")],
    )


def _check_file(delivery: Delivery) -> None:
    if delivery.suffix not in ACCEPTED_SUFFIXES:
        raise DeliveryRejected(
            f"{delivery.name}: file type '{delivery.suffix or '(none)'}' is not taken; "
            "deliver .csv (UTF-8, comma separated, header row) or .parquet"
        )
    if delivery.size_bytes == 0:
        raise DeliveryRejected(f"{delivery.name}: the file is empty")


def _stage_incoming(
    conn: DuckDBPyConnection, delivery: Delivery, mapping: dict[str, str]
) -> list[tuple[int, str, str]]:
    """Read a delivery into the temp table ``_incoming``; return the lines it skipped.

    The strict reader is tried first. If the file has lines it cannot read, the lenient
    reader loads every other line and the skipped ones come back as
    ``(line, csv_line, reason)`` for the quarantine.
    """
    select_list = ", ".join(
        f"cast({quote_identifier(src)} as VARCHAR) as {quote_identifier(dst)}"
        for src, dst in mapping.items()
    )
    reader, line_expression = _reader(delivery)
    # Identifiers are quoted, the path is a bound parameter: no delivered text becomes SQL.
    statement = f"create or replace temp table _incoming as select {select_list}, {line_expression} as _line_number from {{reader}}"  # noqa: E501, S608
    try:
        conn.execute(statement.format(reader=reader), [str(delivery.path)])
        return []
    except duckdb.Error as error:
        if delivery.suffix != ".csv":
            raise DeliveryRejected(
                f"{delivery.name}: could not be read: {_first_line(error)}"
            ) from error
        strict_error = error
    conn.execute("drop table if exists _rejects")
    conn.execute("drop table if exists _rejects_scan")
    lenient, _ = _reader(delivery, lenient=True)
    try:
        conn.execute(statement.format(reader=lenient), [str(delivery.path)])
    except duckdb.Error as error:
        raise DeliveryRejected(
            f"{delivery.name}: could not be read: {_first_line(strict_error)}"
        ) from error
    skipped = conn.execute(
        "select line, any_value(csv_line), any_value(error_type), any_value(error_message) "
        "from _rejects group by line order by line"
    ).fetchall()
    _renumber_after_rejects(conn)
    return [
        (int(line), str(csv_line), _REJECT_REASONS.get(str(kind), str(message)))
        for line, csv_line, kind, message in skipped
    ]


def _renumber_after_rejects(conn: DuckDBPyConnection) -> None:
    """Give kept rows their real file line when the reader skipped lines before them.

    With skipped lines ``r_1 < r_2 < ...``, kept row ``k`` (1-based) sits on line
    ``k + 1 + #{j : r_j - j - 1 < k}``: each skipped line pushes later rows down by one.
    """
    conn.execute(
        """
        update _incoming set _line_number = _incoming._line_number + shift.skipped
        from (
            select incoming._line_number as kept_line, count(ranked.line) as skipped
            from (select distinct _line_number from _incoming) as incoming
            left join (
                select line, row_number() over (order by line) as j
                from (select distinct line from _rejects)
            ) as ranked
                on ranked.line - ranked.j - 1 < incoming._line_number - 1
            group by incoming._line_number
        ) as shift
        where _incoming._line_number = shift.kept_line
        """
    )


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]


def _quarantine_rows(
    conn: DuckDBPyConnection,
    spec: SourceSpec,
    delivery: Delivery,
    present: set[str],
    skipped: list[tuple[int, str, str]],
    loaded_at: datetime,
) -> int:
    """Move rows that break a rule from ``_incoming`` to ``raw.quarantine``; count them."""
    checks = [
        (
            rule.column,
            rule.bad_sql.replace("{v}", f"coalesce(trim({quote_identifier(rule.column)}), '')"),
            rule.must,
        )
        for rule in ROW_RULES.get(spec.name, [])
        if rule.column in present
    ]
    # Column names and reasons come from our rules, never from a delivery.
    selects = [
        f"select _line_number, '{column}' as column_name, {quote_identifier(column)} as value, '{column} must {must}' as reason from _incoming where {bad}"  # noqa: E501, S608
        for column, bad, must in checks
    ]
    for cross in CROSS_RULES.get(spec.name, []):
        if set(cross.columns) <= present:
            a, b = (quote_identifier(c) for c in cross.columns)
            bad = cross.bad_sql.format(a=a, b=b)
            selects.append(
                f"select _line_number, '{cross.columns[1]}' as column_name, {a} || ' to ' || {b} as value, '{cross.reason}' as reason from _incoming where {bad}"  # noqa: E501, S608
            )
    conn.execute(
        "create or replace temp table _problems "
        "(_line_number BIGINT, column_name VARCHAR, value VARCHAR, reason VARCHAR)"
    )
    if selects:
        conn.execute(f"insert into _problems {' union all '.join(selects)}")
    if skipped:
        conn.executemany(
            "insert into _problems values (?, null, ?, ?)",
            [[line, csv_line[:MAX_QUOTED_VALUE], reason] for line, csv_line, reason in skipped],
        )
    conn.execute(
        """
        insert into raw.quarantine
        select ?, ?, ?, _line_number, column_name, left(value, ?), reason, ?
        from _problems order by _line_number, column_name
        """,
        [
            spec.name,
            delivery.name,
            delivery.content_hash,
            MAX_QUOTED_VALUE,
            loaded_at,
        ],
    )
    conn.execute("delete from _incoming where _line_number in (select _line_number from _problems)")
    return conn.execute("select count(distinct _line_number) from _problems").fetchall()[0][0]


def _read_delivery(
    conn: DuckDBPyConnection, spec: SourceSpec, delivery: Delivery
) -> tuple[dict[str, str], list[tuple[int, str, str]]]:
    """Check a delivery and read it into ``_incoming``; return its columns and skipped lines.

    Runs outside the load's transaction: a read that fails would otherwise abort it, and
    the lenient second read could not run.
    """
    _check_file(delivery)
    mapping = _column_mapping(delivery, spec, _delivered_columns(conn, delivery))
    return mapping, _stage_incoming(conn, delivery, mapping)


def _insert_delivery(
    conn: DuckDBPyConnection,
    spec: SourceSpec,
    delivery: Delivery,
    read: tuple[dict[str, str], list[tuple[int, str, str]]],
    loaded_at: datetime,
) -> tuple[int, int]:
    """Append the read delivery's good rows to ``raw.<source>``; return (loaded, quarantined)."""
    mapping, skipped = read
    add_missing_columns(conn, spec.name, list(mapping.values()))
    delivery_id = conn.execute("select nextval('raw.delivery_id_seq')").fetchall()[0][0]
    quarantined = _quarantine_rows(conn, spec, delivery, set(mapping.values()), skipped, loaded_at)
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
    _record(conn, delivery, delivery_id, row_count, "loaded", None, loaded_at, quarantined)
    return row_count, quarantined


def _record(
    conn: DuckDBPyConnection,
    delivery: Delivery,
    delivery_id: int,
    row_count: int,
    status: str,
    reason: str | None,
    loaded_at: datetime,
    quarantined_rows: int = 0,
) -> None:
    conn.execute(
        "insert into raw.deliveries by name select ? as delivery_id, ? as source, "
        "? as file_name, ? as content_hash, ? as size_bytes, ? as row_count, "
        "? as quarantined_rows, ? as status, ? as reason, ? as loaded_at",
        [
            delivery_id,
            delivery.source,
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
    load_reference_values(conn)
    report = SourceLoadReport(source=spec.name)
    for delivery in discover_deliveries(landing_dir, spec.name):
        if _is_known(conn, delivery):
            report.already_loaded += 1
            continue
        loaded_at = datetime.now(UTC)
        in_transaction = False
        try:
            read = _read_delivery(conn, spec, delivery)
            conn.begin()
            in_transaction = True
            rows, quarantined = _insert_delivery(conn, spec, delivery, read, loaded_at)
        except DeliveryRejected as rejection:
            if in_transaction:
                conn.rollback()
            conn.begin()
            _reject(conn, delivery, str(rejection), loaded_at)
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


def quarantined_row_messages(
    conn: DuckDBPyConnection, report: SourceLoadReport, limit: int = 20
) -> list[str]:
    """Say, for people, which rows this load kept out: file, line, value and why."""
    files = [r.file_name for r in report.loaded if r.quarantined_rows]
    if not files:
        return []
    rows = conn.execute(
        """
        select file_name, line_number, column_name, value, reason
        from raw.quarantine
        where source = ? and line_number is not null and list_contains(?, file_name)
        order by file_name, line_number, column_name
        limit ?
        """,
        [report.source, files, limit],
    ).fetchall()
    messages = [
        f"{file_name} line {line}: "
        + (f"{column} is {value!r}; " if column else "")
        + f"{reason}; the row was quarantined"
        for file_name, line, column, value, reason in rows
    ]
    if report.rows_quarantined > len(messages):
        messages.append(f"... and more: {report.rows_quarantined:,} rows in all (raw.quarantine)")
    return messages
