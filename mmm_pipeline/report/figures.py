"""The report's own figures, drawn from the warehouse tables (no pyplot, no global state).

Ranges are drawn as ranges: error bars for intervals, shaded bands for curves.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

DPI = 90


def save(figure: Figure, path: Path) -> Path:
    """Write ``figure`` as a PNG and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=DPI)
    return path


def roi_ranges(roi: pd.DataFrame, title: str) -> Figure:
    """ROI and marginal ROI per channel (geo ALL), medians with their intervals."""
    rows = roi.sort_values("roi")
    positions = np.arange(len(rows))
    figure = Figure(figsize=(8, 0.4 * len(rows) + 1.6))
    axis = figure.subplots()
    for offset, column, label in ((0.15, "roi", "ROI"), (-0.15, "marginal_roi", "marginal ROI")):
        centre = rows[column].to_numpy()
        errors = np.vstack([centre - rows[f"{column}_low"], rows[f"{column}_high"] - centre])
        axis.errorbar(
            centre,
            positions + offset,
            xerr=np.clip(errors, 0, None),
            fmt="o",
            capsize=3,
            label=label,
        )
    axis.set_yticks(positions, rows["channel"])
    axis.set_xlabel(f"return per unit of spend ({rows['roi_unit'].iloc[0].replace('_', ' ')})")
    axis.set_title(title)
    axis.legend(fontsize=8)
    return figure


def experiment_agreement(agreement: pd.DataFrame) -> Figure:
    """Each lift test's measured lift against the lift the model implies, with ranges."""
    rows = agreement.dropna(subset=["model_lift"]).reset_index(drop=True)
    positions = np.arange(len(rows))
    figure = Figure(figsize=(8, 0.5 * len(rows) + 1.6))
    axis = figure.subplots()
    measured = rows["measured_lift"].to_numpy()
    sigma = rows.get("measured_sigma", pd.Series(np.zeros(len(rows)))).to_numpy()
    axis.errorbar(
        measured, positions + 0.15, xerr=1.645 * sigma, fmt="s", capsize=3, label="measured (90%)"
    )
    model = rows["model_lift"].to_numpy()
    errors = np.vstack([model - rows["model_lift_low"], rows["model_lift_high"] - model])
    axis.errorbar(
        model, positions - 0.15, xerr=np.clip(errors, 0, None), fmt="o", capsize=3, label="model"
    )
    axis.set_yticks(positions, [f"{r.experiment_id} {r.channel}" for r in rows.itertuples()])
    axis.axvline(0, color="grey", lw=0.8)
    axis.set_xlabel("incremental conversions over the test window")
    axis.set_title("Lift tests: measured against the model")
    axis.legend(fontsize=8)
    return figure


def response_curves(curves: pd.DataFrame, title: str) -> Figure:
    """All-geo response curves per channel with their interval bands."""
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
    """Current against proposed weekly spend per channel (geo ALL)."""
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
