"""Acceptance benchmark: the MMM issue's done-when, measured the way it is worded.

For each seed it simulates a landing zone of the acceptance shape (3 geos x 130 weeks, six
paid channels with one launched mid-history, two lift tests; ``mmm simulate --channels 6
--lift-tests 2``), runs the whole pipeline on it with ``mmm run --profile fast`` (or the
profile asked for), and reads what was *published*:

- ``mmm.model_runs``: the model of each segment x outcome must be accepted;
- ``mmm.channel_roi`` at ``geo = 'ALL'``: each paid channel's contribution and its 90%
  interval, over every week the model covers, against the true count of conversions that
  channel caused over the same weeks (``ground_truth.json``);
- ``mmm.experiment_agreement``: every delivered lift test must have a row with a model lift.

A series passes when its median relative error is at most 15%, its worst at most 60%,
and its intervals cover the truth for all channels but at most one. Unlike
``recovery.py`` (which calls ``fit_panel`` on the training weeks), this goes through
Dagster, the dbt marts and the publishers, and scores the full history including the
holdout weeks, as a user querying the warehouse would see it.

    PYTHONHASHSEED=0 .venv/bin/python benchmarks/acceptance.py --seeds 1 2 3 4 5

About 4 minutes a seed on 2 cores (every series is fitted). Results are printed as
markdown and written to ``--json``. A benchmark, not a test.
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
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
MMM = REPO_ROOT / ".venv" / "bin" / "mmm"
SHAPE = ["--weeks", "130", "--geos", "3", "--channels", "6", "--lift-tests", "2"]
MAX_MEDIAN, MAX_WORST, MAX_UNCOVERED = 0.15, 0.60, 1


def run_pipeline(folder: Path, seed: int, profile: str) -> float:
    """Simulate into ``folder/landing`` and run ``mmm run``; reuse a finished run.

    Returns the seconds ``mmm run`` took (0 when reused).
    """
    landing, warehouse = folder / "landing", folder / "warehouse.duckdb"
    done = folder / "run.done"
    if done.is_file():
        return float(done.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dagster_home").mkdir(exist_ok=True)
    env = os.environ | {
        "MMM_LANDING_DIR": str(landing),
        "MMM_WAREHOUSE": str(warehouse),
        "DAGSTER_HOME": str(folder / "dagster_home"),
        "PYTHONHASHSEED": "0",
    }
    if not (landing / "ground_truth.json").is_file():
        simulate = [str(MMM), "simulate", "--out", str(landing), *SHAPE, "--seed", str(seed)]
        subprocess.run(simulate, check=True, env=env, capture_output=True)  # noqa: S603
    started = time.perf_counter()
    with (folder / "run.log").open("w") as log:
        subprocess.run(  # noqa: S603 (fixed argv)
            [str(MMM), "run", "--profile", profile],
            env=env,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    seconds = time.perf_counter() - started
    done.write_text(f"{seconds:.1f}")
    return seconds


def published(warehouse: Path) -> dict[str, pd.DataFrame]:
    """The published tables this benchmark judges."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return {
            "runs": conn.sql("select * from mmm.model_runs").df(),
            "roi": conn.sql("select * from mmm.channel_roi where geo = 'ALL'").df(),
            "agreement": conn.sql("select * from mmm.experiment_agreement").df(),
            "experiments": conn.sql(
                "select distinct experiment_id, segment, outcome from marts.dim_experiments"
            ).df(),
        }


def score_series(roi: pd.DataFrame, truth: dict, segment: str, outcome: str) -> pd.DataFrame:
    """Per channel: published contribution and interval against the truth over its weeks."""
    rows = pd.DataFrame(
        [r for r in truth["contributions"] if r["segment"] == segment and r["outcome"] == outcome]
    )
    rows["week_start"] = pd.to_datetime(rows["week_start"])
    scored = []
    for record in roi.itertuples():
        weeks = rows["week_start"].between(
            pd.Timestamp(record.first_week), pd.Timestamp(record.last_week)
        )
        actual = float(rows.loc[weeks & (rows["channel"] == record.channel), "conversions"].sum())
        error = abs(record.contribution - actual) / actual if actual > 0 else float("nan")
        scored.append(
            {
                "channel": record.channel,
                "truth": actual,
                "estimate": float(record.contribution),
                "low": float(record.contribution_low),
                "high": float(record.contribution_high),
                "rel_error": error,
                "covered": bool(record.contribution_low <= actual <= record.contribution_high),
            }
        )
    return pd.DataFrame(scored)


