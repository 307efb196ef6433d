"""One HTML report per run: what a marketer reads without SQL.

The page goes in a folder of its own under ``data/reports/``. It opens with the
summary (summary.py); the sections after it follow the questions people ask, in plain
titles, each drawn from the published tables (``reads.py``) with its figures
(``figures.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.modeling.exposure import IMPRESSIONS
from mmm_pipeline.modeling.forecasts import accuracy_summary
from mmm_pipeline.modeling.results import RECALL_LEVEL
from mmm_pipeline.modeling.series import name_problem
from mmm_pipeline.report import figures
from mmm_pipeline.report.columns import (
    AGREEMENT_COLUMNS,
    COMPARISON_COLUMNS,
    EXPOSURE_COLUMNS,
    FORECAST_COLUMNS,
    PLAN_COLUMNS,
    RECALL_COLUMNS,
    ROI_COLUMNS,
    SCENARIO_COLUMNS,
    SHIFT_COLUMNS,
    SHOWN_TESTS,
)
from mmm_pipeline.report.page import Report, by_series, rename_estimates, series_label
from mmm_pipeline.report.reads import read, still_failing
from mmm_pipeline.report.rendering import save
from mmm_pipeline.report.summary import summary


def _data_readiness(report: Report, conn: DuckDBPyConnection) -> None:
    report.section(
        "Is the data ready for a model?",
        "A series needs 18 months of weekly history, spend that varies and a material paid "
        "share; below, every tracking problem found, by check.",
    )
    report.table(read(conn, "readiness"))
    report.table(read(conn, "findings"), "No data-quality findings.")


def _model_quality(report: Report, conn: DuckDBPyConnection, plots: Path) -> None:
    runs = read(conn, "recent_fits")
    report.section(
        "How good are the models?",
        "The last fits of each series. Only an accepted fit (chains agree, enough "
        "effective draws, no more divergences than allowed, holdout error close to a naive "
        "forecast's) is used below.",
    )
    report.table(runs.drop(columns=["run_id"]) if not runs.empty else runs, "No fits yet.")
    failing = still_failing(conn)
    if not failing.empty:
        report.section(
            "Series whose last fit was rejected",
            "Every automatic attempt was rejected (longer sampling, then a simpler model); "
            "the last accepted model, if there is one, is still the one in force.",
        )
        report.table(failing)
    in_force = read(conn, "models_in_force")
    for run in in_force.itertuples():
        folder = plots / run.segment / run.outcome
        report.figure(folder / f"{run.run_id}-fit.png", f"{run.segment} {run.outcome}: fit")
    report.section(
        "What did each channel contribute?",
        "Weekly conversions each channel caused according to the model in force.",
    )
    for run in in_force.itertuples():
        folder = plots / run.segment / run.outcome
        report.figure(folder / f"{run.run_id}-contributions.png", f"{run.segment} {run.outcome}")


def _returns(report: Report, conn: DuckDBPyConnection, share: str) -> None:
    roi = read(conn, "roi")
    report.section(
        "What does a unit of spend return?",
        f"ROI is the average return of the money spent; marginal ROI the return of the next "
        f"unit at today's spend. Medians with {share} intervals.",
    )
    for (segment, outcome), rows in by_series(roi):
        path = save(
            figures.roi_ranges(rows, f"{segment} {outcome}: ROI and marginal ROI"),
            report.folder / f"roi_{segment}_{outcome}.png",
        )
        report.figure(path, f"{segment} {outcome}, all geos")
    if roi.empty:
        return
    # A count outcome returns fractions of a conversion per unit of spend: show them per
    # 1,000 units, the way people read cost per mille.
    per_thousand = roi["roi_unit"] == "conversions_per_spend"
    ratios = [f"{m}{e}" for m in ("roi", "marginal_roi") for e in ("", "_low", "_high")]
    roi = roi.copy()
    roi.loc[per_thousand, ratios] *= 1000.0
    roi["per"] = np.where(per_thousand, "conversions per 1,000 spent", "value per 1 spent")
    for (segment, outcome), rows in by_series(roi):
        report.subheading(series_label(segment, outcome))
        report.table(rename_estimates(rows[ROI_COLUMNS], {"contribution": "conversions"}))


def _forecasts(report: Report, conn: DuckDBPyConnection) -> None:
    rows = read(conn, "forecast_accuracy")
    report.section(
        "Do the models forecast the weeks they did not see?",
        "Each model's forecasts of its held-out weeks and of every week delivered since "
        f"its fit, with the actual spend: how often the actual fell inside the {report.level:.0%} "
        "interval (it should be about that often), the mean absolute percentage error, and "
        "the CRPS (a score of the whole forecast: lower is better, in outcome units).",
    )
    if rows.empty:
        report.table(rows, "No forecasts scored yet.")
        return
    summary = accuracy_summary(rows).merge(
        rows[["run_id", "fitted_at", "status"]].drop_duplicates(), on="run_id"
    )
    summary = summary.sort_values("fitted_at").assign(
        fitted=lambda f: f["fitted_at"].dt.strftime("%-d %b %Y %H:%M"),
        coverage_pct=lambda f: 100 * f["coverage"],
        mape_pct=lambda f: 100 * f["mape"],
    )
    for (segment, outcome), models in by_series(summary):
        report.subheading(series_label(segment, outcome))
        report.table(models[FORECAST_COLUMNS])


def _experiments(report: Report, conn: DuckDBPyConnection, level: float) -> None:
    agreement = read(conn, "agreement")
    report.section(
        "Do the lift tests agree with the model?",
        "A test the model disagrees with (|z| > 1.96) is a finding: the test, the tracking "
        "or the model is wrong, and someone should look.",
    )
    if agreement.empty:
        report.table(agreement, "No lift tests.")
        return
    path = save(figures.experiment_agreement(agreement, level), report.folder / "experiments.png")
    report.figure(path, "measured lift against the model's")
    report.table(agreement[AGREEMENT_COLUMNS])


def _next_tests(report: Report, conn: DuckDBPyConnection) -> None:
    plan = read(conn, "experiment_plan")
    report.section(
        "Which lift test to run next?",
        "Per series, the tests that would change the budget decision most (much spend, a "
        "wide ROI interval, a budget the optimizer moves), each with what the model "
        "expects it to measure and the chance the test detects it. Run the test for its "
        "test weeks and count the lift over all its weeks (the carry-over included); "
        "record the result in experiments/ and the next fit uses it.",
    )
    for (segment, outcome), rows in by_series(plan):
        report.subheading(series_label(segment, outcome))
        shown = rows[rows["rank"] <= SHOWN_TESTS].assign(power_pct=lambda f: 100 * f["power"])
        report.table(shown[PLAN_COLUMNS])


def _across_series(report: Report, conn: DuckDBPyConnection) -> None:
    report.section(
        "The same channel across outcomes",
        "A channel can still grow signups while pipeline is saturated.",
    )
    comparison = read(conn, "outcome_comparison")
    report.table(comparison[COMPARISON_COLUMNS] if not comparison.empty else comparison)
    report.section(
        "How long does a channel's effect take?",
        "Half-life is how fast an effect decays; the response lag is when sustained spend "
        "shows in outcomes. Decay is not a decision horizon.",
    )
    report.table(read(conn, "time_horizons"))


def _credit(report: Report, conn: DuckDBPyConnection, plots: Path, share: str) -> None:
    report.section(
        "Who gets the credit?",
        "Each channel's share of conversions under last click against under the MMM, "
        "which gives Direct and Branded Search credit back to the channels that created "
        f"the demand ({share} intervals).",
    )
    for (segment, outcome), rows in by_series(read(conn, "attribution_shift")):
        report.subheading(series_label(segment, outcome))
        if not name_problem(segment, outcome):  # unsafe names have no chart (shift_chart)
            report.figure(
                plots / "attribution" / f"{segment}_{outcome}_shift.png", f"{segment} {outcome}"
            )
        shares = rows[SHIFT_COLUMNS].copy()
        percent = [c for c in shares.columns if c.endswith(("share", "share_low", "share_high"))]
        shares[percent] *= 100.0
        report.table(shares.rename(columns=lambda c: c.replace("share", "share_pct")))


def _survey_recall(report: Report, conn: DuckDBPyConnection, share: str) -> None:
    """Each surveyed channel's recall and the level the others borrow, per model in force."""
    parameters, runs = read(conn, "channel_parameters"), read(conn, "models_in_force")
    if "survey_recall" not in parameters or f"{RECALL_LEVEL}_basis" not in runs:
        return
    recalls = parameters.merge(runs[["run_id"]], on="run_id").dropna(subset=["survey_recall"])
    if recalls.empty:
        return
    report.section(
        "How much of each channel does the survey see?",
        "Buyers name the channels they remember: a channel's share of survey answers is "
        "its share of conversions times its recall, estimated per channel "
        f"({share} ranges). A lift test of the channel measures its recall; the others "
        "borrow the common level, which lift tests on surveyed channels measure or "
        "model.yaml states. Where only its prior sets the level, every surveyed "
        "channel's contribution is as uncertain as the level, and the next lift test "
        "should be on one of them.",
    )
    level = [RECALL_LEVEL, f"{RECALL_LEVEL}_low", f"{RECALL_LEVEL}_high"]
    for (segment, outcome), rows in by_series(recalls):
        run = runs.set_index("run_id").loc[rows["run_id"].iloc[0]]
        common = {
            "channel": "common level",
            **dict(zip(RECALL_COLUMNS[1:4], run[level], strict=True)),
            "survey_recall_basis": run[f"{RECALL_LEVEL}_basis"],
        }
        shown = pd.concat([rows[RECALL_COLUMNS], pd.DataFrame([common])], ignore_index=True)
        report.subheading(series_label(segment, outcome))
        shown = shown.rename(columns={"survey_recall_basis": "set_by"})
        report.table(rename_estimates(shown, {"survey_recall": "recall"}))


