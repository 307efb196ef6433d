"""Fit one series end to end: readiness, panel, calibration, fit, gates, save, publish.

The Dagster asset is a thin shell around :func:`fit_series`, so the same steps run from
the UI, from ``mmm run`` and from benchmarks. Order matters for "never publish a bad
model": everything is computed (fit, tables, plots) before anything is published; the
model file is saved under a temporary name and renamed; the accepted model's tables and
the ledger row are published in one transaction, so readers never see a ledger entry
without its results or one fit's ROI beside another's parameters.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from duckdb import DuckDBPyConnection
from pymc_marketing.mmm import MMM

from mmm_pipeline.modeling.escalation import Attempt, first_attempt, next_attempt, what_to_do
from mmm_pipeline.modeling.fingerprint import (
    SHOWN_DIGEST,
    fit_fingerprint,
    fit_reason,
    latest_run,
    part_digests,
    reusable_run,
)
from mmm_pipeline.modeling.forecast_scoring import held_out_forecasts
from mmm_pipeline.modeling.funnel import ledger_columns
from mmm_pipeline.modeling.panel import DATE, ModelPanel
from mmm_pipeline.modeling.panel_fit import PROFILES, FitOutcome, fit_panel
from mmm_pipeline.modeling.posterior import channel_draws
from mmm_pipeline.modeling.progress import Say, quiet
from mmm_pipeline.modeling.results import (
    CHANNEL_PARAMETER_COLUMNS,
    CHANNEL_ROI_COLUMNS,
    EXPERIMENT_AGREEMENT_COLUMNS,
    channel_parameters,
    channel_roi,
    experiment_agreement,
    exposure_rows,
    survey_recall,
)
from mmm_pipeline.modeling.runs import (
    ACCEPTED,
    REJECTED,
    artifact_path,
    load_model,
    model_file,
    run_record,
)
from mmm_pipeline.modeling.series import Series
from mmm_pipeline.modeling.series_inputs import SeriesInputs, read_inputs
from mmm_pipeline.modeling.specification import load_model_config
from mmm_pipeline.publish import publish, slice_replacement

HOLDOUT_WEEKS = 8
# Bit-identical refits across processes also need PYTHONHASHSEED fixed
# (docs/notes/pymc-marketing-1.3.md).
SEED = 20_240_101
RESULT_TABLES = {
    "mmm.channel_roi": CHANNEL_ROI_COLUMNS,
    "mmm.channel_parameters": CHANNEL_PARAMETER_COLUMNS,
    "mmm.experiment_agreement": EXPERIMENT_AGREEMENT_COLUMNS,
}


@dataclass
class SeriesFit:
    """What one fit produced: its ledger row, the fit, and (if accepted) its tables.

    A fit skipped because nothing it reads changed (``reused``) has the earlier run's
    ledger row, no ``outcome`` and no tables: nothing is published.
    """

    run: dict
    outcome: FitOutcome | None
    panel: ModelPanel
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    reused: bool = False

    @property
    def accepted(self) -> bool:
        """True when the fit passed every gate and its tables were published."""
        return self.run["status"] == ACCEPTED


def _save(outcome: FitOutcome, path: Path) -> None:
    """pymc-marketing's own save, written beside the target and renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".nc.partial")
    outcome.mmm.save(str(partial))
    os.replace(partial, path)


