"""The report's first section: what a marketer reads in a minute, per series.

Meridian's two-page summary and Robyn's one-pager open with the answer; the tables
come after. So the page opens, per series with a model, with what the media drove
(the largest channels' shares of conversions with their ranges), the budget scenarios
that beat today's plan (gain and its range, the chance it is better, the channels that
move most), and the lift tests the model disagrees with; then the data problems to fix
first and the series whose models were rejected, with what to do. Everything in words:
no column names, a value always beside its range.
"""

from __future__ import annotations

import html

import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.report.page import Report, in_words, number, series_label
from mmm_pipeline.report.reads import read, still_failing

SCENARIO_NAMES = {
    "same_budget": "Keep the budget, reallocate it",
    "budget_plus_20": "Spend 20% more",
    "budget_minus_20": "Spend 20% less",
}
SHOWN_CHANNELS = 3
SHOWN_SCENARIOS = 3
SHOWN_MOVES = 2
SHOWN_PROBLEMS = 3
# Below this chance of beating today's plan a scenario is not a recommendation.
CONFIDENT = 0.8


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def _channel(name: str) -> str:
    return name.replace("_", " ")


def _media(shift: pd.DataFrame, roi: pd.DataFrame) -> str:
    """The paid channels' share of conversions, or their contributions where no share is.

    A series without click data (pipeline from a CRM) has no attribution shift; its
    channels' contributions over the fitted weeks say the same in outcome units.

    Returns
    -------
    str
        One sentence, the largest channels each with their range.
    """
    paid = set(roi["channel"]) if not roi.empty else set()
    rows = shift[shift["channel"].isin(paid)] if not shift.empty else shift
    if rows.empty:
        if roi.empty:
            return "No channel results published yet."
        largest = roi.sort_values("contribution", ascending=False).head(SHOWN_CHANNELS)
        top = ", ".join(
            f"{_channel(r.channel)} {number(r.contribution)} "
            f"({number(r.contribution_low)} to {number(r.contribution_high)})"
            for r in largest.itertuples()
        )
        return f"Largest contributions over the fitted weeks: {top}."
    rows = rows.sort_values("mmm_share", ascending=False)
    top = ", ".join(
        f"{_channel(r.channel)} {_pct(r.mmm_share)} "
        f"({_pct(r.mmm_share_low)} to {_pct(r.mmm_share_high)})"
        for r in rows.head(SHOWN_CHANNELS).itertuples()
    )
    return f"Paid media drove about {_pct(rows['mmm_share'].sum())} of conversions. Largest: {top}."


def _moves(allocation: pd.DataFrame, scenario: str) -> str:
    rows = allocation[(allocation["scenario"] == scenario) & (allocation["current_spend"] > 0)]
    if rows.empty:
        return ""
    change = (rows["proposed_spend"] / rows["current_spend"] - 1).set_axis(rows["channel"])
    largest = change.reindex(change.abs().sort_values(ascending=False).index).head(SHOWN_MOVES)
    moves = ", ".join(
        f"{_channel(name)} {100 * c:+.0f}%" for name, c in largest.items() if abs(c) >= 0.01
    )
    return f" Largest moves: {moves}." if moves else ""


def _recommendations(scenarios: pd.DataFrame, allocation: pd.DataFrame) -> list[str]:
    better = scenarios[scenarios["probability_better"] >= CONFIDENT]
    better = better.sort_values("gain", ascending=False).head(SHOWN_SCENARIOS)
    if better.empty:
        return ["No budget scenario beats today's plan with confidence: keep the plan."]
    return [
        f"{SCENARIO_NAMES.get(r.scenario, r.scenario.replace('_', ' '))}: "
        f"{'+' if r.gain >= 0 else ''}{number(r.gain)} a week "
        f"({number(r.gain_low)} to {number(r.gain_high)}), "
        f"{_pct(r.probability_better)} chance of beating today's plan."
        + _moves(allocation, r.scenario)
        for r in better.itertuples()
    ]


def _problems(conn: DuckDBPyConnection) -> list[str]:
    if read(conn, "findings").empty:
        return []
    found = conn.execute(
        "select check_name, severity, count(*) as n, min(message) as example "
        "from mmm.data_quality_issues group by check_name, severity "
        "order by severity = 'error' desc, n desc limit ?",
        [SHOWN_PROBLEMS],
    ).df()
    return [
        f"{r.check_name.replace('_', ' ').capitalize()} ({r.n} finding{'s' if r.n != 1 else ''}"
        f"{', an error' if r.severity == 'error' else ''}): {r.example}"
        for r in found.itertuples()
    ]


def _items(report: Report, items: list[str]) -> None:
    listed = "".join(f"<li>{html.escape(in_words(i))}</li>" for i in items)
    report.parts.append(f"<ul>{listed}</ul>")


def summary(report: Report, conn: DuckDBPyConnection, level: float) -> None:
    """Write the summary section: per series, then data problems and rejected models."""
    report.section(
        "Summary",
        f"What the models in force say, series by series; ranges are {level:.0%} intervals. "
        "The details follow below.",
    )
    in_force = read(conn, "models_in_force")
    shift, roi = read(conn, "attribution_shift"), read(conn, "roi")
    scenarios = read(conn, "scenarios")
    allocation = read(conn, "same_budget_allocation")
    agreement = read(conn, "agreement")
    if in_force.empty:
        report.parts.append("<p>No model has been accepted yet.</p>")
    for run in in_force.itertuples():
        mine = {"segment": run.segment, "outcome": run.outcome}
        report.subheading(series_label(run.segment, run.outcome))
        items = [_media(_rows(shift, mine), _rows(roi, mine))]
        if not scenarios.empty:
            items += _recommendations(_rows(scenarios, mine), _rows(allocation, mine))
        disagreeing = _rows(agreement, mine)
        if not disagreeing.empty:
            disagreeing = disagreeing[disagreeing["agrees"].eq(False)]
            items += [f"Lift test disagrees: {m}" for m in disagreeing["message"]]
        _items(report, items)
    problems = _problems(conn)
    if problems:
        report.subheading("Data to fix first")
        _items(report, problems)
    failing = still_failing(conn)
    if not failing.empty:
        report.subheading("Models not published")
        _items(
            report,
            [
                f"{series_label(r.segment, r.outcome)}: {r.reasons}. What to do: {r.advice}"
                for r in failing.itertuples()
            ],
        )


def _rows(frame: pd.DataFrame, series: dict[str, str]) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame[(frame["segment"] == series["segment"]) & (frame["outcome"] == series["outcome"])]
