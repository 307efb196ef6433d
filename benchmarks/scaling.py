"""Scaling benchmark: how fit time grows with geos, and what parallel partitions buy.

Two measurements on this machine, both with the pipeline's own code:

1. **Geos.** For each geo count it simulates a business (``mmm simulate``, 104 weeks by
   default), builds its marts with the ``mmm_data`` job, and fits the self-serve signup
   series once with ``fit_panel`` in a fresh process, recording wall time and the peak
   resident memory of that process. Every geo is in one model, so this is the cost of
   one partition as a business grows.
2. **Partitions.** On the largest warehouse of step 1 (or ``--partitions-geos``), it
   fits the first ``--series`` ready series through the real ``mmm_fit`` job twice: one
   after the other (``run_fits(parallel=1)``) and all at once, each in its own process
   (``run_fits(parallel=N)``, what ``mmm run --parallel N`` does), in that order. The
   ratio says how
   much a second worker helps on this many cores; on a fleet each partition is a run
   on its own machine (Kubernetes or Celery run launcher, docs/scaling.md).

    .venv/bin/python benchmarks/scaling.py --help
    .venv/bin/python benchmarks/scaling.py                    # 1, 2, 4, 8 geos; 2 series
    .venv/bin/python benchmarks/scaling.py --geos 1 3 --no-partitions

About 20 minutes on 2 cores. Results are printed as markdown and written to ``--json``
(default ``benchmarks/results/scaling.json``). A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

from recovery import Scenario, build_warehouse  # noqa: E402 (benchmarks are not a package)

SERIES = ("self_serve", "signup")


def _fit_worker(warehouse: str, profile: str) -> None:
    """Fit the main series of ``warehouse`` in this process; print seconds as JSON."""
    import warnings

    warnings.filterwarnings("ignore")
    import duckdb

    from mmm_pipeline.modeling.lift_tests import load_calibration
    from mmm_pipeline.modeling.panel import DATE, build_panel
    from mmm_pipeline.modeling.panel_fit import PROFILES, fit_panel
    from mmm_pipeline.modeling.specification import load_model_config

    with duckdb.connect(warehouse, read_only=True) as conn:
        panel = build_panel(conn, *SERIES, exposure=load_model_config().exposure)
        lift = load_calibration(conn, *SERIES, panel).measurements
    started = time.perf_counter()
    outcome = fit_panel(panel, lift, PROFILES[profile], seed=1)
    print(
        json.dumps(
            {
                "fit_seconds": time.perf_counter() - started,
                "weeks": int(panel.frame[DATE].nunique()),
                "channels": len(panel.channels),
                "max_rhat": outcome.max_rhat,
                "min_ess": outcome.min_ess,
                "accepted": outcome.accepted,
            }
        )
    )


def _peak_memory(process: subprocess.Popen) -> float:
    """Peak resident memory (GiB) of ``process`` and its children, sampled every 0.1 s."""
    peak = 0.0
    watched = psutil.Process(process.pid)
    while process.poll() is None:
        try:
            tree = [watched, *watched.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree) / 2**30)
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.1)
    return peak


def measure_geos(workdir: Path, geos: int, weeks: int, profile: str, seed: int) -> dict:
    """Build a ``geos``-geo business and time one fit of its main series."""
    folder = build_warehouse(workdir, Scenario(f"scaling-{geos}geo", geos, weeks), seed)
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 (our interpreter, this script)
        [sys.executable, __file__, "--worker", str(folder / "warehouse.duckdb"), profile],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    peak: list[float] = []
    watcher = threading.Thread(target=lambda: peak.append(_peak_memory(process)))
    watcher.start()
    stdout, _ = process.communicate()
    watcher.join()
    result = json.loads(stdout.strip().splitlines()[-1])
    return {
        "geos": geos,
        **result,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "peak_gib": round(peak[0], 2),
    }


def measure_partitions(folder: Path, series: int, profile: str) -> dict:
    """Fit ``series`` ready series through ``mmm_fit``: one after another, then at once."""
    os.environ |= {
        "MMM_LANDING_DIR": str(folder / "landing"),
        "MMM_WAREHOUSE": str(folder / "warehouse.duckdb"),
        "DAGSTER_HOME": str(folder / "dagster_home"),
        "MMM_PROFILE": profile,
    }
    import dagster as dg
    import duckdb

    from mmm_pipeline.definitions import defs
    from mmm_pipeline.modeling.series import Series
    from mmm_pipeline.parallel_fits import run_fits
    from mmm_pipeline.run_console import run_console

    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as conn:
        ready = conn.execute(
            "select segment, outcome from mmm.readiness where geo = 'ALL' and ready "
            "order by segment = 'self_serve' desc, outcome = 'signup' desc, 1, 2"
        ).fetchall()
    keys = [Series(*row).key for row in ready[:series]]
    timings = {}
    with run_console(None) as console, dg.DagsterInstance.get() as instance:
        # All at once first: any compile cache it fills favours the sequential pass, so
        # the speedup reported is, if anything, understated.
        for parallel in (len(keys), 1):
            started = time.perf_counter()
            results = run_fits(defs, instance, keys, parallel, console)
            timings[parallel] = round(time.perf_counter() - started, 1)
            if not all(result.success for result in results):
                raise RuntimeError(f"a fit failed with parallel={parallel}")
    return {
        "series": keys,
        "geos": int(folder.name.split("-")[1].removesuffix("geo")),
        "cores": os.cpu_count(),
        "sequential_seconds": timings[1],
        "parallel_seconds": timings[len(keys)],
        "speedup": round(timings[1] / timings[len(keys)], 2),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--geos", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--profile", default="fast")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--series", type=int, default=2, help="partitions fitted at once")
    parser.add_argument("--partitions-geos", type=int, help="geos of the partition test")
    parser.add_argument("--no-partitions", action="store_true")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "mmm-scaling")
    parser.add_argument("--json", type=Path, default=REPO_ROOT / "benchmarks/results/scaling.json")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _fit_worker(*args.worker)
        return 0
    geos_rows = []
    for geos in args.geos:
        row = measure_geos(args.workdir, geos, args.weeks, args.profile, args.seed)
        geos_rows.append(row)
        print(json.dumps(row), flush=True)
    lines = [
        "| geos | weeks | channels | fit (s) | s per geo | peak memory (GiB) | R-hat | "
        "accepted |\n|---:|---:|---:|---:|---:|---:|---:|:---:|"
    ]
    lines += [
        f"| {r['geos']} | {r['weeks']} | {r['channels']} | {r['fit_seconds']:.0f} | "
        f"{r['fit_seconds'] / r['geos']:.0f} | {r['peak_gib']:.2f} | {r['max_rhat']:.3f} | "
        f"{'yes' if r['accepted'] else 'no'} |"
        for r in geos_rows
    ]
    partitions = None
    if not args.no_partitions:
        geos = args.partitions_geos or max(args.geos)
        folder = build_warehouse(
            args.workdir, Scenario(f"scaling-{geos}geo", geos, args.weeks), args.seed
        )
        partitions = measure_partitions(folder, args.series, args.profile)
        lines += [
            "",
            f"{len(partitions['series'])} series x {partitions['geos']} geos on "
            f"{partitions['cores']} cores: {partitions['sequential_seconds']:.0f} s one after "
            f"another, {partitions['parallel_seconds']:.0f} s at once "
            f"({partitions['speedup']:.2f}x)",
        ]
    print("\n".join(lines))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps({"profile": args.profile, "geos": geos_rows, "partitions": partitions}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
