"""Attribution benchmark: how far each model's channel shares are from the true sources.

Simulates a landing zone (``mmm simulate``), runs the whole pipeline on it (``mmm run``),
and compares ``mmm.attribution_weekly`` with the simulator's true source of every
conversion (``contributions`` in ``ground_truth.json``), over all weeks and geos of
each series:

* **misattributed conversions**: half the sum over channels of |model - truth|, i.e. the
  conversions that would have to move to make the model's split equal the true one.
  The truth's ``baseline`` (non-media demand) converts through Direct, Branded Search
  and organic channels, and no model splits it between them, so those channels and
  ``baseline`` form one bucket ("capture and organic"); every other paid channel and
  ``word_of_mouth`` is its own bucket.
* the **Word of Mouth share** against its true share;
* **conservation**: the largest gap, over weeks, geos and models, between the
  attributed and the observed conversions or value.

    .venv/bin/python benchmarks/attribution.py --help
    .venv/bin/python benchmarks/attribution.py --geos 3 --weeks 130 --seed 7

Simulations and warehouses are kept under ``--workdir`` and reused. Results are printed
as markdown and written to ``--json``.
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
CAPTURE_AND_ORGANIC = "capture and organic"
WORD_OF_MOUTH = "word_of_mouth"


def run_pipeline(folder: Path, weeks: int, geos: int, seed: int, profile: str) -> float:
    """Simulate and run everything, unless already done; the run's seconds (0 if reused)."""
    landing, warehouse = folder / "landing", folder / "warehouse.duckdb"
    env = os.environ | {
        "MMM_LANDING_DIR": str(landing),
        "MMM_WAREHOUSE": str(warehouse),
        "DAGSTER_HOME": str(folder / "dagster_home"),
        "PYTHONHASHSEED": "0",
    }
    if warehouse.is_file():
        with duckdb.connect(str(warehouse), read_only=True) as conn:
            done = conn.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = 'mmm' and table_name = 'attribution_weekly'"
            ).fetchall()[0][0]
        if done:
            return 0.0
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dagster_home").mkdir(exist_ok=True)
    if not (landing / "ground_truth.json").is_file():
        simulate = [str(MMM), "simulate", "--out", str(landing), "--seed", str(seed)]
        simulate += ["--weeks", str(weeks), "--geos", str(geos)]
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
    return time.perf_counter() - started


def _bucket(channel: pd.Series, own: set[str]) -> pd.Series:
    return channel.where(channel.isin(own), CAPTURE_AND_ORGANIC)


def score(folder: Path) -> list[dict]:
    """Per series and model: misattributed conversions and the Word of Mouth share."""
    truth = json.loads((folder / "landing" / "ground_truth.json").read_text())
    true = pd.DataFrame(truth["contributions"])
    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as conn:
        weekly = conn.execute("select * from mmm.attribution_weekly").df()
        own = {
            row[0]
            for row in conn.execute(
                "select channel from seeds.channels where is_paid and not is_demand_capture"
            ).fetchall()
        } | {WORD_OF_MOUTH}
        gaps = conn.execute(
            """
            with a as (
                select week_start, geo, segment, outcome, model,
                    sum(conversions) as conversions, sum(value) as value
                from mmm.attribution_weekly group by all
            )
            select a.segment, a.outcome, a.model,
                max(abs(a.conversions - o.conversions)) as conversions_gap,
                max(abs(a.value - o.value)) as value_gap
            from a join marts.fct_conversions_weekly o using (week_start, geo, segment, outcome)
            group by all
            """
        ).df()
    results = []
    for (segment, outcome), rows in weekly.groupby(["segment", "outcome"]):
        if "mmm" not in set(rows["model"]):
            continue
        source = true[(true["segment"] == segment) & (true["outcome"] == outcome)]
        true_share = source.groupby(_bucket(source["channel"], own))["conversions"].sum()
        total = true_share.sum()
        true_share = true_share / total
        for model, cells in rows.groupby("model"):
            share = cells.groupby(_bucket(cells["channel"], own))["conversions"].sum()
            share = share / share.sum()
            both = pd.concat([true_share, share], axis=1, keys=["truth", "model"]).fillna(0.0)
            gap = gaps[
                (gaps["segment"] == segment)
                & (gaps["outcome"] == outcome)
                & (gaps["model"] == model)
            ]
            results.append(
                {
                    "series": f"{segment}/{outcome}",
                    "model": model,
                    "conversions": float(total),
                    "misattributed_share": float(0.5 * (both["model"] - both["truth"]).abs().sum()),
                    "wom_share": float(both["model"].get(WORD_OF_MOUTH, 0.0)),
                    "true_wom_share": float(both["truth"].get(WORD_OF_MOUTH, 0.0)),
                    "max_gap": float(gap[["conversions_gap", "value_gap"]].max().max()),
                    "shares": both.round(4).to_dict(),
                }
            )
    return results


def markdown(results: list[dict]) -> str:
    """The summary table, and per series the mmm model's ratio against last click."""
    lines = [
        "| series | model | misattributed | Word of Mouth (truth) | max conservation gap |",
        "|---|---|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['series']} | {r['model']} | {r['misattributed_share']:.1%} | "
            f"{r['wom_share']:.1%} ({r['true_wom_share']:.1%}) | {r['max_gap']:.1e} |"
        )
    by_series = pd.DataFrame(results).pivot(
        index="series", columns="model", values="misattributed_share"
    )
    if {"mmm", "last_click"} <= set(by_series.columns):
        lines.append("")
        for series, row in by_series.iterrows():
            ratio = row["mmm"] / row["last_click"]
            lines.append(f"- {series}: mmm misattributes {ratio:.2f} times what last click does")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run one simulated business through the pipeline and score its attribution."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--geos", type=int, default=3)
    parser.add_argument("--weeks", type=int, default=130)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", choices=["fast", "full"], default="fast")
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "mmm-attribution"
    )
    parser.add_argument(
        "--json", type=Path, default=REPO_ROOT / "benchmarks/results/attribution.json"
    )
    args = parser.parse_args(argv)
    folder = args.workdir / f"geos{args.geos}-weeks{args.weeks}-seed{args.seed}-{args.profile}"
    seconds = run_pipeline(folder, args.weeks, args.geos, args.seed, args.profile)
    results = score(folder)
    print(f"{folder}: mmm run {seconds:.0f} s (0 = reused)\n")
    print(markdown(results))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
