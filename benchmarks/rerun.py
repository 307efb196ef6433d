"""Rerun benchmark: a second ``mmm run`` on an unchanged landing zone refits nothing.

It runs ``mmm run`` on a landing zone (a held-out family's by default), then again on
the same deliveries, and reports both wall times, the console's line count, which series
each run fitted, and whether every ``mmm.*`` table came out identical (a SHA-256 per
table over its rows in a fixed order). With ``--kill-after S`` a third run is killed
with SIGKILL S seconds in, and a fourth must again leave every table as the first run
left it.

    PYTHONHASHSEED=0 .venv/bin/python benchmarks/rerun.py --family b2b --seed 1
    .venv/bin/python benchmarks/rerun.py --landing data/landing --kill-after 40

It is a benchmark, not a test: the first run fits every series (minutes).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parents[1]
MMM = REPO_ROOT / ".venv" / "bin" / "mmm"


def table_digests(warehouse: Path) -> dict[str, str]:
    """SHA-256 of every ``mmm.*`` table's rows, ordered by all columns.

    Returns
    -------
    dict of str to str
        Table name to hex digest of its CSV rendering.
    """
    digests = {}
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        tables = conn.execute(
            "select table_name from information_schema.tables where table_schema = 'mmm' order by 1"
        ).fetchall()
        for (table,) in tables:
            frame = conn.execute(f'select * from mmm."{table}" order by all').df()  # noqa: S608
            digests[f"mmm.{table}"] = hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
    return digests


def run(folder: Path, name: str, kill_after: float | None = None) -> dict:
    """One ``mmm run`` on the folder's landing zone and warehouse.

    Returns
    -------
    dict
        ``seconds``, ``lines`` of console output, ``fitted`` and ``reused`` series as
        the summary names them, and ``killed``.
    """
    env = os.environ | {"DAGSTER_HOME": str(folder / "dagster_home")}
    (folder / "dagster_home").mkdir(exist_ok=True)
    command = [
        str(MMM),
        "run",
        "--landing",
        str(folder / "landing"),
        "--warehouse",
        str(folder / "data" / "warehouse.duckdb"),
    ]
    started = time.perf_counter()
    with (folder / f"{name}.out").open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        killed = False
        try:
            process.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            killed = True
    seconds = time.perf_counter() - started
    text = (folder / f"{name}.out").read_text()
    lines = text.splitlines()
    fitted = [
        line.split(":")[0].split()[-1]
        for line in lines
        if " fit " in line and "✓" in line and "not refitted" not in line
    ]
    reused_at = [i for i, line in enumerate(lines) if line.startswith("Models reused")]
    reused = []
    if reused_at:
        for line in lines[reused_at[0] + 1 :]:
            if not line.startswith("  "):
                break
            reused.append(line.split(":")[0].strip())
    return {
        "seconds": round(seconds, 1),
        "lines": len(lines),
        "fitted": fitted,
        "reused": reused,
        "killed": killed,
        "exit": process.returncode,
    }


def main(argv: list[str] | None = None) -> int:
    """Run, rerun (and optionally kill and rerun) and print what changed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", default="b2b", help="held-out family (benchmarks/heldout)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--landing", type=Path, help="use this landing zone instead (copied)")
    parser.add_argument("--kill-after", type=float, help="seconds into a third run to kill it")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "mmm-rerun")
    args = parser.parse_args(argv)
    folder = args.workdir / (args.landing.name if args.landing else f"{args.family}-{args.seed}")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if args.landing:
        shutil.copytree(args.landing, folder / "landing")
    else:
        from heldout import generate

        generate(args.family, args.seed, folder / "landing")
    warehouse = folder / "data" / "warehouse.duckdb"
    runs = {"first": run(folder, "first")}
    before = table_digests(warehouse)
    if args.kill_after:
        runs["killed"] = run(folder, "killed", args.kill_after)
    runs["second"] = run(folder, "second")
    after = table_digests(warehouse)
    report = {
        "runs": runs,
        "second_over_first": round(runs["second"]["seconds"] / runs["first"]["seconds"], 3),
        "changed_tables": sorted(
            t for t in before.keys() | after.keys() if before.get(t) != after.get(t)
        ),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    sys.exit(main())
