"""Landing-to-marts benchmark: wall time and peak memory of `mmm run` on large deliveries.

Writes N conversion rows (with the messy UTMs and referrers real tracking produces) as
CSV deliveries of 1M rows each, plus three years of daily ad spend, then times one
`mmm run` from an empty warehouse to the weekly marts. Peak memory is the largest total
RSS of the `mmm` process tree (Dagster plus the dbt subprocess), sampled every 0.1 s.

    .venv/bin/python benchmarks/ingest.py                 # 1M and 10M rows
    .venv/bin/python benchmarks/ingest.py --rows 1000000  # one size

Results are printed and written to benchmarks/results/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import psutil

REPO_ROOT = Path(__file__).resolve().parents[1]
ROWS_PER_FILE = 1_000_000

# (utm_source, utm_medium, utm_campaign, referrer): the variety real conversions carry.
SESSIONS = [
    ("fb", "paid_social", "prospecting", ""),
    ("ig", "cpc", "", ""),
    ("Instagram", "Paid Social", "reels", ""),
    ("google", "cpc", "brand_exact", ""),
    ("google", "CPC", "NonBrand-Competitors", ""),
    ("google", "video", "yt_awareness", ""),
    ("bing", "cpc", "brand", ""),
    ("tiktok", "paid_social", "", ""),
    ("linkedin", "sponsored", "abm", ""),
    ("newsletter", "email", "weekly", ""),
    ("", "", "", "https://www.google.com/"),
    ("", "", "", "https://l.instagram.com/"),
    ("", "", "", "https://someblog.example.org/post"),
    ("", "", "", ""),
    ("", "", "", ""),
    ("", "", "", ""),
]
GEOS = ["US", "DE", "GB", "BR"]
PLATFORMS = [
    ("meta", "Prospecting_LAL1"),
    ("facebook", "Retargeting - Website"),
    ("google_ads", "US_Search_Brand_Exact"),
    ("google_ads", "US_Search_NonBrand_Generic"),
    ("google_ads", "US_YT_Video_Awareness"),
    ("tiktok", "Spark Ads"),
    ("linkedin", "ABM"),
    ("podcast", "Host read"),
]


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def write_landing_zone(landing: Path, rows: int) -> None:
    """Write `rows` conversions in 1M-row CSV files and daily spend for 3 years."""
    (landing / "conversions").mkdir(parents=True)
    (landing / "ad_spend").mkdir(parents=True)
    columns = list(zip(*SESSIONS, strict=True))
    with duckdb.connect() as conn:
        for index, start in enumerate(range(0, rows, ROWS_PER_FILE)):
            count = min(ROWS_PER_FILE, rows - start)
            target = landing / "conversions" / f"conversions_{index:03d}.csv"
            sessions = len(SESSIONS)
            conn.execute(
                f"""
                copy (
                    select
                        'c' || k as conversion_id,
                        strftime(timestamp '2023-01-02' + to_seconds(h_time), '%Y-%m-%dT%H:%M:%SZ')
                            as occurred_at,
                        {_sql_list(GEOS)}[1 + h_geo] as geo,
                        case when h_outcome = 0 then 'order' else 'signup' end as outcome,
                        case when h_outcome = 0 then round(20 + h_value / 100.0, 2) else 0 end
                            as value,
                        'self_serve' as segment,
                        {_sql_list(list(columns[0]))}[1 + h_session] as utm_source,
                        {_sql_list(list(columns[1]))}[1 + h_session] as utm_medium,
                        {_sql_list(list(columns[2]))}[1 + h_session] as utm_campaign,
                        {_sql_list(list(columns[3]))}[1 + h_session] as referrer
                    from (
                        select
                            k,
                            (hash(k, 1) % 94608000)::bigint as h_time,
                            (hash(k, 2) % {len(GEOS)})::bigint as h_geo,
                            (hash(k, 3) % 5)::bigint as h_outcome,
                            (hash(k, 4) % 20000)::bigint as h_value,
                            (hash(k, 5) % {sessions})::bigint as h_session
                        from range({start}, {start + count}) as t(k)
                    )
                ) to '{target}' (header, delimiter ',')
                """  # noqa: S608 (benchmark-generated literals)
            )
        platforms = ", ".join(f"('{p}', '{c}')" for p, c in PLATFORMS)
        conn.execute(
            f"""
            copy (
                select
                    strftime(date '2023-01-02' + d::integer, '%Y-%m-%d') as date,
                    geo,
                    platform,
                    campaign,
                    round(50 + (hash(d, geo, campaign) % 100000)::bigint / 100.0, 2) as spend,
                    'USD' as currency,
                    (hash(d, geo, campaign, 1) % 100000)::bigint as impressions,
                    (hash(d, geo, campaign, 2) % 1000)::bigint as clicks
                from range(1095) as t(d),
                     unnest({_sql_list(GEOS)}) as g(geo),
                     (values {platforms}) as p(platform, campaign)
            ) to '{landing / "ad_spend" / "spend.csv"}' (header, delimiter ',')
            """  # noqa: S608
        )


def run_and_measure(landing: Path, warehouse: Path) -> dict[str, float]:
    """Run `mmm run` once; return wall seconds and the peak RSS of its process tree."""
    env = dict(os.environ, DAGSTER_HOME=str(warehouse.parent / "dagster_home"))
    command = [
        str(Path(sys.executable).parent / "mmm"),
        "run",
        "--landing",
        str(landing),
        "--warehouse",
        str(warehouse),
    ]
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 (fixed argv)
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    root = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"mmm run failed with exit code {process.returncode}")
    return {"seconds": round(seconds, 1), "peak_rss_gib": round(peak / 2**30, 2)}


def check_marts(warehouse: Path, rows: int) -> None:
    """Fail unless every delivered conversion reached the mart: only then does a time count."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        counted = conn.execute(
            "select sum(conversions) from marts.fct_conversions_weekly"
        ).fetchall()[0][0]
    if counted != rows:
        raise SystemExit(f"marts hold {counted} conversions, {rows} were delivered")


def main() -> None:
    """Run the benchmark for each requested size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    args = parser.parse_args()
    results = []
    for rows in args.rows:
        with tempfile.TemporaryDirectory(prefix="mmm-bench-") as tmp:
            landing = Path(tmp) / "landing"
            started = time.perf_counter()
            write_landing_zone(landing, rows)
            generated = time.perf_counter() - started
            size = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file())
            measured = run_and_measure(landing, Path(tmp) / "warehouse.duckdb")
            check_marts(Path(tmp) / "warehouse.duckdb", rows)
        result = {
            "conversion_rows": rows,
            "landing_mib": round(size / 2**20),
            "generate_seconds": round(generated, 1),
            **measured,
        }
        results.append(result)
        print(
            f"{rows:>11,} conversions ({result['landing_mib']:,} MiB of CSV): landing to marts "
            f"in {result['seconds']} s, peak RSS {result['peak_rss_gib']} GiB"
        )
    out = REPO_ROOT / "benchmarks" / "results" / "ingest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
