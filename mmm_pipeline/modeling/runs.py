"""``mmm.model_runs``: every fit, accepted or rejected, and which one is in force.

The ledger only grows. The model in force for a series is its last accepted run;
everything downstream reads that one, so a rejected fit changes nothing users see
beyond its own row here.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
from duckdb import DuckDBPyConnection
from pymc_marketing.data.idata.io import load_idata
from pymc_marketing.mmm import MMM

# Registers the carry-over, trend and saturation our models are built with, so that saved
# models load.
import mmm_pipeline.modeling.carryover  # noqa: F401
import mmm_pipeline.modeling.centred_level  # noqa: F401
import mmm_pipeline.modeling.saturation  # noqa: F401
import mmm_pipeline.modeling.trend  # noqa: F401
from mmm_pipeline.modeling.results import RECALL_LEVEL_COLUMNS
from mmm_pipeline.modeling.scaled_controls import SCALING_ATTR, ScaledControlsMMM
from mmm_pipeline.modeling.series import Series
from mmm_pipeline.publish import Write, has_table, ledger_append
from mmm_pipeline.safe_paths import OutsideBaseFolder, inside
from mmm_pipeline.settings import get_settings

log = logging.getLogger(__name__)

MODEL_RUNS = "mmm.model_runs"
ACCEPTED = "accepted"
REJECTED = "rejected"
MODEL_RUNS_COLUMNS = {
    "run_id": "VARCHAR",
    "segment": "VARCHAR",
    "outcome": "VARCHAR",
    "fitted_at": "TIMESTAMPTZ",
    "status": "VARCHAR",
    "max_rhat": "DOUBLE",
    "min_ess": "DOUBLE",
    "divergences": "INTEGER",
    "holdout_mape": "DOUBLE",
    "artifact_path": "VARCHAR",
    "reasons": "VARCHAR",
    "naive_mape": "DOUBLE",
    "profile": "VARCHAR",
    "sampler": "VARCHAR",
    "fit_seconds": "DOUBLE",
    "first_week": "DATE",
    "last_week": "DATE",
    "holdout_weeks": "INTEGER",
    "geos": "VARCHAR",
    "channels": "VARCHAR",
    "lift_tests": "INTEGER",
    "dagster_run_id": "VARCHAR",
    # Which try of this series in this run (escalation.py): 1 as configured, then the
    # retries, each with its label, its sampling depth and, on a last failure, advice.
    "attempt": "INTEGER",
    "attempt_label": "VARCHAR",
    "draws": "INTEGER",
    "tune": "INTEGER",
    "advice": "VARCHAR",
    # A downstream series (pipeline from demo requests, funnel.py): the upstream outcome
    # its prior came through, the conversion rate per upstream conversion with its
    # standard error, the gamma lag's mean and sd in weeks, and the share of the
    # downstream outcome the upstream explains. Empty for every other series.
    "funnel_upstream": "VARCHAR",
    "funnel_rate": "DOUBLE",
    "funnel_rate_se": "DOUBLE",
    "funnel_lag_mean_weeks": "DOUBLE",
    "funnel_lag_sd_weeks": "DOUBLE",
    "funnel_through_share": "DOUBLE",
    # A series with a survey: the common level its channels' recalls pool around
    # (share_prior.py), and what set it (results.RECALL_LEVEL_COLUMNS).
    **RECALL_LEVEL_COLUMNS,
    # What the fit read (fingerprint.py), and why it was fitted rather than reused.
    "input_fingerprint": "VARCHAR",
    "input_parts": "VARCHAR",
    "fit_reason": "VARCHAR",
    # How hard the sampler worked (panel_fit.sampler_geometry): a posterior that is hard
    # to move through shows as deep trees of many leapfrog steps at a small step size.
    "mean_tree_depth": "DOUBLE",
    "mean_leapfrog_steps": "DOUBLE",
    "step_size": "DOUBLE",
}


def run_record(run: dict) -> Write:
    """The ledger row of one fit, to publish with (after) its results.

    Returns
    -------
    Write
        An append of ``run`` as one row to :data:`MODEL_RUNS` (created on first use).
    """
    return ledger_append(MODEL_RUNS, MODEL_RUNS_COLUMNS, pd.DataFrame([run]))


def last_accepted(conn: DuckDBPyConnection, series: Series) -> dict | None:
    """The run in force for ``series``: its last accepted fit, or None.

    Returns
    -------
    dict or None
        The ``mmm.model_runs`` row (column to value) of the latest accepted fit by
        ``fitted_at``; None when there is none or the ledger does not exist yet.
    """
    if not has_table(conn, MODEL_RUNS):
        return None
    row = conn.execute(
        f"select * from {MODEL_RUNS} where segment = ? and outcome = ? and status = ? "  # noqa: S608
        "order by fitted_at desc limit 1",
        [series.segment, series.outcome, ACCEPTED],
    ).df()
    return None if row.empty else row.iloc[0].to_dict()


def series_in_marts(conn: DuckDBPyConnection) -> list[Series]:
    """Every segment x outcome with conversions in the marts.

    Returns
    -------
    list of Series
        One per distinct segment and outcome of ``marts.fct_conversions_weekly``, sorted.
    """
    rows = conn.execute(
        "select distinct segment, outcome from marts.fct_conversions_weekly order by all"
    ).fetchall()
    return [Series(segment, outcome) for segment, outcome in rows]


def readiness_verdict(conn: DuckDBPyConnection, series: Series) -> tuple[bool, str]:
    """The ``ALL``-geo readiness of a series, as judged by the quality stage.

    Returns
    -------
    ready : bool
        Whether ``mmm.readiness`` says the series can be fitted; False without a verdict.
    reasons : str
        Its reasons, "" when there are none; a note when there is no verdict at all.
    """
    rows = conn.execute(
        "select ready, reasons from mmm.readiness where segment = ? and outcome = ? "
        "and geo = 'ALL'",
        [series.segment, series.outcome],
    ).fetchall()
    if not rows:
        return False, "no readiness verdict (is it in the marts?)"
    ready, reasons = rows[0]
    return bool(ready), reasons or ""


class UntrustedModelFile(ValueError):
    """A run's ``artifact_path`` points outside the models folder; it is not loaded."""


