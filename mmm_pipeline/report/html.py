"""One HTML report per run: what a marketer reads without SQL.

The page and its PNG figures go in one folder under ``data/reports/`` (figures linked
relatively, so the folder can be zipped or served as it is). Sections follow the
questions people ask, in plain titles; every estimate is shown as a centre with its
range. The page marks on ``<body>`` how many of its figures the browser could load
(``data-figures-loaded`` out of ``data-figures``), which the browser check reads.
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.modeling.series import name_problem
from mmm_pipeline.publish import has_table
from mmm_pipeline.report import figures

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1000px; margin: 2em auto; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.8em 0; }
td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
th { background: #f3f3f3; } div.wide { overflow-x: auto; }
img { max-width: 100%; display: block; margin: 0.5em 0; }
p.note { color: #555; font-size: 0.9em; }
"""
COUNT_FIGURES = """
window.addEventListener('load', () => {
  const figures = Array.from(document.querySelectorAll('img'));
  document.body.dataset.figures = figures.length;
  document.body.dataset.figuresLoaded =
    figures.filter(i => i.complete && i.naturalWidth > 0).length;
});
"""


@dataclass
class Report:
    """The page being written: its folder, its sections, its figures."""

    folder: Path
    parts: list[str] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)

    def section(self, title: str, intro: str) -> None:
        """Start a section with a plain title and one sentence on how to read it."""
        self.parts.append(f"<h2>{html.escape(title)}</h2><p class='note'>{html.escape(intro)}</p>")

    def table(self, frame: pd.DataFrame, empty: str = "Nothing to show yet.") -> None:
        """A table, or a sentence when there is nothing in it."""
        if frame.empty:
            self.parts.append(f"<p>{html.escape(empty)}</p>")
            return
        frame = frame.drop(columns=[c for c in ("run_id",) if c in frame])
        table = frame.to_html(index=False, na_rep="", float_format=_number, border=0)
        self.parts.append(f"<div class='wide'>{table}</div>")

    def figure(self, source: Path | None, caption: str) -> None:
        """Copy (or take) a PNG into the report folder and show it."""
        if source is None or not source.is_file():
            return
        target = self.folder / source.name
        if source.resolve() != target.resolve():
            shutil.copyfile(source, target)
        self.figures.append(target)
        self.parts.append(
            f"<img src='{html.escape(target.name)}' alt='{html.escape(caption)}'>"
            f"<p class='note'>{html.escape(caption)}</p>"
        )

    def write(self, title: str) -> Path:
        """Write ``index.html`` and return its path."""
        page = (
            f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style>"
            f"<script>{COUNT_FIGURES}</script></head><body><h1>{html.escape(title)}</h1>"
            + "".join(self.parts)
            + "</body></html>"
        )
        path = self.folder / "index.html"
        path.write_text(page, encoding="utf-8")
        return path


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def _ranged(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Replace ``c``, ``c_low``, ``c_high`` with one text column "centre (low-high)"."""
    frame = frame.copy()
    for column, label in columns.items():
        frame[label] = [
            f"{_number(c)} ({_number(lo)} to {_number(hi)})" if pd.notna(c) else ""
            for c, lo, hi in zip(
                frame[column], frame[f"{column}_low"], frame[f"{column}_high"], strict=True
            )
        ]
        frame = frame.drop(columns=[column, f"{column}_low", f"{column}_high"])
    return frame


def _by_series(frame: pd.DataFrame) -> Iterator[tuple[tuple[str, str], pd.DataFrame]]:
    """``frame`` per segment and outcome; nothing for a table that does not exist yet."""
    if not frame.empty:
        yield from frame.groupby(["segment", "outcome"])


def _read(conn: DuckDBPyConnection, table: str, sql: str) -> pd.DataFrame:
    return conn.execute(sql).df() if has_table(conn, table) else pd.DataFrame()


def _still_failing(conn: DuckDBPyConnection) -> pd.DataFrame:
    """Series whose latest fit was rejected, with its reasons and what to do."""
    latest = _read(
        conn,
        "mmm.model_runs",
        "select * from mmm.model_runs qualify row_number() over "
        "(partition by segment, outcome order by fitted_at desc) = 1 order by all",
    )
    if latest.empty or "advice" not in latest:
        return pd.DataFrame()
    failing = latest[latest["status"] != "accepted"]
    return failing[["segment", "outcome", "reasons", "advice"]].fillna("")


def build_report(conn: DuckDBPyConnection, data_dir: Path, level: float) -> Path:
    """Write this run's report under ``data_dir/reports/`` and return the page's path."""
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S}"
    report = Report(data_dir / "reports" / stamp)
    report.folder.mkdir(parents=True, exist_ok=True)
    share = f"{level:.0%}"
    plots = data_dir / "plots"

    readiness = _read(
        conn,
        "mmm.readiness",
        "select segment, outcome, history_weeks as weeks, round(100 * paid_share, 1) "
        "as paid_share_pct, ready, reasons from mmm.readiness where geo = 'ALL' order by all",
    )
    issues = _read(
        conn,
        "mmm.data_quality_issues",
        "select check_name as check, severity, count(*) as findings, "
        "count(distinct week_start) as weeks, string_agg(distinct geo, ', ') as geos "
        "from mmm.data_quality_issues group by all order by severity, findings desc",
    )
    report.section(
        "Is the data ready for a model?",
        "A series needs 18 months of weekly history, spend that varies and a material paid "
        "share; below, every tracking problem found, by check.",
    )
    report.table(readiness)
    report.table(issues, "No data-quality findings.")

    runs = _read(
        conn,
        "mmm.model_runs",
        "select segment, outcome, strftime(fitted_at, '%Y-%m-%d %H:%M') as fitted_at, status, "
        "profile, round(max_rhat, 3) as max_rhat, "
        "round(min_ess) as min_ess, divergences, round(100 * holdout_mape, 1) as "
        "holdout_mape_pct, round(100 * naive_mape, 1) as naive_mape_pct, reasons, run_id "
        "from mmm.model_runs qualify row_number() over (partition by segment, outcome "
        "order by fitted_at desc) <= 2 order by segment, outcome, fitted_at desc",
    )
    report.section(
        "How good are the models?",
        "The last fits of each series. Only an accepted fit (chains agree, enough "
        "effective draws, no more divergences than allowed, holdout error close to a naive "
        "forecast's) is used below.",
    )
    report.table(runs.drop(columns=["run_id"]) if not runs.empty else runs, "No fits yet.")
    failing = _still_failing(conn)
    if not failing.empty:
        report.section(
            "Series whose last fit was rejected",
            "Every automatic attempt was rejected (longer sampling, then a simpler model); "
            "the last accepted model, if there is one, is still the one in force.",
        )
        report.table(failing)
    # The model in force may be older than the fits shown (a refit tried three times and
    # rejected each time pushes it out of the last rows): read it on its own.
    in_force = _read(
        conn,
        "mmm.model_runs",
        "select segment, outcome, run_id from mmm.model_runs where status = 'accepted' "
        "qualify row_number() over (partition by segment, outcome order by fitted_at desc) "
        "= 1 order by segment, outcome",
    )
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

    roi = _read(
        conn,
        "mmm.channel_roi",
        "select * from mmm.channel_roi where geo = 'ALL' order by segment, outcome, channel",
    )
    report.section(
        "What does a unit of spend return?",
        f"ROI is the average return of the money spent; marginal ROI the return of the next "
        f"unit at today's spend. Medians with {share} intervals.",
    )
    for (segment, outcome), rows in _by_series(roi):
        path = figures.save(
            figures.roi_ranges(rows, f"{segment} {outcome}: ROI and marginal ROI"),
            report.folder / f"roi_{segment}_{outcome}.png",
        )
        report.figure(path, f"{segment} {outcome}, all geos")
    if not roi.empty:
        # A count outcome returns fractions of a conversion per unit of spend: show them
        # per 1,000 units, the way people read cost per mille.
        per_thousand = roi["roi_unit"] == "conversions_per_spend"
        ratios = [f"{m}{e}" for m in ("roi", "marginal_roi") for e in ("", "_low", "_high")]
        roi = roi.copy()
        roi.loc[per_thousand, ratios] *= 1000.0
        roi["per"] = np.where(per_thousand, "conversions per 1,000 spent", "value per 1 spent")
        shown = roi[
            [
                "segment",
                "outcome",
                "channel",
                "spend",
                "contribution",
                "contribution_low",
                "contribution_high",
                "roi",
                "roi_low",
                "roi_high",
                "marginal_roi",
                "marginal_roi_low",
                "marginal_roi_high",
                "per",
            ]
        ]
        report.table(
            _ranged(
                shown, {"contribution": "conversions", "roi": "ROI", "marginal_roi": "marginal ROI"}
            )
        )

    agreement = _read(conn, "mmm.experiment_agreement", "select * from mmm.experiment_agreement")
    report.section(
        "Do the lift tests agree with the model?",
        "A test the model disagrees with (|z| > 1.96) is a finding: the test, the tracking "
        "or the model is wrong, and someone should look.",
    )
    if not agreement.empty:
        path = figures.save(
            figures.experiment_agreement(agreement), report.folder / "experiments.png"
        )
        report.figure(path, "measured lift against the model's")
        report.table(
            agreement[
                [
                    "experiment_id",
                    "channel",
                    "segment",
                    "outcome",
                    "measured_lift",
                    "model_lift",
                    "z_score",
                    "agrees",
                    "message",
                ]
            ]
        )
    else:
        report.table(agreement, "No lift tests.")

    report.section(
        "The same channel across outcomes",
        "A channel can still grow signups while pipeline is saturated.",
    )
    report.table(
        _read(conn, "mmm.outcome_comparison", "select * from mmm.outcome_comparison"),
    )
    report.section(
        "How long does a channel's effect take?",
        "Half-life is how fast an effect decays; the response lag is when sustained spend "
        "shows in outcomes. Decay is not a decision horizon.",
    )
    report.table(_read(conn, "mmm.time_horizons", "select * from mmm.time_horizons"))

    shift = _read(conn, "mmm.attribution_shift", "select * from mmm.attribution_shift")
    report.section(
        "Who gets the credit?",
        "Each channel's share of conversions under last click against under the MMM, "
        "which gives Direct and Branded Search credit back to the channels that created "
        f"the demand ({share} intervals).",
    )
    for (segment, outcome), rows in _by_series(shift):
        if not name_problem(segment, outcome):  # unsafe names have no chart (shift_chart)
            report.figure(
                plots / "attribution" / f"{segment}_{outcome}_shift.png", f"{segment} {outcome}"
            )
        report.table(
            _ranged(
                rows[
                    [
                        "channel",
                        "last_click_share",
                        "mmm_share",
                        "mmm_share_low",
                        "mmm_share_high",
                        "direction",
                    ]
                ],
                {"mmm_share": "mmm share"},
            )
        )

    curves = _read(
        conn, "mmm.response_curves", "select * from mmm.response_curves where geo = 'ALL'"
    )
    report.section(
        "Where does the next dollar go?",
        "Weekly conversions at steady weekly spend, all geos; the band is the "
        f"{share} interval. Where a curve flattens, more money buys little.",
    )
    for (segment, outcome), rows in _by_series(curves):
        path = figures.save(
            figures.response_curves(rows, f"{segment} {outcome}: response curves"),
            report.folder / f"curves_{segment}_{outcome}.png",
        )
        report.figure(path, f"{segment} {outcome}")

    scenarios = _read(conn, "mmm.budget_scenarios", "select * from mmm.budget_scenarios")
    allocation = _read(
        conn,
        "mmm.budget_allocation",
        "select * from mmm.budget_allocation where geo = 'ALL' and scenario = 'same_budget'",
    )
    report.section(
        "Budget scenarios",
        "Expected weekly conversions of each proposal against today's plan, the gain with "
        "its interval, and the chance the proposal does better.",
    )
    if not scenarios.empty:
        report.table(
            _ranged(
                scenarios[
                    [
                        "scenario",
                        "segment",
                        "outcome",
                        "budget",
                        "current_budget",
                        "expected_contribution",
                        "expected_contribution_low",
                        "expected_contribution_high",
                        "gain",
                        "gain_low",
                        "gain_high",
                        "probability_better",
                        "warnings",
                    ]
                ],
                {"expected_contribution": "expected", "gain": "gain"},
            )
        )
    for (segment, outcome), rows in _by_series(allocation):
        path = figures.save(
            figures.scenario_spend(rows, f"{segment} {outcome}: same budget, reallocated"),
            report.folder / f"same_budget_{segment}_{outcome}.png",
        )
        report.figure(path, f"{segment} {outcome}")
    return report.write(f"Marketing-mix report, {stamp} UTC")