def fit_series(
    connect: Callable[[], AbstractContextManager[DuckDBPyConnection]],
    series: Series,
    profile: str,
    data_dir: Path,
    interval_level: float,
    dagster_run_id: str | None = None,
    say: Say = quiet,
    refit: bool = False,
) -> SeriesFit:
    """Fit, judge, save and (if accepted) publish the model of one series.

    Unless ``refit``, a series whose inputs, settings and code have the fingerprint of
    its last completed fit (fingerprint.py) is not fitted again: that run is returned
    as ``reused`` and nothing is published, so every table stays as it was.

    A rejected fit is tried again as :mod:`escalation` documents (longer sampling, then
    a simpler specification); every attempt is a row in ``mmm.model_runs``, and the
    first accepted one is published. When every attempt is rejected, the last one's row
    carries ``advice`` in words and the model in force (if any) stays in force.

    The warehouse is opened briefly: to read the inputs, and to publish each attempt.
    DuckDB has one writer per file, so holding a connection through minutes of sampling
    would lock out every reader (``mmm query``, the UI) for that long. ``connect`` must
    close its connection when the block fails too, as ``resources.Warehouse`` does.

    When ``mmm.readiness`` says the series is not ready, :func:`read_inputs` raises
    :class:`NotReady` before anything is fitted.

    Returns
    -------
    SeriesFit
        The last attempt: the first accepted one with its published tables, or the last
        rejected one, its ledger row carrying the advice.
    """
    say(f"{series.key}: reading inputs from the warehouse")
    config = load_model_config()
    settings = {
        "config": config.model_dump(mode="json"),
        "profile": profile,
        "sampling": asdict(PROFILES[profile]),
        "seed": SEED,
        "holdout_weeks": HOLDOUT_WEEKS,
        "interval_level": interval_level,
    }
    with connect() as conn:
        inputs = read_inputs(conn, series, interval_level)
        parts = part_digests(inputs, settings)
        fingerprint = fit_fingerprint(parts)
        previous = latest_run(conn, series)
    reused = None if refit else reusable_run(previous, fingerprint, data_dir / "models")
    if reused is not None:
        say(f"{series.key}: inputs unchanged since fit {reused['run_id']}; not refitted")
        return SeriesFit(run=reused, outcome=None, panel=inputs.panel, reused=True)
    why = fit_reason(previous, fingerprint, parts, refit)
    say(f"{series.key}: fitting ({why})")
    tried = [first_attempt(PROFILES[profile], config)]
    while True:
        attempt = tried[-1]
        fitted = _fit_once(
            inputs, series, attempt, len(tried), profile, data_dir, dagster_run_id, say
        )
        fitted.run |= {
            "input_fingerprint": fingerprint,
            "input_parts": json.dumps(
                {name: digest[:SHOWN_DIGEST] for name, digest in parts.items()}, sort_keys=True
            ),
            "fit_reason": why,
        }
        recall, recall_level = survey_recall(
            fitted.outcome.mmm,
            set(fitted.outcome.lift["channel"]),
            attempt.config.media_prior.survey_recall.assumed_level is not None,
            interval_level,
        )
        fitted.run |= recall_level
        following = None if fitted.accepted else next_attempt(tried, fitted.outcome.reasons)
        if fitted.accepted:
            say(f"{series.key}: contributions, ROI and lift-test agreement from the posterior")
            fitted.tables = _result_tables(series, fitted, inputs, interval_level, data_dir, recall)
        elif following is None:
            fitted.run["advice"] = what_to_do(fitted.outcome.reasons)
        writes = [
            slice_replacement(table, RESULT_TABLES[table], frame, series._asdict())
            for table, frame in fitted.tables.items()
        ]
        writes.append(held_out_forecasts(fitted.outcome, fitted.panel, fitted.run, interval_level))
        say(f"{series.key}: publishing")
        with connect() as conn:
            publish(conn, [*writes, run_record(fitted.run)])
        if following is None:
            return fitted
        say(f"{series.key}: attempt {len(tried)} rejected; trying again with {following.label}")
        tried.append(following)


