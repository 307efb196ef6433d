"""Hand-made conversions and touchpoints for the click-model tests.

They are written as the two intermediate tables the click models read (only the columns
they read, with the warehouse's types).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import duckdb


class Conv(NamedTuple):
    """One conversion; ``channel`` is its last-click channel, ``direct`` when untracked."""

    conversion_id: str
    at: datetime
    channel: str = "direct"
    customer_id: str | None = "cus_1"
    segment: str = "self_serve"
    outcome: str = "order"
    geo: str = "US"
    value: float = 90.0


class Touch(NamedTuple):
    """One touchpoint."""

    customer_id: str
    at: datetime
    channel: str
    geo: str = "US"


def warehouse(
    conversions: list[Conv], touches: list[Touch], path: Path | None = None
) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(str(path) if path else ":memory:")
    conn.execute("create schema intermediate")
    conn.execute(
        """
        create table intermediate.int_conversions_mapped (
            conversion_id varchar, outcome varchar, segment varchar, geo varchar,
            occurred_at timestamptz, week_start date, value double, customer_id varchar,
            is_untracked boolean, last_click_channel varchar
        )
        """
    )
    conn.execute(
        """
        create table intermediate.int_touchpoints_mapped (
            customer_id varchar, occurred_at timestamptz, geo varchar, channel varchar
        )
        """
    )
    for c in conversions:
        conn.execute(
            """
            insert into intermediate.int_conversions_mapped
            values (?, ?, ?, ?, ?, cast(date_trunc('week', timezone('UTC', ?)) as date),
                    ?, ?, ?, ?)
            """,
            [
                c.conversion_id,
                c.outcome,
                c.segment,
                c.geo,
                c.at,
                c.at,
                c.value,
                c.customer_id,
                c.channel == "direct",
                c.channel,
            ],
        )
    if touches:
        conn.executemany(
            "insert into intermediate.int_touchpoints_mapped values (?, ?, ?, ?)",
            [[t.customer_id, t.at, t.geo, t.channel] for t in touches],
        )
    return conn