def judge(folder: Path, seed: int, seconds: float) -> list[dict]:
    """One result per fitted segment x outcome of one seed's run."""
    truth = json.loads((folder / "landing" / "ground_truth.json").read_text())
    tables = published(folder / "warehouse.duckdb")
    results = []
    for run in tables["runs"].sort_values("fitted_at").itertuples():
        roi = tables["roi"][tables["roi"]["run_id"] == run.run_id]
        if run.status != "accepted" or roi.empty:
            results.append(
                {"seed": seed, "series": f"{run.segment}/{run.outcome}", "status": run.status}
            )
            continue
        channels = score_series(roi, truth, run.segment, run.outcome)
        tests = tables["experiments"]
        tests = tests[(tests["segment"] == run.segment) & (tests["outcome"] == run.outcome)]
        agreement = tables["agreement"]
        ours = agreement["experiment_id"].isin(tests["experiment_id"])
        compared = agreement[ours & agreement["model_lift"].notna()]
        median, worst = channels["rel_error"].median(), channels["rel_error"].max()
        uncovered = int((~channels["covered"]).sum())
        results.append(
            {
                "seed": seed,
                "series": f"{run.segment}/{run.outcome}",
                "status": run.status,
                "run_seconds": round(seconds, 1),
                "lift_tests": len(tests),
                "lift_tests_compared": int(compared["experiment_id"].nunique()),
                "median_rel_error": float(median),
                "max_rel_error": float(worst),
                "coverage": f"{len(channels) - uncovered}/{len(channels)}",
                "passes": bool(
                    median <= MAX_MEDIAN
                    and worst <= MAX_WORST
                    and uncovered <= MAX_UNCOVERED
                    and compared["experiment_id"].nunique() == len(tests)
                ),
                "channels": channels.to_dict("records"),
            }
        )
    return results


def _markdown(results: list[dict]) -> str:
    lines = [
        "| seed | series | status | lift tests compared | median error | worst error "
        "| covered | passes |",
        "|---:|---|---|---:|---:|---:|---:|:---:|",
    ]
    for r in results:
        if r["status"] != "accepted":
            lines.append(f"| {r['seed']} | {r['series']} | {r['status']} | | | | | no |")
            continue
        lines.append(
            f"| {r['seed']} | {r['series']} | accepted "
            f"| {r['lift_tests_compared']}/{r['lift_tests']} "
            f"| {r['median_rel_error']:.0%} | {r['max_rel_error']:.0%} | {r['coverage']} "
            f"| {'yes' if r['passes'] else 'no'} |"
        )
    return "\n".join(lines)


def _signed_error(channel: dict) -> str:
    """Over- (+) or under-estimate relative to the truth; n/a where the truth is 0."""
    if channel["truth"] <= 0:
        return "n/a"
    return f"{channel['estimate'] / channel['truth'] - 1:+.0%}"


def _markdown_channels(result: dict) -> str:
    lines = [
        f"\nseed {result['seed']} {result['series']}",
        "| channel | truth | published | 90% interval | error |",
        "|---|---:|---:|---|---:|",
    ]
    for c in result.get("channels", []):
        lines.append(
            f"| {c['channel']} | {c['truth']:.0f} | {c['estimate']:.0f} | "
            f"{c['low']:.0f}-{c['high']:.0f} | {_signed_error(c)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the seeds and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--profile", default="fast", choices=["fast", "full"])
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "mmm-acceptance"
    )
    parser.add_argument(
        "--json", type=Path, default=REPO_ROOT / "benchmarks/results/acceptance.json"
    )
    args = parser.parse_args(argv)
    results = []
    for seed in args.seeds:
        folder = args.workdir / f"seed{seed}-{args.profile}"
        seconds = run_pipeline(folder, seed, args.profile)
        for result in judge(folder, seed, seconds):
            results.append(result)
            print(_markdown_channels(result), flush=True)
    print("\n" + _markdown(results))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