def _exposure(report: Report, conn: DuckDBPyConnection) -> None:
    """What each model in force reads as a channel's media, where any reads impressions."""
    parameters, runs = read(conn, "channel_parameters"), read(conn, "models_in_force")
    if "exposure" not in parameters:
        return
    rows = parameters.merge(runs[["run_id"]], on="run_id")
    rows = rows[rows["exposure"].notna()]
    if not (rows["exposure"] == IMPRESSIONS).any():
        return
    report.section(
        "What does the model read as each channel's media?",
        "Where a channel's platforms deliver impressions and their cost moves, the model "
        "reads the impressions: a dear quarter is less media for the money, not more "
        "media that did less. Returns, curves and budgets stay in spend, bought at the "
        "recent cost per impression. The error ratio is the held-out error with the "
        "channel read as spend over read as impressions; near 1 the weeks cannot tell.",
    )
    for (segment, outcome), shown in by_series(rows):
        report.subheading(series_label(segment, outcome))
        report.table(shown[EXPOSURE_COLUMNS].rename(columns={"exposure_basis": "why"}))


def _budgets(report: Report, conn: DuckDBPyConnection, share: str) -> None:
    report.section(
        "Where does the next dollar go?",
        "Weekly conversions at steady weekly spend, all geos; the band is the "
        f"{share} interval. Where a curve flattens, more money buys little.",
    )
    for (segment, outcome), rows in by_series(read(conn, "response_curves")):
        path = save(
            figures.response_curves(rows, f"{segment} {outcome}: response curves"),
            report.folder / f"curves_{segment}_{outcome}.png",
        )
        report.figure(path, f"{segment} {outcome}")
    scenarios = read(conn, "scenarios")
    report.section(
        "Budget scenarios",
        "Expected weekly conversions of each proposal against today's plan, the gain with "
        "its interval, and the chance the proposal does better.",
    )
    for (segment, outcome), rows in by_series(scenarios):
        report.subheading(series_label(segment, outcome))
        labels = {"expected_contribution": "expected"}
        report.table(rename_estimates(rows[SCENARIO_COLUMNS], labels))
    for (segment, outcome), rows in by_series(read(conn, "same_budget_allocation")):
        path = save(
            figures.scenario_spend(rows, f"{segment} {outcome}: same budget, reallocated"),
            report.folder / f"same_budget_{segment}_{outcome}.png",
        )
        report.figure(path, f"{segment} {outcome}")


