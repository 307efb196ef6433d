"""Pictures of a fit for people: fit against actuals, contributions, ROI, prior check.

Figures are drawn without pyplot (no display, no global state). Each is written as a
PNG under the data folder and returned as Markdown with the image inlined, which the
Dagster UI shows on the asset's materialization.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from mmm_pipeline.modeling.panel import DATE, GEO, TARGET

if TYPE_CHECKING:
    from mmm_pipeline.modeling.series_fit import SeriesFit

PRIOR_DRAWS = 100
DPI = 80


def figure_markdown(figure: Figure, path: Path, title: str) -> str:
    """Write ``figure`` as a PNG at ``path`` and return it as Markdown with the image inline."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=DPI)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return f"**{title}** (`{path}`)\n\n![{title}](data:image/png;base64,{encoded})"


def _fit_against_actuals(fitted: SeriesFit) -> Figure:
    mmm, panel = fitted.outcome.mmm, fitted.panel
    predicted = mmm.sample_posterior_predictive(
        panel.frame.drop(columns=[TARGET]),
        extend_idata=False,
        var_names=["y_original_scale"],
        progressbar=False,
    )["y_original_scale"].sum(GEO)
    low, mean, high = (predicted.quantile(q, "sample").values for q in (0.05, 0.5, 0.95))
    observed = panel.frame.groupby(DATE)[TARGET].sum()
    dates = predicted[DATE].values
    figure = Figure(figsize=(9, 3.5))
    axis = figure.subplots()
    axis.fill_between(dates, low, high, alpha=0.3, label="model, 90% interval")
    axis.plot(dates, mean, label="model")
    axis.plot(observed.index, observed.to_numpy(), color="black", lw=1, label="observed")
    holdout_start = dates[-fitted.run["holdout_weeks"]]
    axis.axvline(holdout_start, color="grey", ls="--", label="holdout starts")
    axis.set_title(f"{fitted.run['segment']} {fitted.run['outcome']}: fit, all geos")
    axis.legend(fontsize=7)
    return figure


def _contributions_over_time(fitted: SeriesFit) -> Figure:
    contributions = fitted.outcome.mmm.idata.posterior["channel_contribution_original_scale"]
    mean = contributions.mean(("chain", "draw")).sum(GEO).to_pandas()
    figure = Figure(figsize=(9, 3.5))
    axis = figure.subplots()
    axis.stackplot(mean.index, mean.T.to_numpy(), labels=list(mean.columns))
    axis.set_title("Channel contributions over time (fitted weeks, all geos, mean)")
    axis.legend(fontsize=7, ncol=4)
    return figure


def _roi_with_intervals(fitted: SeriesFit) -> Figure | None:
    roi = fitted.tables.get("mmm.channel_roi")
    if roi is None or roi.empty:
        return None
    overall = roi[roi[GEO] == "ALL"].sort_values("roi")
    figure = Figure(figsize=(7, 0.4 * len(overall) + 1.2))
    axis = figure.subplots()
    errors = np.vstack(
        [overall["roi"] - overall["roi_low"], overall["roi_high"] - overall["roi"]]
    ).clip(min=0)
    axis.errorbar(overall["roi"], overall["channel"], xerr=errors, fmt="o")
    axis.set_xlabel(overall["roi_unit"].iloc[0].replace("_", " "))
    axis.set_title("ROI with 90% interval, all geos")
    return figure


def _prior_predictive(fitted: SeriesFit) -> Figure:
    """Does the prior put the data within reach? Scaled units, as the model sees them."""
    mmm = fitted.outcome.mmm
    prior = mmm.sample_prior_predictive(mmm.X, mmm.y, samples=PRIOR_DRAWS, extend_idata=False)["y"]
    observed = mmm.idata.observed_data["y"].values.ravel()
    figure = Figure(figsize=(6, 3))
    axis = figure.subplots()
    axis.hist(prior.values.ravel(), bins=60, density=True, alpha=0.5, label="prior predictive")
    axis.hist(observed, bins=30, density=True, alpha=0.5, label="observed")
    axis.set_title("Prior predictive check (scaled target)")
    axis.legend(fontsize=7)
    return figure


def fit_plots(fitted: SeriesFit, out_dir: Path) -> dict[str, str]:
    """Render every plot of a fit; Markdown per plot name ."""
    makers = {
        "plot_fit": ("Fit against actuals", _fit_against_actuals),
        "plot_contributions": ("Contributions over time", _contributions_over_time),
        "plot_roi": ("ROI with intervals", _roi_with_intervals),
        "plot_prior_predictive": ("Prior predictive check", _prior_predictive),
    }
    rendered = {}
    for name, (title, make) in makers.items():
        figure = make(fitted)
        if figure is not None:
            path = out_dir / f"{fitted.run['run_id']}-{name.removeprefix('plot_')}.png"
            rendered[name] = figure_markdown(figure, path, title)
    return rendered
