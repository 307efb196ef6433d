"""Findings about what the loader kept out: rejected files and quarantined rows."""

from __future__ import annotations

from duckdb import DuckDBPyConnection

from mmm_pipeline.quality.findings import finding

# One finding per quarantined row, up to this many per file; then one that counts the rest.
MAX_ROW_FINDINGS_PER_FILE = 200


def delivery_findings(conn: DuckDBPyConnection) -> list[dict]:
    """Every rejected file and quarantined row, named with file, line and reason.

    Parameters
    ----------
    conn
        A connection to a warehouse with ``raw.deliveries`` and ``raw.quarantine``.

    Returns
    -------
    list of dict
        Rows of ``mmm.data_quality_issues`` (see :func:`finding`): an error per rejected
        delivery, then a warning per quarantined problem with a line number, at most
        :data:`MAX_ROW_FINDINGS_PER_FILE` per file and one more that counts the rest.
    """
    rejected = conn.execute(
        "select source, file_name, reason from raw.deliveries where status = 'rejected' "
        "order by delivery_id"
    ).fetchall()
    findings = [
        finding(
            check_name="rejected_delivery",
            severity="error",
            source=source,
            message=f"{reason}. The file is untouched in the landing zone; deliver a "
            "corrected file",
        )
        for source, _file_name, reason in rejected
    ]
    rows = conn.execute(
        """
        select source, file_name, line_number, column_name, value, reason,
               count(*) over (partition by file_name) as in_file,
               row_number() over (partition by file_name order by line_number, column_name) as n
        from raw.quarantine
        where line_number is not null
        qualify n <= ?
        order by file_name, line_number, column_name
        """,
        [MAX_ROW_FINDINGS_PER_FILE + 1],
    ).fetchall()
    for source, file_name, line, column, value, reason, in_file, n in rows:
        if n > MAX_ROW_FINDINGS_PER_FILE:
            message = (
                f"{file_name}: {in_file - MAX_ROW_FINDINGS_PER_FILE:,} more problems; "
                "all are in raw.quarantine"
            )
        else:
            shown = f"{column} is {value!r}; " if column else ""
            message = f"{file_name} line {line}: {shown}{reason}; the row was quarantined"
        findings.append(
            finding(
                check_name="quarantined_row",
                severity="warn",
                source=source,
                message=message,
            )
        )
    return findings
