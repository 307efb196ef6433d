"""Loading deliveries into raw: idempotence, rejections with clear reasons, nothing lost."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb
import pytest

from mmm_pipeline.landing.loader import load_source
from mmm_pipeline.landing.sources import SOURCES
from tests.conftest import write_csv

SPEND_HEADER = "date,geo,platform,campaign,spend,currency"


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def conn(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        yield connection


def test_same_bytes_delivered_again_change_nothing(tmp_path: Path, conn) -> None:
    landing = tmp_path / "landing"
    first = write_csv(
        landing / "ad_spend" / "meta_2024-01.csv",
        SPEND_HEADER,
        "2024-01-01,US,meta,prospecting,100.50,USD",
        "2024-01-02,US,meta,prospecting,80.25,USD",
    )
    report = load_source(conn, landing, SOURCES["ad_spend"])
    assert report.rows_added == 2
    # The same bytes again, under another name: a re-send, not new data.
    (landing / "ad_spend" / "meta_2024-01 (1).csv").write_bytes(first.read_bytes())
    again = load_source(conn, landing, SOURCES["ad_spend"])
    assert again.results == []
    assert again.already_loaded == 2
    assert conn.execute("select count(*) from raw.ad_spend").fetchall()[0][0] == 2


def test_missing_required_column_names_file_and_column_and_keeps_the_rest(
    tmp_path: Path, conn
) -> None:
    landing = tmp_path / "landing"
    write_csv(landing / "ad_spend" / "good.csv", SPEND_HEADER, "2024-01-01,US,meta,a,10,USD")
    write_csv(
        landing / "ad_spend" / "export_2.csv", "date,geo,platform,campaign", "2024-01-01,US,x,y"
    )
    before = _digest(landing)

    report = load_source(conn, landing, SOURCES["ad_spend"])

    assert [r.file_name for r in report.loaded] == ["ad_spend/good.csv"]
    (rejected,) = report.rejected
    assert rejected.file_name == "ad_spend/export_2.csv"
    assert "ad_spend/export_2.csv" in rejected.reason
    assert "missing required column 'spend'" in rejected.reason
    quarantined = conn.execute("select file_name, reason from raw.quarantine").fetchall()
    assert quarantined == [("ad_spend/export_2.csv", rejected.reason)]
    assert conn.execute("select spend from raw.ad_spend").fetchall() == [("10",)]
    assert _digest(landing) == before, "delivered files must never be modified"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("header_only.csv", SPEND_HEADER.encode() + b"\n", "has a header but no data rows"),
        ("report.xlsx", b"PK\x03\x04", "file type '.xlsx' is not taken"),
        (
            "latin1.csv",
            (SPEND_HEADER + "\n2024-01-01,DE,meta,Café,1,EUR\n").encode("latin-1"),
            "could not be read",
        ),
    ],
)
def test_unreadable_files_are_rejected_whole_with_reason(
    tmp_path: Path, conn, name: str, content: bytes, expected: str
) -> None:
    landing = tmp_path / "landing"
    (landing / "ad_spend").mkdir(parents=True)
    (landing / "ad_spend" / name).write_bytes(content)
    write_csv(landing / "ad_spend" / "zz_good.csv", SPEND_HEADER, "2024-01-01,US,meta,a,10,USD")

    report = load_source(conn, landing, SOURCES["ad_spend"])

    (rejected,) = report.rejected
    assert rejected.file_name == f"ad_spend/{name}"
    assert expected in rejected.reason
    assert report.rows_added == 1


def test_values_are_data_never_sql(tmp_path: Path, conn) -> None:
    landing = tmp_path / "landing"
    evil = "US'; DROP TABLE raw.ad_spend; --"
    write_csv(
        landing / "ad_spend" / "x.csv",
        'date,geo,platform,campaign,spend,"weird ""col"""',
        f'2024-01-01,"{evil}",meta,a,1,z',
    )
    load_source(conn, landing, SOURCES["ad_spend"])
    assert conn.execute("select geo from raw.ad_spend").fetchall() == [(evil,)]
    # Extra columns are kept in raw, under their delivered (lower-cased) name.
    assert conn.execute('select "weird ""col""" from raw.ad_spend').fetchall() == [("z",)]


def test_lineage_names_file_and_line_in_delivery_order(tmp_path: Path, conn) -> None:
    landing = tmp_path / "landing"
    rows = [f"2024-01-01,US,meta,c{i},{i},USD" for i in range(50_000)]
    big = write_csv(landing / "ad_spend" / "b_big.csv", SPEND_HEADER, *rows)
    late = write_csv(
        landing / "ad_spend" / "a_late.csv", SPEND_HEADER, "2024-01-01,US,meta,c7,9,USD"
    )
    # Delivery order is arrival (modification) time, not the name.
    os.utime(big, (1_700_000_000, 1_700_000_000))
    os.utime(late, (1_700_000_100, 1_700_000_100))

    load_source(conn, landing, SOURCES["ad_spend"])

    mismatched = conn.execute(
        "select count(*) from raw.ad_spend where _file_name = 'ad_spend/b_big.csv' "
        "and cast(spend as bigint) + 2 <> _line_number"
    ).fetchall()[0][0]
    assert mismatched == 0, "line numbers must follow the file (header is line 1)"
    order = conn.execute(
        "select _file_name from raw.ad_spend group by _file_name order by min(_delivery_id)"
    ).fetchall()
    assert order == [("ad_spend/b_big.csv",), ("ad_spend/a_late.csv",)]


def test_parquet_deliveries_load_like_csv(tmp_path: Path, conn) -> None:
    landing = tmp_path / "landing"
    (landing / "conversions").mkdir(parents=True)
    target = landing / "conversions" / "c.parquet"
    conn.execute(
        f"copy (select 'c1' as conversion_id, timestamp '2024-03-01 10:00' as occurred_at, "
        f"'US' as geo, 'order' as outcome, 49.9 as value) to '{target}' (format parquet)"
    )
    report = load_source(conn, landing, SOURCES["conversions"])
    assert report.rows_added == 1
    assert conn.execute(
        "select conversion_id, occurred_at, value, _line_number from raw.conversions"
    ).fetchall() == [("c1", "2024-03-01 10:00:00", "49.9", 1)]


def test_every_source_table_exists_even_when_nothing_was_delivered(tmp_path: Path, conn) -> None:
    for spec in SOURCES.values():
        load_source(conn, tmp_path / "empty_landing", spec)
    columns = dict(
        conn.execute(
            "select table_name, list(column_name) from information_schema.columns "
            "where table_schema = 'raw' group by table_name"
        ).fetchall()
    )
    for spec in SOURCES.values():
        assert set(spec.columns) <= set(columns[spec.name])
