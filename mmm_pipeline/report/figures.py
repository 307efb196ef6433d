"""The figures drawn from the published tables: the report's, and the attribution shift.

Ranges are drawn as ranges: error bars for intervals, shaded bands for curves, at the
run's interval level (``rendering.py`` writes them and draws the bars).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from mmm_pipeline.modeling.series import name_problem
from mmm_pipeline.report.rendering import as_markdown, error_bars, interval_label, normal_half_width
from mmm_pipeline.safe_paths import inside


def roi_ranges(roi: pd.DataFrame, title: str) -> Figure:
    """ROI and marginal ROI per channel (geo ALL), medians with their intervals.

    Returns
    -------
    Figure
        One row per channel, lowest ROI first, with ROI and marginal ROI as points and
        error bars.
    """
    rows = roi.sort_values("roi")
    positions = np.arange(len(rows))
    figure = Figure(figsize=(8, 0.4 * len(rows) + 1.6))
    axis = figure.subplots()
    for offset, column, label in ((0.15, "roi", "ROI"), (-0.15, "marginal_roi", "marginal ROI")):
        centre = rows[column].to_numpy()
        axis.errorbar(
            centre,
            positions + offset,
            xerr=error_bars(centre, rows[f"{column}_low"], rows[f"{column}_high"]),
            fmt="o",
            capsize=3,
            label=label,
        )
    axis.set_yticks(positions, rows["channel"])
    axis.set_xlabel(f"return per unit of spend ({rows['roi_unit'].iloc[0].replace('_', ' ')})")
    axis.set_title(title)
    axis.legend(fontsize=8)
    return figure


def experiment_agreement(agreement: pd.DataFrame, level: float) -> Figure:
    """Each lift test's measured lift against the lift the model implies, with ranges.

    Returns
    -------
    Figure
        One row per test the model has a lift for: measured lift with its normal interval
        at ``level``, and the model's lift with its interval.
    """
    rows = agreement.dropna(subset=["model_lift"]).reset_index(drop=True)
    positions = np.arange(len(rows))
    figure = Figure(figsize=(8, 0.5 * len(rows) + 1.6))
    axis = figure.subplots()
    measured = rows["measured_lift"].to_numpy()
    sigma = rows.get("measured_sigma", pd.Series(np.zeros(len(rows)))).to_numpy()
    axis.errorbar(
        measured,
        positions + 0.15,
        xerr=normal_half_width(sigma, level),
        fmt="s",
        capsize=3,
        label=f"measured ({interval_label(level)})",
    )
    model = rows["model_lift"].to_numpy()
    axis.errorbar(
        model,
        positions - 0.15,
        xerr=error_bars(model, rows["model_lift_low"], rows["model_lift_high"]),
        fmt="o",
        capsize=3,
        label=f"model ({interval_label(level)})",
    )
    axis.set_yticks(positions, [f"{r.experiment_id} {r.channel}" for r in rows.itertuples()])
    axis.axvline(0, color="grey", lw=0.8)
    axis.set_xlabel("incremental conversions over the test window")
    axis.set_title("Lift tests: measured against the model")
    axis.legend(fontsize=8)
    return figure


def response_curves(curves: pd.DataFrame, title: str) -> Figure:
    """All-geo response curves per channel with their interval bands.

    Returns
    -------
    Figure
        Contribution against steady weekly spend, one line and band per channel.
    """
    figure = Figure(figsize=(8, 4.5))
    axis = figure.subplots()
    for channel, curve in curves.groupby("channel"):
        line = axis.plot(curve["spend"], curve["contribution"], label=channel)[0]
        axis.fill_between(
            curve["spend"],
            curve["contribution_low"],
            curve["contribution_high"],
            color=line.get_color(),
            alpha=0.15,
        )
    axis.set_xlabel("steady weekly spend")
    axis.set_ylabel("weekly conversions")
    axis.set_title(title)
    axis.legend(fontsize=7, ncol=2)
    return figure


def scenario_spend(allocation: pd.DataFrame, title: str) -> Figure:
    """Current against proposed weekly spend per channel (geo ALL).

    Returns
    -------
    Figure
        Paired horizontal bars per channel, today's spend and the proposal.
    """
    rows = allocation.sort_values("current_spend")
    positions = np.arange(len(rows))
    figure = Figure(figsize=(8, 0.4 * len(rows) + 1.6))
    axis = figure.subplots()
    axis.barh(positions + 0.2, rows["current_spend"], height=0.4, label="today")
    axis.barh(positions - 0.2, rows["proposed_spend"], height=0.4, label="proposed")
    axis.set_yticks(positions, rows["channel"])
    axis.set_xlabel("weekly spend")
    axis.set_title(title)
    axis.legend(fontsize=8)
    return figure


def shift_chart(shift: pd.DataFrame, segment: str, outcome: str, folder: Path, level: float) -> str:
    """Each channel's share under last click and under the MMM (with its interval).

    A series whose names cannot be part of a file name gets no chart, only the reason.

    Parameters
    ----------
    shift
        ``mmm.attribution_shift`` rows of one series.
    segment, outcome
        The series.
    folder
        Where the PNG goes.
    level
        The interval level of the MMM shares' ranges.

    Returns
    -------
    str
        The chart as Markdown with the image inlined, for the Dagster UI, or why there is
        none.
    """
    if problem := name_problem(segment, outcome):
        return f"no chart: {problem}"
    rows = shift.sort_values("mmm_share")
    positions = np.arange(len(rows))
    figure = Figure(figsize=(8, 0.35 * len(rows) + 1.5))
    axis = figure.subplots()
    axis.barh(positions + 0.2, 100 * rows["last_click_share"], height=0.4, label="last click")
    axis.barh(
        positions - 0.2,
        100 * rows["mmm_share"],
        height=0.4,
        xerr=100 * error_bars(rows["mmm_share"], rows["mmm_share_low"], rows["mmm_share_high"]),
        capsize=2,
        label=f"MMM ({interval_label(level)})",
    )
    axis.set_yticks(positions, rows["channel"])
    axis.set_xlabel("share of conversions, %")
    axis.set_title(f"{segment} {outcome}: credit under last click and under the MMM")
    axis.legend(fontsize=7, loc="lower right")
    title = f"{segment} {outcome}: last click against MMM"
    return as_markdown(figure, inside(folder, f"{segment}_{outcome}_shift.png"), title)
