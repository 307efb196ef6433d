"""Smoke check of a generated landing zone against its ground truth, from the files alone.

For every series, week and geo the truth's contributions (channels plus baseline) must
add up to what the landing zone delivers: exactly for counts, to the cent for money.
It also prints each series' true media share per channel and the lift tests, so a
family's shape can be read at a glance::

    PYTHONPATH=benchmarks python -m heldout.check /tmp/heldout-check/b2c
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd


def _read(folder: Path) -> pd.DataFrame:
    files = sorted(folder.glob("*.csv"))
    return (
        pd.concat([pd.read_csv(f) for f in files], ignore_index=True) if files else pd.DataFrame()
    )


def delivered(landing: Path) -> pd.DataFrame:
    """Weekly delivered outcome per series and geo: conversions counted, outcomes summed."""
    frames = []
    events = _read(landing / "conversions")
    if not events.empty:
        events["week_start"] = (
            pd.to_datetime(events["occurred_at"]).dt.tz_localize(None).dt.to_period("W-SUN")
        ).dt.start_time.dt.strftime("%Y-%m-%d")
        frames.append(
            events.groupby(["segment", "outcome", "week_start", "geo"]).size().rename("delivered")
        )
    outcomes = _read(landing / "outcomes")
    if not outcomes.empty:
        outcomes = outcomes.rename(columns={"date": "week_start"})
        frames.append(
            outcomes.groupby(["segment", "outcome", "week_start", "geo"])["conversions"]
            .sum()
            .rename("delivered")
        )
    return pd.concat(frames).reset_index()


def check(landing: Path) -> list[str]:
    """Problems found (empty when the truth adds up); prints shares and lift tests."""
    truth = json.loads((landing / "ground_truth.json").read_text())
    rows = pd.DataFrame(truth["contributions"])
    summed = rows.groupby(["segment", "outcome", "week_start", "geo"])["conversions"].sum()
    both = delivered(landing).merge(summed.rename("truth").reset_index(), how="outer")
    problems = []
    for (segment, outcome), frame in both.groupby(["segment", "outcome"]):
        unit = next(
            s["unit"] for s in truth["series"] if (s["segment"], s["outcome"]) == (segment, outcome)
        )
        gap = (frame["delivered"].fillna(0) - frame["truth"].fillna(0)).abs()
        tolerance = 0.5 if unit == "count" else 0.01 * len(truth["channels"]) + 0.01
        bad = int((gap > tolerance).sum()) + int(
            frame[["delivered", "truth"]].isna().any(axis=1).sum()
        )
        print(
            f"{segment}/{outcome}: {len(frame)} week-geos, "
            f"delivered {frame['delivered'].sum():,.0f}, "
            f"truth {frame['truth'].sum():,.0f}, largest gap {gap.max():.3f}, "
            f"median per geo-week {frame['delivered'].median():,.0f}"
        )
        if bad:
            problems.append(f"{segment}/{outcome}: {bad} week-geos where truth != delivered")
    for series, share in truth["media_share"].items():
        parts = ", ".join(f"{c} {v:.1%}" for c, v in share.items() if c != "baseline")
        print(f"  {series} media {1 - share['baseline']:.1%}: {parts}")
    for e in truth["experiments"]:
        print(
            f"  {e['experiment_id']} ({e['segment']}/{e['outcome']}, {e['geo']}, {e['start_date']}"
            f"..{e['end_date']}): spend {e['spend_delta']:,.0f}, true lift {e['true_lift']:.1f}, "
            f"measured {e['measured_lift']:.1f} +- {e['lift_sigma']:.1f} (true z {e['true_z']:.1f})"
        )
    return problems


def main(argv: list[str] | None = None) -> int:
    """Check each landing zone given; exit 1 when any truth does not add up."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("landing", type=Path, nargs="+")
    problems = []
    for landing in parser.parse_args(argv).landing:
        print(f"== {landing}")
        problems += check(landing)
    print("\n".join(problems) or "every series adds up")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
