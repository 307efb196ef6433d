"""A fit's fingerprint: everything it reads, so a rerun on the same inputs can skip it.

A refit on unchanged data costs minutes a series and is not even a no-op: the posterior
of a refit differs with the state of PyTensor's compile cache, so published numbers
moved although nothing the fit reads had changed. So each ledger row of
``mmm.model_runs`` carries the SHA-256 of what went into it:

- the data: the model panel (target, spend, controls on every week and geo), the
  tracking shares or funnel prior on it, the lift-test measurements and the tests
  skipped, the series' experiments and its value per conversion;
- the upstream run a downstream series' prior came from (a refit upstream refits it);
- the model configuration as resolved, the sampling profile, seed and holdout, and the
  interval level of the published tables;
- the code: the source of the package modules a fit runs and the versions of the
  libraries that sample it.

:func:`reusable_run` says whether the series' latest ledger row is what a fit with
this fingerprint would repeat.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.modeling.runs import ACCEPTED, MODEL_RUNS, model_file
from mmm_pipeline.modeling.series import Series
from mmm_pipeline.modeling.series_inputs import SeriesInputs
from mmm_pipeline.publish import has_table

PACKAGE = Path(__file__).resolve().parents[1]
# The modules a fit runs (its inputs, model, gates, posterior tables and publishing).
FIT_SOURCES = ("modeling/*.py", "modeling/model.yaml", "marts.py", "publish.py")
SHOWN_DIGEST = 12
LIBRARIES = ("pymc-marketing", "pymc", "pytensor", "nutpie", "numpy", "arviz")


def _rounded(values: dict[str, float]) -> list[tuple[str, str]]:
    """Shares and spreads to 12 significant digits: sums in another order differ in the last bits.

    Returns
    -------
    list of tuple of (str, str)
        Sorted by name.
    """
    return [(name, f"{value:.12g}") for name, value in sorted(values.items())]


def _frame_digest(frame: pd.DataFrame | pd.Series | None) -> str:
    if frame is None:
        return "none"
    hashed = pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes()
    columns = list(frame.columns) if isinstance(frame, pd.DataFrame) else [frame.name]
    return hashlib.sha256(repr(columns).encode() + hashed).hexdigest()


def code_version() -> str:
    """The fit's code: its package sources and the sampling libraries' versions.

    Returns
    -------
    str
        A SHA-256 over the bytes of :data:`FIT_SOURCES` (in path order) and the
        installed versions of :data:`LIBRARIES`.
    """
    digest = hashlib.sha256()
    for pattern in FIT_SOURCES:
        for path in sorted(PACKAGE.glob(pattern)):
            digest.update(path.relative_to(PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    for library in LIBRARIES:
        digest.update(f"{library}=={metadata.version(library)}".encode())
    return digest.hexdigest()


def fit_fingerprint(parts: dict[str, str]) -> str:
    """The SHA-256 of a fit's part digests (:func:`part_digests`).

    Returns
    -------
    str
        Hex digest; equal for two fits exactly when they read the same.
    """
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def fingerprint_parts(inputs: SeriesInputs, settings: dict) -> dict:
    """What a fit reads, part by part: its inputs, ``settings`` and the code that runs it.

    ``settings`` holds what the caller decides (configuration, profile, seed, holdout,
    interval level) as JSON-serialisable values.

    Returns
    -------
    dict
        Part name to a digest or a JSON-serialisable value.
    """
    panel = inputs.panel
    return {
        "panel": _frame_digest(panel.frame),
        "channels": panel.channels,
        "controls": panel.controls,
        "prior_shares": _rounded(panel.prior_shares),
        "prior_share_sigmas": _rounded(panel.prior_share_sigmas),
        "survey_channels": list(panel.survey_channels),
        "lift": _frame_digest(inputs.calibration.measurements),
        "lift_skipped": sorted(inputs.calibration.skipped),
        "experiments": _frame_digest(inputs.experiments),
        "value_per_conversion": _frame_digest(inputs.value_per_conversion),
        "funnel": asdict(inputs.funnel) if inputs.funnel else None,
        "upstream_run": (inputs.upstream_run or {}).get("run_id"),
        "settings": settings,
        "code": code_version(),
    }


def part_digests(inputs: SeriesInputs, settings: dict) -> dict[str, str]:
    """The SHA-256 of each part of what a fit reads (:func:`fingerprint_parts`).

    Returns
    -------
    dict of str to str
        Part name to hex digest; the ledger keeps their first :data:`SHOWN_DIGEST`
        digits, so a refit can say which parts moved.
    """
    return {
        name: hashlib.sha256(json.dumps(part, sort_keys=True, default=str).encode()).hexdigest()
        for name, part in fingerprint_parts(inputs, settings).items()
    }


def changed_parts(before: dict[str, str], now: dict[str, str]) -> list[str]:
    """The parts whose digests differ, in words ("panel", "lift tests", "code").

    Returns
    -------
    list of str
        Names of the parts that differ or exist on one side only, sorted.
    """
    names = sorted(before.keys() | now.keys())
    return [
        name.replace("_", " ")
        for name in names
        if (before.get(name) or "")[:SHOWN_DIGEST] != (now.get(name) or "")[:SHOWN_DIGEST]
    ]


def latest_run(conn: DuckDBPyConnection, series: Series) -> dict | None:
    """The series' latest ``mmm.model_runs`` row, whatever its status, or None.

    Returns
    -------
    dict or None
        Column to value (``input_fingerprint`` None for ledgers from before it existed);
        None when the series has no row or there is no ledger yet.
    """
    if not has_table(conn, MODEL_RUNS):
        return None
    latest = conn.execute(
        f"select * from {MODEL_RUNS} where segment = ? and outcome = ? "  # noqa: S608
        "order by fitted_at desc, attempt desc limit 1",
        [series.segment, series.outcome],
    ).df()
    if latest.empty:
        return None
    run = latest.iloc[0].to_dict()
    run.setdefault("input_fingerprint", None)
    return run


def reusable_run(run: dict | None, fingerprint: str, models_dir: Path) -> dict | None:
    """``run`` when a fit with ``fingerprint`` would only repeat it, else None.

    ``run`` is the series' latest ledger row (:func:`latest_run`). It is reused when it
    has this fingerprint and ended the fit: an accepted run whose model file is still
    there, or the last of the attempts that were all rejected (it carries ``advice``). A
    run stopped between attempts is not reused.

    Returns
    -------
    dict or None
        The ``mmm.model_runs`` row, or None: refit.
    """
    if run is None or run.get("input_fingerprint") != fingerprint:
        return None
    if run["status"] == ACCEPTED:
        return run if model_file(run, models_dir).is_file() else None
    return run if isinstance(run.get("advice"), str) else None


def fit_reason(previous: dict | None, fingerprint: str, parts: dict[str, str], refit: bool) -> str:
    """Why this series is fitted now, in words for the ledger and the run summary.

    Returns
    -------
    str
        A refit asked for, a first fit, what changed since the last fit (the parts of
        the fingerprint that differ, where the last fit recorded them), or a last fit
        that did not finish its attempts.
    """
    if refit:
        return "refit requested"
    if previous is None:
        return "first fit of this series"
    if previous.get("input_fingerprint") != fingerprint:
        before = previous.get("input_parts")
        changed = changed_parts(json.loads(before), parts) if isinstance(before, str) else []
        what = ", ".join(changed) if changed else "inputs, settings or code"
        return f"{what} changed since fit {previous['run_id']}"
    return f"fit {previous['run_id']} had these inputs but did not finish its attempts"
