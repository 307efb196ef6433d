"""Planning benchmark: the proposals scored under the true response.

Takes a folder where ``benchmarks/attribution.py`` (or ``mmm run``) has run the whole
pipeline on a simulated landing zone, and evaluates every built-in scenario's current
and proposed weekly spend per (geo, channel) under the simulator's true steady-state
response (``ground_truth.json``: ``beta * logistic(lam * spend / typical_weekly_spend)``,
the same adstock and saturation family the simulator draws conversions from), which
the pipeline never sees. It also checks that every response curve is non-decreasing.

    .venv/bin/python benchmarks/attribution.py --geos 3 --weeks 130 --seed 7   # builds it
    .venv/bin/python benchmarks/planning.py /tmp/mmm-attribution/geos3-weeks130-seed7-fast
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd


def true_weekly(truth: dict, segment: str, outcome: str, geo: str, channel: str, spend: float):
    """The simulator's expected weekly conversions of steady weekly ``spend`` in one cell."""
    cell = truth["channels"].get(channel, {}).get(geo)
    if cell is None:
        return 0.0
    beta = cell["beta"].get(segment, {}).get(outcome, 0.0)
    x = cell["saturation_lam"] * spend / cell["typical_weekly_spend_usd"]
    return beta * (1 - np.exp(-x)) / (1 + np.exp(-x))


def score(folder: Path) -> pd.DataFrame:
    """Per scenario: true weekly conversions of the current and the proposed allocation."""
    truth = json.loads((folder / "landing" / "ground_truth.json").read_text())
    if truth["reporting_currency"] != "USD":
        raise SystemExit("the truth's spend scale is in USD; run with USD reporting")
    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as conn:
        rows = conn.execute("select * from mmm.budget_allocation where geo != 'ALL'").df()
        (falling,) = conn.execute(
            """
            select count(*) from (
                select contribution - lag(contribution) over (
                    partition by segment, outcome, geo, channel order by spend) as step
                from mmm.response_curves
            ) where step < -1e-9
            """
        ).fetchall()[0]
    results = []
    for (scenario, segment, outcome), cells in rows.groupby(["scenario", "segment", "outcome"]):
        true = {
            column: sum(
                true_weekly(truth, segment, outcome, r.geo, r.channel, getattr(r, column))
                for r in cells.itertuples()
            )
            for column in ("current_spend", "proposed_spend")
        }
        results.append(
            {
                "scenario": scenario,
                "series": f"{segment}/{outcome}",
                "current_budget": cells["current_spend"].sum(),
                "proposed_budget": cells["proposed_spend"].sum(),
                "true_current": true["current_spend"],
                "true_proposed": true["proposed_spend"],
                "true_gain": true["proposed_spend"] - true["current_spend"],
                "model_gain": (
                    cells["expected_contribution"].sum() - cells["current_contribution"].sum()
                ),
            }
        )
    frame = pd.DataFrame(results)
    frame.attrs["falling_curve_steps"] = int(falling)
    return frame


def main(argv: list[str] | None = None) -> int:
    """Score the scenarios of one pipeline run against the truth."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="folder with landing/ and warehouse.duckdb")
    args = parser.parse_args(argv)
    frame = score(args.folder)
    print(frame.to_markdown(index=False, floatfmt=",.1f"))
    print(f"\nresponse-curve steps that fall: {frame.attrs['falling_curve_steps']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
