"""Reading one delivery into the temp table ``_incoming``, one problem at a time.

The strict CSV reader is tried first; a file with lines it cannot take (bad UTF-8, wrong
number of fields) is read again leniently, keeping every other line with its true line
number. Whole-file problems raise :class:`DeliveryRejected` with the file and the reason.
"""

from __future__ import annotations

import duckdb
from duckdb import DuckDBPyConnection

from mmm_pipeline.landing.deliveries import ACCEPTED_SUFFIXES, Delivery, glob_problem
from mmm_pipeline.landing.raw_tables import quote_identifier
from mmm_pipeline.landing.sources import SourceSpec


class DeliveryRejected(Exception):
    """A whole file cannot be loaded; the message says which file and why."""


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


def table_function(delivery: Delivery, lenient: bool = False) -> tuple[str, str]:
    """Return the DuckDB table function for a delivery and its 1-based line expression.

    For CSV the header is line 1, so data row ``n`` (ordinality) is line ``n + 1``. The
    lenient CSV reader skips unreadable lines into ``_rejects``; the line numbers of the
    rows it keeps are then corrected by :func:`renumber_after_rejects`.

    Returns
    -------
    tuple of str
        The table function with one ``?`` for the path, and the SQL expression of each row's
        line in the file.
    """
    if delivery.suffix == ".csv":
        rejects = (
            ", store_rejects = true, rejects_table = '_rejects', rejects_scan = '_rejects_scan'"
            if lenient
            else ""
        )
        return f"read_csv(?, {_CSV_OPTIONS}{rejects}) with ordinality", "ordinality + 1"
    return "read_parquet(?, file_row_number = true)", "file_row_number + 1"


def delivered_columns(conn: DuckDBPyConnection, delivery: Delivery) -> list[str]:
    """Read the header (CSV) or schema (Parquet) without loading rows.

    Returns
    -------
    list of str
        The column names as delivered, without the reader's row-number column.

    Raises
    ------
    DeliveryRejected
        When DuckDB cannot read the file at all.
    """
    # Lenient, so one bad line in the sniffed sample does not hide the header.
    reader, _ = table_function(delivery, lenient=True)
    try:
        cursor = conn.execute(f"select * from {reader} limit 0", [str(delivery.path)])  # noqa: S608
    except duckdb.Error as error:
        first_line = str(error).strip().splitlines()[0]
        raise DeliveryRejected(f"{delivery.name}: could not be read: {first_line}") from error
    description = cursor.description
    cursor.fetchall()
    hidden = {"ordinality", "file_row_number"}
    return [column[0] for column in description if column[0] not in hidden]


def column_mapping(delivery: Delivery, spec: SourceSpec, delivered: list[str]) -> dict[str, str]:
    """Map delivered column names to their normalised (trimmed, lower-case) names.

    Returns
    -------
    dict of str to str
        Each delivered name to its normalised name.

    Raises
    ------
    DeliveryRejected
        When two columns normalise to the same name or a required column is missing.
    """
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


def check_file(delivery: Delivery) -> None:
    """Reject what no reader should open: refused entries, other file types, empty files.

    Refused entries (links, glob patterns) were decided at discovery, from the name and
    lstat; the glob check is repeated on the full path because DuckDB expands those
    characters even in a bound parameter, and one slip would read other files.

    Raises
    ------
    DeliveryRejected
        For a refused entry, a path with glob characters, a file type other than CSV or
        Parquet, or an empty file.
    """
    if delivery.refused:
        raise DeliveryRejected(f"{delivery.name}: {delivery.refused}; it was not read")
    if problem := glob_problem(delivery.path):
        raise DeliveryRejected(f"{delivery.name}: {problem}; it was not read")
    if delivery.suffix not in ACCEPTED_SUFFIXES:
        raise DeliveryRejected(
            f"{delivery.name}: file type '{delivery.suffix or '(none)'}' is not taken; "
            "deliver .csv (UTF-8, comma separated, header row) or .parquet"
        )
    if delivery.size_bytes == 0:
        raise DeliveryRejected(f"{delivery.name}: the file is empty")


def stage_incoming(
    conn: DuckDBPyConnection, delivery: Delivery, mapping: dict[str, str]
) -> list[tuple[int, str, str]]:
    """Read a delivery into the temp table ``_incoming``; return the lines it skipped.

    The strict reader is tried first. If the file has lines it cannot read, the lenient
    reader loads every other line and the skipped ones come back as
    ``(line, csv_line, reason)`` for the quarantine.

    Returns
    -------
    list of tuple of (int, str, str)
        The skipped lines as ``(line, csv_line, reason)``; empty when the strict read worked.

    Raises
    ------
    DeliveryRejected
        When a Parquet file cannot be read, or a CSV file not even leniently.
    """
    select_list = ", ".join(
        f"cast({quote_identifier(src)} as VARCHAR) as {quote_identifier(dst)}"
        for src, dst in mapping.items()
    )
    reader, line_expression = table_function(delivery)
    # Identifiers are quoted, the path is a bound parameter: no delivered text becomes SQL.
    statement = f"create or replace temp table _incoming as select {select_list}, {line_expression} as _line_number from {{reader}}"  # noqa: E501, S608
    try:
        conn.execute(statement.format(reader=reader), [str(delivery.path)])
        return []
    except duckdb.Error as error:
        if delivery.suffix != ".csv":
            raise DeliveryRejected(
                f"{delivery.name}: could not be read: {first_line(error)}"
            ) from error
        strict_error = error
    conn.execute("drop table if exists _rejects")
    conn.execute("drop table if exists _rejects_scan")
    lenient, _ = table_function(delivery, lenient=True)
    try:
        conn.execute(statement.format(reader=lenient), [str(delivery.path)])
    except duckdb.Error as error:
        raise DeliveryRejected(
            f"{delivery.name}: could not be read: {first_line(strict_error)}"
        ) from error
    skipped = conn.execute(
        "select line, any_value(csv_line), any_value(error_type), any_value(error_message) "
        "from _rejects group by line order by line"
    ).fetchall()
    renumber_after_rejects(conn)
    return [
        (int(line), str(csv_line), _REJECT_REASONS.get(str(kind), str(message)))
        for line, csv_line, kind, message in skipped
    ]


def renumber_after_rejects(conn: DuckDBPyConnection) -> None:
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


def first_line(error: Exception) -> str:
    """The first line of a DuckDB error: the part that says what went wrong.

    Returns
    -------
    str
        The error's text up to its first line break, stripped.
    """
    return str(error).strip().splitlines()[0]


def read_delivery(
    conn: DuckDBPyConnection, spec: SourceSpec, delivery: Delivery
) -> tuple[dict[str, str], list[tuple[int, str, str]]]:
    """Check a delivery and read it into ``_incoming``; return its columns and skipped lines.

    Runs outside the load's transaction: a read that fails would otherwise abort it, and
    the lenient second read could not run. A file or columns that cannot be taken raise
    :class:`DeliveryRejected` from the checks and reads it calls.

    Returns
    -------
    tuple of (dict of str to str, list of tuple of (int, str, str))
        The mapping from delivered to normalised column names, and the skipped lines as
        ``(line, csv_line, reason)``.
    """
    check_file(delivery)
    mapping = column_mapping(delivery, spec, delivered_columns(conn, delivery))
    return mapping, stage_incoming(conn, delivery, mapping)
