"""The last-click against MMM chart: how credit moves between channels, with ranges."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from mmm_pipeline.modeling.plots import figure_markdown
from mmm_pipeline.modeling.series import name_problem
from mmm_pipeline.safe_paths import inside


def shift_chart(shift: pd.DataFrame, segment: str, outcome: str, folder: Path, level: float) -> str:
    """Each channel's share under last click and under the MMM (with its interval).

    Written as PNG under ``folder``; returned as Markdown for the Dagster UI. A series
    whose names cannot be part of a file name gets no chart, only the reason.
    """
    if problem := name_problem(segment, outcome):
        return f"no chart: {problem}"
    rows = shift.sort_values("mmm_share")
    positions = np.arange(len(rows))
    figure = Figure(figsize=(8, 0.35 * len(rows) + 1.5))
    axis = figure.subplots()
    axis.barh(positions + 0.2, 100 * rows["last_click_share"], height=0.4, label="last click")
    errors = 100 * np.vstack(
        [rows["mmm_share"] - rows["mmm_share_low"], rows["mmm_share_high"] - rows["mmm_share"]]
    )
    axis.barh(
        positions - 0.2,
        100 * rows["mmm_share"],
        height=0.4,
        xerr=np.clip(errors, 0, None),
        capsize=2,
        label=f"MMM ({level:.0%} interval)",
    )
    axis.set_yticks(positions, rows["channel"])
    axis.set_xlabel("share of conversions, %")
    axis.set_title(f"{segment} {outcome}: credit under last click and under the MMM")
    axis.legend(fontsize=7, loc="lower right")
    title = f"{segment} {outcome}: last click against MMM"
    return figure_markdown(figure, inside(folder, f"{segment}_{outcome}_shift.png"), title)
