"""Pictures of one fit for the Dagster UI: fit against actuals, contributions, ROI, prior.

They are drawn once a series' final attempt is known (accepted, or the last one
tried), written as PNGs under the data folder and shown inline on the asset's
materialization.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from mmm_pipeline.modeling.panel import DATE, GEO, TARGET
from mmm_pipeline.modeling.posterior import CONTRIBUTION
from mmm_pipeline.report.rendering import as_markdown, error_bars, interval_label

if TYPE_CHECKING:
    from mmm_pipeline.modeling.series_fit import SeriesFit

PRIOR_DRAWS = 100


def _fit_against_actuals(fitted: SeriesFit, level: float) -> Figure:
    mmm, panel = fitted.outcome.mmm, fitted.panel
    predicted = mmm.sample_posterior_predictive(
        panel.frame.drop(columns=[TARGET]),
        extend_idata=False,
        var_names=["y_original_scale"],
        progressbar=False,
    )["y_original_scale"].sum(GEO)
    tail = (1 - level) / 2
    low, mean, high = (predicted.quantile(q, "sample").values for q in (tail, 0.5, 1 - tail))
    observed = panel.frame.groupby(DATE)[TARGET].sum()
    dates = predicted[DATE].values
    figure = Figure(figsize=(9, 3.5))
    axis = figure.subplots()
    axis.fill_between(dates, low, high, alpha=0.3, label=f"model, {interval_label(level)}")
    axis.plot(dates, mean, label="model")
    axis.plot(observed.index, observed.to_numpy(), color="black", lw=1, label="observed")
    holdout_start = dates[-fitted.run["holdout_weeks"]]
    axis.axvline(holdout_start, color="grey", ls="--", label="holdout starts")
    axis.set_title(f"{fitted.run['segment']} {fitted.run['outcome']}: fit, all geos")
    axis.legend(fontsize=7)
    return figure


def _contributions_over_time(fitted: SeriesFit, level: float) -> Figure:
    contributions = fitted.outcome.mmm.idata.posterior[CONTRIBUTION]
    mean = contributions.mean(("chain", "draw")).sum(GEO).to_pandas()
    figure = Figure(figsize=(9, 3.5))
    axis = figure.subplots()
    axis.stackplot(mean.index, mean.T.to_numpy(), labels=list(mean.columns))
    axis.set_title("Channel contributions over time (fitted weeks, all geos, mean)")
    axis.legend(fontsize=7, ncol=4)
    return figure


def _roi_with_intervals(fitted: SeriesFit, level: float) -> Figure | None:
    roi = fitted.tables.get("mmm.channel_roi")
    if roi is None or roi.empty:
        return None
    overall = roi[roi[GEO] == "ALL"].sort_values("roi")
    figure = Figure(figsize=(7, 0.4 * len(overall) + 1.2))
    axis = figure.subplots()
    errors = error_bars(overall["roi"], overall["roi_low"], overall["roi_high"])
    axis.errorbar(overall["roi"], overall["channel"], xerr=errors, fmt="o")
    axis.set_xlabel(overall["roi_unit"].iloc[0].replace("_", " "))
    axis.set_title(f"ROI with {interval_label(level)}, all geos")
    return figure


def _prior_predictive(fitted: SeriesFit, level: float) -> Figure:
    """Does the prior put the data within reach? Scaled units, as the model sees them.

    Returns
    -------
    Figure
        Histograms of the prior predictive draws and of the observed target.
    """
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


MAKERS = {
    "plot_fit": ("Fit against actuals", _fit_against_actuals),
    "plot_contributions": ("Contributions over time", _contributions_over_time),
    "plot_roi": ("ROI with intervals", _roi_with_intervals),
    "plot_prior_predictive": ("Prior predictive check", _prior_predictive),
}


def fit_figures(fitted: SeriesFit, folder: Path, level: float) -> dict[str, str]:
    """Draw every figure of a fit.

    Parameters
    ----------
    fitted
        The series' final attempt.
    folder
        The series' plot folder; files are named after the run id.
    level
        The interval level of the bands and error bars.

    Returns
    -------
    dict of str to str
        Markdown with the image inlined, per figure name (``plot_fit``, ...); a figure
        with nothing to show (no ROI table on a rejected fit) is left out.
    """
    rendered = {}
    for name, (title, make) in MAKERS.items():
        figure = make(fitted, level)
        if figure is not None:
            path = folder / f"{fitted.run['run_id']}-{name.removeprefix('plot_')}.png"
            rendered[name] = as_markdown(figure, path, title)
    return rendered
