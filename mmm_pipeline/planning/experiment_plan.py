"""``mmm.experiment_plan``: the next lift tests worth running, per series, ranked.

A test is worth most where it would change a decision: a channel with much of the
spend, a wide ROI interval, and a budget the optimizer wants to move (the same-budget
scenario). A channel a lift test in the series has already pinned down ranks below the
untested ones unless its interval is still wide. Each channel gets two designs:

- bought per geo: a **geo holdout** (spend off in some geos) and a **geo scale-up**
  (:data:`SCALE_UP` more spend in some geos), the other geos as control; the test geos
  are the ones that make the lift easiest to see (most lift per unit of noise), at most
  half of them;
- bought nationally (its geos' shares of spend never move, or there is one geo): a
  **time-based pause** and a **time-based burst** (:data:`BURST` more) in every geo.

Each design's test window is the shortest of :data:`TEST_WEEKS` that reaches the
target power, read out over the carry-over weeks after it too
(``experiment_design.py``). A design the data cannot detect even at the longest window
is shown as such, with the weeks or the spend that would make it detectable.

Where a series reads a survey whose recall level nothing but its prior sets (no lift
test on a surveyed channel, no level stated in model.yaml), every surveyed channel's
contribution is as uncertain as that level (share_prior.py). A test of one surveyed
channel measures its recall, and through the pooling the level: it ranks first, the
untested surveyed channel whose test is detectable and scores highest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mmm_pipeline.modeling.posterior import interval
from mmm_pipeline.modeling.results import LEVEL_FROM_PRIOR
from mmm_pipeline.planning.experiment_design import (
    SeriesTestInputs,
    best_design,
    test_geos,
    what_would_detect,
)

EXPERIMENT_PLAN_COLUMNS = {
    "segment": "VARCHAR",
    "outcome": "VARCHAR",
    "channel": "VARCHAR",
    "rank": "INTEGER",
    "design": "VARCHAR",
    "geos": "VARCHAR",
    "weeks": "INTEGER",
    "test_weeks": "INTEGER",
    "spend_change": "DOUBLE",
    "expected_lift": "DOUBLE",
    "expected_lift_low": "DOUBLE",
    "expected_lift_high": "DOUBLE",
    "minimum_detectable_lift": "DOUBLE",
    "power": "DOUBLE",
    "detectable": "BOOLEAN",
    "reason": "VARCHAR",
    "run_id": "VARCHAR",
}
SCALE_UP = 0.5
BURST = 1.0
# A channel's geo shares of spend that move less than this from week to week: bought
# nationally, so it cannot be switched off in some geos only.
NATIONAL_SPREAD = 0.01
# An ROI interval wider than this, relative to its median, is still wide after a test.
WIDE = 1.0
TESTED_WEIGHT = 0.25


def bought_nationally(spend: pd.DataFrame, channels: list[str], geos: list[str]) -> frozenset[str]:
    """The channels whose spend cannot be split by geo.

    Parameters
    ----------
    spend
        Weekly spend, one row per (date, geo), a column per channel.

    Returns
    -------
    frozenset of str
        Every channel when there is one geo; else the channels whose share of each week's
        spend in each geo moves by less than :data:`NATIONAL_SPREAD` over the weeks.
    """
    if len(geos) < 2:
        return frozenset(channels)
    national = set()
    for channel in channels:
        weekly = spend.pivot_table(index="date", columns="geo", values=channel, aggfunc="sum")
        weekly = weekly[weekly.sum(axis=1) > 0]
        if weekly.empty:
            continue
        shares = weekly.div(weekly.sum(axis=1), axis=0)
        if float(shares.std().max()) < NATIONAL_SPREAD:
            national.add(channel)
    return frozenset(national)


@dataclass(frozen=True)
class Priority:
    """How much a test of a channel could change the decision, and why."""

    score: float
    pinned: bool
    reason: str


def _roi_words(row: pd.Series) -> str:
    """The ROI and its interval as people read it: per 1,000 spent for counts.

    Returns
    -------
    str
        For example "ROI 1.9 (1.5 to 2.3)" or "3.8 conversions per 1,000 spent (2.9 to 4.8)".
    """
    if row.get("roi_unit") == "conversions_per_spend":
        scaled = [1000.0 * float(row[c]) for c in ("roi", "roi_low", "roi_high")]
        return f"{scaled[0]:.3g} per 1,000 spent ({scaled[1]:.3g} to {scaled[2]:.3g})"
    return f"ROI {row['roi']:.3g} ({row['roi_low']:.3g} to {row['roi_high']:.3g})"


def _priority(inputs: SeriesTestInputs, channel: str) -> Priority:
    """Score a test of ``channel``: share of spend x relative ROI width x (1 + the move).

    A channel whose lift test left its interval no wider than :data:`WIDE` (relative to
    its median) is pinned down: it ranks after every channel that is not.

    Returns
    -------
    Priority
        The score, whether the channel is pinned down, and the reason in words.
    """
    roi = inputs.roi.set_index("channel")
    total = float(roi["spend"].sum()) or 1.0
    row = roi.loc[channel] if channel in roi.index else None
    share = float(row["spend"]) / total if row is not None else 0.0
    width = 0.0
    if row is not None and np.isfinite(row["roi"]):
        width = float(row["roi_high"] - row["roi_low"]) / max(abs(float(row["roi"])), 1e-12)
        width = min(width, 10.0)
    move = inputs.moves.get(channel, 0.0)
    tests = inputs.tested.get(channel, [])
    pinned = bool(tests) and width <= WIDE
    words = [f"{share:.0%} of spend"]
    if row is not None:
        words.append(f"{_roi_words(row)}, {'a wide' if width > WIDE else 'a narrow'} interval")
    if abs(move) >= 0.05:
        words.append(f"the same-budget plan moves its spend {move:+.0%}")
    if tests:
        verdict = "pinned down" if pinned else "still wide"
        words.append(f"tested by {', '.join(tests)}, {verdict}")
    else:
        words.append("never tested")
    return Priority(share * width * (1.0 + abs(move)), pinned, "; ".join(words))


def _opens_recall(inputs: SeriesTestInputs, rows: list[dict]) -> str | None:
    """The channel whose test would measure the survey's recall level, if one is needed.

    Returns
    -------
    str or None
        None unless the level rests on its prior only; else the untested surveyed
        channel with spend, a detectable design first, then the highest score.
    """
    recall = inputs.recall
    if recall is None or recall.basis != LEVEL_FROM_PRIOR:
        return None
    candidates = [
        row
        for row in rows
        if row["channel"] in recall.channels and not inputs.tested.get(row["channel"])
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda row: (row["detectable"], row["_score"]))["channel"]


def _recall_words(inputs: SeriesTestInputs) -> str:
    recall = inputs.recall
    return (
        f"a survey channel never tested: its test would measure the survey's recall, "
        f"which every surveyed channel's contribution is read through (now "
        f"{recall.median:.2f}, {recall.low:.2f} to {recall.high:.2f}, from its prior only)"
    )


def series_experiment_plan(inputs: SeriesTestInputs, level: float) -> pd.DataFrame:
    """The proposed tests of one series, ranked (rank 1 first).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`EXPERIMENT_PLAN_COLUMNS`, two designs per channel with
        spend today: the test that would measure the survey's recall first (if the
        series needs one), then by the priority of their channel (pinned-down channels
        last), the more powerful design of a channel first.
    """
    rows = []
    for c, channel in enumerate(inputs.response.channels):
        if inputs.current[:, c].sum() <= 0:
            continue
        priority = _priority(inputs, channel)
        if channel in inputs.national:
            every = [g for g in range(len(inputs.response.geos)) if inputs.current[g, c] > 0]
            kinds = [("time-based pause", every, -1.0), ("time-based burst", every, BURST)]
        else:
            kinds = [
                ("geo holdout", test_geos(inputs, c, -1.0, level), -1.0),
                ("geo scale-up", test_geos(inputs, c, SCALE_UP, level), SCALE_UP),
            ]
        for kind, geos, step in kinds:
            design = best_design(inputs, c, kind, geos, step, level)
            seen = design.seen
            mean, low, high = interval(seen.lift, level)
            detect = (
                f"power {seen.power:.0%} over {design.test_weeks} test weeks and "
                f"{design.readout_weeks - design.test_weeks} weeks of carry-over"
            )
            if not seen.detectable:
                detect += "; " + what_would_detect(inputs, c, design, step, level)
            rows.append(
                {
                    "channel": channel,
                    "design": kind,
                    "geos": ",".join(design.geos),
                    "weeks": design.readout_weeks,
                    "test_weeks": design.test_weeks,
                    "spend_change": design.spend_change,
                    "expected_lift": mean,
                    "expected_lift_low": low,
                    "expected_lift_high": high,
                    "minimum_detectable_lift": seen.minimum_detectable_lift,
                    "power": seen.power,
                    "detectable": seen.detectable,
                    "reason": f"{priority.reason}. {detect[:1].upper()}{detect[1:]}",
                    "_pinned": priority.pinned,
                    "_score": priority.score,
                }
            )
    if not rows:
        return pd.DataFrame(columns=[*EXPERIMENT_PLAN_COLUMNS])
    opener = _opens_recall(inputs, rows)
    plan = pd.DataFrame(rows).assign(_opens=lambda frame: frame["channel"] == opener)
    if opener is not None:
        plan.loc[plan["_opens"], "reason"] = f"{_recall_words(inputs)}; " + plan["reason"]
    plan = plan.sort_values(
        ["_opens", "_pinned", "_score", "channel", "power", "design"],
        ascending=[False, True, False, True, False, True],
        kind="stable",
    )
    plan = plan.drop(columns=["_opens", "_pinned", "_score"]).assign(
        rank=range(1, len(plan) + 1),
        segment=inputs.series.segment,
        outcome=inputs.series.outcome,
        run_id=inputs.run_id,
    )
    return plan[[*EXPERIMENT_PLAN_COLUMNS]].reset_index(drop=True)
