"""Loading deliveries into raw: idempotence, rejections with clear reasons, nothing lost."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from mmm_pipeline.landing.loader import load_source
from mmm_pipeline.landing.sources import SOURCES
from tests.conftest import folder_digest, write_csv

SPEND_HEADER = "date,geo,platform,campaign,spend,currency"


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
    before = folder_digest(landing)

    report = load_source(conn, landing, SOURCES["ad_spend"])

    assert [r.file_name for r in report.loaded] == ["ad_spend/good.csv"]
    (rejected,) = report.rejected
    assert rejected.file_name == "ad_spend/export_2.csv"
    assert "ad_spend/export_2.csv" in rejected.reason
    assert "missing required column 'spend'" in rejected.reason
    quarantined = conn.execute("select file_name, reason from raw.quarantine").fetchall()
    assert quarantined == [("ad_spend/export_2.csv", rejected.reason)]
    assert conn.execute("select spend from raw.ad_spend").fetchall() == [("10",)]
    assert folder_digest(landing) == before, "delivered files must never be modified"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("header_only.csv", SPEND_HEADER.encode() + b"\n", "has a header but no data rows"),
        ("report.xlsx", b"PK\x03\x04", "file type '.xlsx' is not taken"),
        (
            "latin1.csv",
            (SPEND_HEADER + "\n2024-01-01,DE,meta,Café,1,EUR\n").encode("latin-1"),
            "no line could be read (line 2: the line has characters that are not valid UTF-8)",
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


def _quarantine(conn) -> list[tuple]:
    return conn.execute(
        "select file_name, line_number, column_name, value, reason from raw.quarantine "
        "order by line_number, column_name"
    ).fetchall()


def test_bad_rows_are_quarantined_with_line_and_reason_and_the_rest_loads(
    tmp_path: Path, conn
) -> None:
    landing = tmp_path / "landing"
    folder = landing / "ad_spend"
    folder.mkdir(parents=True)
    lines = [
        SPEND_HEADER,
        "2024-01-01,US,meta,a,10,USD",  # line 2: good
        "2024-01-01,US,meta,b,-40.0,USD",  # 3: negative spend
        "2024-13-45,US,meta,c,1,USD",  # 4: not a date
        "2024-01-01,US,meta,d,ten,USD",  # 5: not a number
        "2024-01-01,US,meta,e,1,XYZ",  # 6: unknown currency
        "2024-01-01,US,meta," + "x" * 300 + ",1,USD",  # 7: identifier too long
        "2024-01-01,US,meta,f,1,USD,extra",  # 8: too many fields
        "2024-01-02,US,meta,g,5,EUR",  # 9: good
    ]
    body = "\n".join(lines).encode() + b"\n2024-01-01,DE,meta,caf\xe9,1,EUR\n"  # 10: not UTF-8
    body += b"2024-01-03,US,meta,h,7,\n"  # 11: good (empty currency is the default)
    (folder / "export_2.csv").write_bytes(body)
    before = folder_digest(landing)

    report = load_source(conn, landing, SOURCES["ad_spend"])

    (result,) = report.loaded
    assert (result.row_count, result.quarantined_rows) == (3, 7)
    loaded = conn.execute(
        "select campaign, spend, _line_number from raw.ad_spend order by _line_number"
    ).fetchall()
    assert loaded == [("a", "10", 2), ("g", "5", 9), ("h", "7", 11)]
    found = {(line, column): reason for _, line, column, _, reason in _quarantine(conn)}
    assert found[(3, "spend")] == "spend must be >= 0"
    assert found[(4, "date")] == "date must be a date as YYYY-MM-DD"
    assert found[(5, "spend")] == "spend must be a number"
    assert found[(6, "currency")].startswith("currency must be a currency with a rate")
    assert found[(7, "campaign")] == "campaign must be at most 256 characters"
    assert found[(8, None)] == "the line has more fields than the header"
    assert found[(10, None)] == "the line has characters that are not valid UTF-8"
    assert folder_digest(landing) == before


def test_invalid_lift_tests_are_quarantined(tmp_path: Path, conn) -> None:
    landing = tmp_path / "landing"
    write_csv(
        landing / "experiments" / "tests.csv",
        "experiment_id,channel,start_date,end_date,outcome,spend_delta,lift,lift_sigma",
        "e1,meta,2024-03-01,2024-03-28,signup,-5000,-40,12",
        "e2,meta,2024-03-28,2024-03-01,signup,-5000,-40,12",
        "e3,meta,2024-03-01,2024-03-28,signup,-5000,-40,0",
        "e4,facebook,2024-03-01,2024-03-28,signup,-5000,-40,12",
    )
    load_source(conn, landing, SOURCES["experiments"])
    assert conn.execute("select experiment_id from raw.experiments").fetchall() == [("e1",)]
    reasons = [(line, reason) for _, line, _, _, reason in _quarantine(conn)]
    assert reasons == [
        (3, "end_date is before start_date"),
        (4, "lift_sigma must be > 0"),
        (5, "channel must be a canonical channel (dbt_project/seeds/channels.csv)"),
    ]


def test_injection_like_values_are_loaded_as_literal_text_and_nothing_else_happens(
    tmp_path: Path, conn
) -> None:
    landing = tmp_path / "landing"
    evil_campaign = "x'); DROP TABLE raw.deliveries; --"
    write_csv(
        landing / "ad_spend" / "x.csv",
        SPEND_HEADER,
        f'2024-01-01,US,meta,"{evil_campaign}",1,USD',
        "2024-01-01,US,meta,b,1,USD' OR 1=1 --",
    )
    load_source(conn, landing, SOURCES["ad_spend"])
    assert conn.execute("select campaign from raw.ad_spend").fetchall() == [(evil_campaign,)]
    assert conn.execute("select count(*) from raw.deliveries").fetchall() == [(1,)]
    (quarantined,) = _quarantine(conn)
    assert quarantined[3] == "USD' OR 1=1 --"


def test_unparseable_timestamps_and_values_on_conversions_are_quarantined(
    tmp_path: Path, conn
) -> None:
    landing = tmp_path / "landing"
    write_csv(
        landing / "conversions" / "c.csv",
        "conversion_id,occurred_at,geo,outcome,value",
        "c1,2024-03-01T10:00:00Z,US,order,49.9",
        "c2,yesterday,US,order,10",
        "c3,2024-03-01T10:00:00+02:00,US,order,12,50",
        "c4,2024-03-01 11:00:00,US,order,",
    )
    report = load_source(conn, landing, SOURCES["conversions"])
    assert (report.rows_added, report.rows_quarantined) == (2, 2)
    assert conn.execute("select conversion_id from raw.conversions order by 1").fetchall() == [
        ("c1",),
        ("c4",),
    ]
    reasons = [(line, column, reason) for _, line, column, _, reason in _quarantine(conn)]
    assert reasons == [
        (
            3,
            "occurred_at",
            "occurred_at must be an ISO 8601 timestamp such as 2024-07-29T14:05:00Z",
        ),
        (4, None, "the line has more fields than the header"),
    ]


def test_known_deliveries_are_not_read_again(
    tmp_path: Path, conn, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    write_csv(landing / "ad_spend" / "a.csv", SPEND_HEADER, "2024-01-01,US,meta,a,10,USD")
    load_source(conn, landing, SOURCES["ad_spend"])

    def no_reading(path: Path) -> str:
        raise AssertionError(f"{path} was hashed again")

    monkeypatch.setattr("mmm_pipeline.landing.deliveries.file_sha256", no_reading)
    again = load_source(conn, landing, SOURCES["ad_spend"])
    assert (again.already_loaded, again.results) == (1, [])
    # A new file is still read (and here: hashing it is what fails).
    write_csv(landing / "ad_spend" / "b.csv", SPEND_HEADER, "2024-01-02,US,meta,a,10,USD")
    with pytest.raises(AssertionError, match=r"b\.csv was hashed again"):
        load_source(conn, landing, SOURCES["ad_spend"])
