"""Score each model's forecasts as weeks arrive after its fit (``mmm.forecast_accuracy``).

A fit scores its own held-out weeks (:func:`held_out_forecasts`, called by
``series_fit``). Every later run scores the weeks
delivered since, for the last :data:`SCORED_MODELS` accepted models of each series, so
the model in force and the ones it replaced can be compared on the same new weeks.
Each model predicts from the week after its last training week, with the actual spend
and controls, and only the weeks after its fit's data are added: the held-out weeks
keep the forecast the fit was judged on.

As in the attribution, the warehouse is read first and the models loaded after, with
the connection closed (DuckDB has one writer per file).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.attribution.demand import model_frame
from mmm_pipeline.modeling.forecasts import (
    FORECAST_ACCURACY,
    FORECAST_ACCURACY_COLUMNS,
    LABELS,
    actual_totals,
    predict_after,
    scored_weeks,
)
from mmm_pipeline.modeling.panel import DATE, GEO, ModelPanel, build_panel
from mmm_pipeline.modeling.panel_fit import FitOutcome
from mmm_pipeline.modeling.runs import MODEL_RUNS, load_model, model_file
from mmm_pipeline.modeling.specification import load_model_config
from mmm_pipeline.publish import Write, concat_rows, has_table, slice_replacement

# Accepted models per series that go on being scored; older ones keep their rows.
SCORED_MODELS = 3


@dataclass(frozen=True)
class ModelToScore:
    """One accepted model, today's panel of its series, and the rows it already has."""

    run: dict
    panel: ModelPanel
    fit_rows: pd.DataFrame

    @property
    def trained_until(self) -> pd.Timestamp:
        """The model's last training week: its fit's last week before the holdout."""
        weeks = int(self.run["holdout_weeks"] or 0)
        return pd.Timestamp(self.run["last_week"]) - pd.Timedelta(weeks=weeks)


def models_to_score(conn: DuckDBPyConnection, models_dir: Path) -> list[ModelToScore]:
    """The accepted models with new weeks to score, with what they need.

    Returns
    -------
    list of ModelToScore
        The last :data:`SCORED_MODELS` accepted runs of each series whose file exists and
        whose series' panel has weeks after the run's last week, each with that panel
        and its rows in ``mmm.forecast_accuracy`` up to its last week.
    """
    if not has_table(conn, MODEL_RUNS):
        return []
    runs = conn.execute(
        f"select * from {MODEL_RUNS} where status = 'accepted' qualify row_number() "  # noqa: S608
        "over (partition by segment, outcome order by fitted_at desc) <= ? "
        "order by segment, outcome, fitted_at",
        [SCORED_MODELS],
    ).df()
    found, panels = [], {}
    for run in runs.to_dict("records"):
        if not model_file(run, models_dir).is_file():
            continue
        series = (run["segment"], run["outcome"])
        if series not in panels:
            panels[series] = build_panel(conn, *series, exposure=load_model_config().exposure)
        panel = panels[series]
        if panel.frame[DATE].max() <= pd.Timestamp(run["last_week"]):
            continue
        fit_rows = pd.DataFrame(columns=[*FORECAST_ACCURACY_COLUMNS])
        if has_table(conn, FORECAST_ACCURACY):
            fit_rows = conn.execute(
                f"select * from {FORECAST_ACCURACY} where run_id = ? "  # noqa: S608
                "and week_start <= ? order by week_start",
                [run["run_id"], run["last_week"]],
            ).df()
        found.append(ModelToScore(run, panel, fit_rows))
    return found


def held_out_forecasts(outcome: FitOutcome, panel: ModelPanel, run: dict, level: float) -> Write:
    """A fit's forecasts of its held-out weeks, scored: its ``mmm.forecast_accuracy`` rows.

    Every attempt's, accepted or not: the held-out weeks are what it was judged on.

    Returns
    -------
    Write
        The replacement of the run's slice of ``mmm.forecast_accuracy``.
    """
    rows = pd.DataFrame(columns=[*FORECAST_ACCURACY_COLUMNS])
    if outcome.holdout_draws is not None:
        actual = actual_totals(panel.frame, panel.geos)
        rows = scored_weeks(outcome.holdout_draws, actual, outcome.trained_until, level)
        rows = rows.assign(**{label: run[label] for label in LABELS})
    return slice_replacement(
        FORECAST_ACCURACY, FORECAST_ACCURACY_COLUMNS, rows, {"run_id": run["run_id"]}
    )


def rescored(model: ModelToScore, level: float, models_dir: Path) -> Write:
    """The model's rows with every week since its fit scored: its slice, replaced.

    Returns
    -------
    Write
        The replacement of the run's slice of ``mmm.forecast_accuracy``: the rows it had
        up to its fit's last week, then one row per week delivered since.
    """
    mmm = load_model(model.run, models_dir)
    frame = model_frame(model.panel, mmm)
    frame = frame[frame[DATE] > model.trained_until].reset_index(drop=True)
    geos = sorted(frame[GEO].unique())
    actual = actual_totals(model.panel.frame, geos)
    rows = scored_weeks(predict_after(mmm, frame), actual, model.trained_until, level)
    new = rows[pd.to_datetime(rows["week_start"]) > pd.Timestamp(model.run["last_week"])]
    new = new.assign(**{label: model.run[label] for label in LABELS})
    rows = concat_rows([model.fit_rows, new], FORECAST_ACCURACY_COLUMNS)
    return slice_replacement(
        FORECAST_ACCURACY, FORECAST_ACCURACY_COLUMNS, rows, {"run_id": model.run["run_id"]}
    )