def build_report(
    conn: DuckDBPyConnection, data_dir: Path, level: float, currency: str = "USD"
) -> Path:
    """Write this run's report.

    Parameters
    ----------
    conn
        A connection to the warehouse with the published ``mmm.*`` tables.
    data_dir
        The data folder: the page goes under ``reports/<UTC time>/``, the fits' figures
        are read from ``plots/``.
    level
        The interval level the ranges are shown at.
    currency
        The reporting currency, which heads every money column.

    Returns
    -------
    pathlib.Path
        The page, ``index.html``.
    """
    now = datetime.now(UTC)
    report = Report(data_dir / "reports" / f"{now:%Y%m%dT%H%M%S}", currency, level)
    report.folder.mkdir(parents=True, exist_ok=True)
    share, plots = f"{level:.0%}", data_dir / "plots"
    summary(report, conn, level)
    _data_readiness(report, conn)
    _model_quality(report, conn, plots)
    _returns(report, conn, share)
    _forecasts(report, conn)
    _experiments(report, conn, level)
    _next_tests(report, conn)
    _across_series(report, conn)
    _credit(report, conn, plots, share)
    _survey_recall(report, conn, share)
    _exposure(report, conn)
    _budgets(report, conn, share)
    return report.write(f"Marketing-mix report, {now:%-d %B %Y, %H:%M} UTC")
