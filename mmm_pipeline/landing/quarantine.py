"""Keeping bad rows out of ``raw``: the row rules applied to ``_incoming``.

Every broken rule becomes one ``raw.quarantine`` row (file, line, column, value, reason);
the offending lines leave ``_incoming`` before it is appended to ``raw.<source>``.
"""

from __future__ import annotations

from datetime import datetime

from duckdb import DuckDBPyConnection

from mmm_pipeline.landing.deliveries import Delivery
from mmm_pipeline.landing.raw_tables import quote_identifier
from mmm_pipeline.landing.row_rules import CROSS_RULES, ROW_RULES
from mmm_pipeline.landing.sources import SourceSpec
from mmm_pipeline.settings import DBT_PROJECT_DIR

MAX_QUOTED_VALUE = 200


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


def quarantine_rows(
    conn: DuckDBPyConnection,
    spec: SourceSpec,
    delivery: Delivery,
    present: set[str],
    skipped: list[tuple[int, str, str]],
    loaded_at: datetime,
) -> int:
    """Move rows that break a rule from ``_incoming`` to ``raw.quarantine``; count them.

    Returns
    -------
    int
        The number of distinct lines kept out, by a broken rule or as unreadable.
    """
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


def quarantined_row_messages(
    conn: DuckDBPyConnection, source: str, files: list[str], total: int, limit: int = 20
) -> list[str]:
    """Say, for people, which rows this load kept out: file, line, value and why.

    Returns
    -------
    list of str
        One sentence per quarantine entry of ``files`` (a broken rule or an unreadable
        line), at most ``limit``, then one giving ``total`` when it is larger; empty
        without ``files``.
    """
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
        [source, files, limit],
    ).fetchall()
    messages = [
        f"{file_name} line {line}: "
        + (f"{column} is {value!r}; " if column else "")
        + f"{reason}; the row was quarantined"
        for file_name, line, column, value, reason in rows
    ]
    if total > len(messages):
        messages.append(f"... and more: {total:,} rows in all (raw.quarantine)")
    return messages