def _fit_once(
    inputs: SeriesInputs,
    series: Series,
    attempt: Attempt,
    number: int,
    profile: str,
    data_dir: Path,
    dagster_run_id: str | None,
    say: Say,
) -> SeriesFit:
    """One attempt: fit, gate and save the model; its ledger row, not yet published.

    Returns
    -------
    SeriesFit
        The attempt's ``mmm.model_runs`` row (status, diagnostics, model file, attempt
        and funnel columns), its fit and panel; no tables yet.
    """
    panel = inputs.panel
    sampling = attempt.profile
    outcome = fit_panel(
        panel,
        inputs.calibration.measurements,
        sampling,
        HOLDOUT_WEEKS,
        SEED,
        config=attempt.config,
        say=say,
    )
    say(
        f"{series.key}: {'accepted' if outcome.accepted else 'rejected'} "
        f"({'; '.join(outcome.reasons) or 'every gate passed'}); saving the model"
    )
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    path = artifact_path(data_dir / "models", series, run_id)
    _save(outcome, path)
    weeks = panel.frame[DATE]
    run = {
        "run_id": run_id,
        "segment": series.segment,
        "outcome": series.outcome,
        "fitted_at": datetime.now(UTC),
        "status": ACCEPTED if outcome.accepted else REJECTED,
        "max_rhat": outcome.max_rhat,
        "min_ess": outcome.min_ess,
        "divergences": outcome.divergences,
        **outcome.geometry,
        "holdout_mape": outcome.holdout_mape,
        "artifact_path": str(path),
        "reasons": "; ".join(outcome.reasons),
        "naive_mape": outcome.naive_mape,
        "profile": profile,
        "sampler": sampling.nuts_sampler,
        "fit_seconds": outcome.seconds,
        "first_week": weeks.min().date(),
        "last_week": weeks.max().date(),
        "holdout_weeks": HOLDOUT_WEEKS,
        "geos": ",".join(panel.geos),
        "channels": ",".join(panel.channels),
        "lift_tests": outcome.lift["experiment_id"].nunique() if not outcome.lift.empty else 0,
        "dagster_run_id": dagster_run_id,
        "attempt": number,
        "attempt_label": attempt.label,
        "draws": sampling.draws,
        "tune": sampling.tune,
        "advice": None,
        **ledger_columns(inputs.funnel),
    }
    return SeriesFit(run=run, outcome=outcome, panel=panel)


def _horizons_from(inputs: SeriesInputs, data_dir: Path) -> tuple[MMM, np.ndarray] | None:
    """A downstream series' horizons: its upstream model's kernel, then the funnel's lag.

    None (the series' own kernel) when the upstream model's file is gone: the fit is
    still published, with horizons that leave out the sales cycle.

    Returns
    -------
    tuple of (MMM, numpy.ndarray) or None
        The upstream model, loaded, and the funnel's lag weights per week up to
        ``max_lag_weeks``; None as above, or for a series without a funnel.
    """
    if inputs.funnel is None or inputs.upstream_run is None:
        return None
    if not model_file(inputs.upstream_run, data_dir / "models").is_file():
        return None
    upstream = load_model(inputs.upstream_run, data_dir / "models")
    return upstream, inputs.funnel.weights(load_model_config().funnel.max_lag_weeks)


def _result_tables(
    series: Series,
    fitted: SeriesFit,
    inputs: SeriesInputs,
    level: float,
    data_dir: Path,
    recall: pd.DataFrame,
) -> dict[str, pd.DataFrame]:
    mmm = fitted.outcome.mmm
    draws = channel_draws(mmm, fitted.panel)
    labels = {"run_id": fitted.run["run_id"], **series._asdict()}
    agreement = experiment_agreement(
        mmm, fitted.outcome.lift, inputs.experiments, dict(inputs.calibration.skipped), level
    )
    return {
        "mmm.channel_roi": channel_roi(draws, inputs.value_per_conversion, level).assign(**labels),
        "mmm.channel_parameters": channel_parameters(
            mmm,
            draws,
            level,
            _horizons_from(inputs, data_dir),
            recall.join(exposure_rows(fitted.panel.exposure), how="outer"),
        ).assign(**labels),
        "mmm.experiment_agreement": agreement.assign(**labels),
    }