def default_models_dir() -> Path:
    """``<data_dir>/models``: the one folder model files are written to and loaded from.

    Returns
    -------
    pathlib.Path
        ``models`` under the configured data folder; it need not exist.
    """
    return get_settings().data_dir / "models"


def load_model(run: dict, models_dir: Path | None = None) -> MMM:
    """The saved model of ``run``, from its file in the models folder (:func:`model_file`).

    Loading through here makes sure the components our models are built from
    (:class:`~mmm_pipeline.modeling.trend.TrainingScaledTrendEffect`) are registered
    with pymc-marketing's serializer first, and that a model fitted on scaled controls
    is rebuilt as one (:class:`ScaledControlsMMM`; models saved before that load as
    plain ``MMM``).

    Returns
    -------
    MMM
        The fitted model, rebuilt on its training data.
    """
    return load_model_file(model_file(run, models_dir))


def load_model_file(path: Path) -> MMM:
    """The model saved at ``path``, as the class it was fitted as.

    Returns
    -------
    MMM
        A :class:`ScaledControlsMMM` when the file says its controls were scaled, else a
        plain ``MMM``; rebuilt on its training data.
    """
    idata = load_idata(str(path))
    fitted_as = ScaledControlsMMM if idata.attrs.get(SCALING_ATTR) else MMM
    return fitted_as.load_from_idata(idata)


def model_file(run: dict, models_dir: Path | None = None) -> Path:
    """The model file of ``run``, refused unless it resolves inside the models folder.

    ``artifact_path`` is read from a warehouse table anyone with write access can edit,
    and loading a model file runs its contents; only files this pipeline wrote are loaded.
    A path outside the folder is still found where the pipeline writes it,
    ``<models_dir>/<segment>/<outcome>/<file name>``, so a moved data folder keeps working.

    Returns
    -------
    pathlib.Path
        The resolved ``artifact_path`` when it lies inside the models folder (it need not
        exist); else the run's file at its place in that folder, when that file exists.

    Raises
    ------
    UntrustedModelFile
        When the path resolves outside ``models_dir`` (default :func:`default_models_dir`).
    """
    base = models_dir if models_dir is not None else default_models_dir()
    try:
        return inside(base, str(run["artifact_path"]))
    except OutsideBaseFolder as error:
        # A data folder that was moved (or a warehouse copied next to another one): the
        # run's own file, by its place in this models folder, is still the pipeline's.
        name = Path(str(run["artifact_path"])).name
        try:
            relocated = inside(base, str(run["segment"]), str(run["outcome"]), name)
        except OutsideBaseFolder:
            relocated = None
        if relocated is not None and relocated.is_file():
            return relocated
        raise UntrustedModelFile(
            f"run {run.get('run_id')} of {run.get('segment')} x {run.get('outcome')}: "
            f"artifact_path {run['artifact_path']!r} is outside the models folder {base}; "
            "it was not loaded. Refit the series, or restore its file under that folder"
        ) from error


def model_in_force(
    conn: DuckDBPyConnection, series: Series, models_dir: Path | None = None
) -> dict | None:
    """The last accepted run of ``series`` whose model file is still there, or None.

    When that run's file lies outside the models folder, :func:`model_file` raises
    :class:`UntrustedModelFile`, and it is not caught here.

    Returns
    -------
    dict or None
        The last accepted run (as from :func:`last_accepted`); None when there is none or
        its model file is missing (logged as a warning).
    """
    run = last_accepted(conn, series)
    if run is not None and not model_file(run, models_dir).is_file():
        log.warning("%s: model file %s is missing", series, run["artifact_path"])
        return None
    return run


def artifact_path(models_dir: Path, series: Series, run_id: str) -> Path:
    """Where a fit's model file goes: one folder per series, one file per run.

    Unsafe series names, or a file that would land outside ``models_dir``, raise
    ``ValueError`` from :meth:`Series.folder` and ``safe_paths.inside`` (its subclass
    ``OutsideBaseFolder``).

    Returns
    -------
    pathlib.Path
        ``<models_dir>/<segment>/<outcome>/<run_id>.nc``, resolved; it need not exist.
    """
    return inside(series.folder(models_dir), f"{run_id}.nc")
