"""What ``mmm run`` shows a person: one line per stage, the rest in a log file.

A run is Dagster's event stream, dbt's line per node, great-expectations' and the
samplers' progress and library warnings: 700-odd lines for one run, in which nobody sees
where the run is or what went wrong. Dagster's own CLI, dbt and pymc-marketing each show
a line per stage or a bar and keep the rest in a log, and so does this:

- the jobs run with two Dagster loggers instead of the console one (Dagster's switch
  for where its events go): :class:`StageLines` turns step starts, successes and
  failures into one line each on the terminal, with what the step made (files and rows,
  models and tests, findings, a fit's verdict), and a live indicator while a fit
  samples; the other writes every event, at DEBUG, to the run's log file;
- whatever libraries print or warn while the jobs run (dbt's node lines, which
  dagster-dbt writes to ``sys.stdout``; progress bars; ``warnings``, through
  :func:`logging.captureWarnings`; loggers with their own stream handlers, through
  :meth:`logging.StreamHandler.setStream`) goes to the same file;
- the summary then names the file and counts the warnings in it.

``--verbose`` keeps Dagster's console logger and the libraries' own output instead. Fit
workers in other processes (``--parallel``) find the log file in :data:`LOG_ENV`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import dagster as dg
from rich.console import Console
from rich.status import Status

LOG_ENV = "MMM_RUN_LOG"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
STEP_LABELS = {
    "mmm_dbt_models": "dbt build",
    "mmm__data_quality_issues": "quality checks",
    "mmm__readiness": "MMM readiness",
    "attribution": "attribution",
    "mmm__outcome_comparison": "outcome comparison",
    "mmm__time_horizons": "time horizons",
    "planning": "budget plans",
    "mmm__report": "report",
}
RAW_PREFIX = "raw__"
FIT_STEP = "series_model"


@dataclass
class StepFacts:
    """What a step made, gathered from its events until it ends."""

    started: float = field(default_factory=time.perf_counter)
    materialized: list[dict[str, Any]] = field(default_factory=list)
    checks_passed: int = 0
    checks_failed: int = 0


class StageLines(logging.Handler):
    """A logging handler for Dagster's events that prints one line per step to ``console``.

    Steps that load a raw source print when they end; every other step prints when it
    starts and when it ends. While a fit samples, its heartbeat (``progress.heartbeat``)
    updates a transient status on a terminal and prints nothing elsewhere. Warnings and
    errors logged by the steps are counted for the summary.
    """

    def __init__(self, console: Console) -> None:
        super().__init__(level=logging.DEBUG)
        self.console = console
        self.warnings = 0
        self._steps: dict[str, StepFacts] = defaultdict(StepFacts)
        self._status: Status | None = None

    def emit(self, record: logging.LogRecord) -> None:
        """Turn one Dagster log record into a line, a status update or a count."""
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        label = _label(step, (meta.get("job_tags") or {}).get("dagster/partition"))
        if event is None:
            if record.levelno >= logging.WARNING:
                self.warnings += 1
            elif step == FIT_STEP:
                self._heartbeat(label, str(meta.get("orig_message", "")))
            return
        kind = event.event_type
        facts = self._steps[f"{meta.get('run_id')}:{step}"]
        if kind == dg.DagsterEventType.STEP_START:
            facts.started = time.perf_counter()
            if not step.startswith(RAW_PREFIX):
                self.console.print(f"  {label} ...")
        elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
            facts.materialized.append(_metadata(event.event_specific_data.materialization))
        elif kind == dg.DagsterEventType.ASSET_OBSERVATION:
            facts.materialized.append(_metadata(event.event_specific_data.asset_observation))
        elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            if event.event_specific_data.passed:
                facts.checks_passed += 1
            else:
                facts.checks_failed += 1
        elif kind == dg.DagsterEventType.STEP_SUCCESS:
            self._stop_status()
            seconds = time.perf_counter() - facts.started
            made = _made(step, facts)
            made = f": {made}" if made else ""
            self.console.print(f"  [green]✓[/] {label}{made} ({seconds:.0f} s)")
        elif kind == dg.DagsterEventType.STEP_FAILURE:
            self._stop_status()
            self.console.print(f"  [red]✗[/] {label} failed: {_root_message(event)}")

    def _heartbeat(self, label: str, message: str) -> None:
        if not self.console.is_terminal:
            return
        text = f"  {label}: {message}"
        if self._status is None:
            self._status = self.console.status(text)
            self._status.start()
        else:
            self._status.update(text)

    def _stop_status(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None


def _root_message(event: dg.DagsterEvent) -> str:
    """The first line of the innermost error of a failed step: what the user's code raised.

    Returns
    -------
    str
        For example ``ValueError: the export has no spend column``.
    """
    error = event.event_specific_data.error
    if error is None:
        return "failed"
    while error.cause is not None:
        error = error.cause
    return error.message.strip().splitlines()[0]


def _label(step: str, partition: str | None) -> str:
    if step.startswith(RAW_PREFIX):
        return f"load {step.removeprefix(RAW_PREFIX)}"
    if step == FIT_STEP:
        return f"fit {partition}" if partition else "fit"
    return STEP_LABELS.get(step, step)


def _metadata(event: dg.AssetMaterialization | dg.AssetObservation) -> dict[str, Any]:
    metadata = event.metadata
    return {name: getattr(value, "value", value) for name, value in metadata.items()}


def _made(step: str, facts: StepFacts) -> str:
    """A step's outcome in a few words, from its materializations and checks.

    Returns
    -------
    str
        Files and rows for a load, models and tests for dbt, findings, readiness, a
        fit's verdict and fit figures, else the rows written; '' when none is known.
    """
    first = facts.materialized[0] if facts.materialized else {}
    checks = facts.checks_passed + facts.checks_failed
    if step.startswith(RAW_PREFIX) and "rows_added" in first:
        return (
            f"{first['new_deliveries']} new file(s), {first['rows_added']:,} rows added "
            f"({first['raw_row_count']:,} in all)"
        )
    if step == "mmm_dbt_models":
        return f"{len(facts.materialized)} models, {facts.checks_passed} of {checks} tests passed"
    if "findings" in first:
        return f"{first['findings']} finding(s), {facts.checks_failed} of {checks} checks warn"
    if "ready" in first:
        return f"{first['ready']} series ready, {first['not_ready']} not"
    if "reused_run_id" in first:
        return f"not refitted, nothing it reads changed since fit {first['reused_run_id']}"
    if "status" in first:
        return (
            f"{first['status']}, R-hat {first['max_rhat']:.3f}, ESS {first['min_ess']:.0f}, "
            f"{first['divergences']} divergence(s)"
        )
    if "path" in first:
        return str(first["path"])
    counted = [int(m["rows"]) for m in facts.materialized if "rows" in m]
    return f"{sum(counted):,} rows in {len(counted)} table(s)" if counted else ""


@dataclass
class RunConsole:
    """Where a run's lines go: the terminal for stages, ``log_path`` for everything else.

    ``log_path`` is None in verbose mode: the jobs keep Dagster's console logger.
    """

    console: Console
    log_path: Path | None
    stages: StageLines | None = None
    # The log file, open for the run: Dagster's events are written to it too.
    log: TextIO | None = None

    def job(self, job: dg.JobDefinition) -> tuple[dg.JobDefinition, dict | None]:
        """The job with this console's loggers, and the run config that selects them.

        Returns
        -------
        tuple of (dagster.JobDefinition, dict or None)
            ``job`` unchanged and no run config in verbose mode; else a copy whose
            loggers are the stage lines and the log file.
        """
        if self.log is None or self.stages is None:
            return job, None
        stage_logger = _logger("mmm.run.stages", self.stages)
        events = logging.StreamHandler(self.log)
        events.setFormatter(logging.Formatter(LOG_FORMAT))
        file_logger = _logger("mmm.run.events", events)
        loggers = {
            "stages": dg.LoggerDefinition(lambda _: stage_logger),
            "run_log": dg.LoggerDefinition(lambda _: file_logger),
        }
        return job.with_logger_defs(loggers), {"loggers": {name: {} for name in loggers}}

    def print(self, text: str) -> None:
        """Print a line of our own to the terminal."""
        self.console.print(text, highlight=False)


def _logger(name: str, handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.handlers = [handler]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger


def log_path_for(data_dir: Path) -> Path:
    """A new log file for a run started now, under ``data_dir/logs``.

    Returns
    -------
    pathlib.Path
        ``data_dir/logs/run-<UTC time>.log``; the folder is made.
    """
    folder = data_dir / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"run-{datetime.now(UTC):%Y%m%dT%H%M%S}.log"


@contextlib.contextmanager
def run_console(log_path: Path | None) -> Iterator[RunConsole]:
    """Show stages on the terminal and send everything else to ``log_path``.

    With ``log_path`` None (``--verbose``) nothing is redirected. Otherwise, for the
    block: ``sys.stdout`` and ``sys.stderr`` write to the file, warnings are logged
    there, and stream handlers that write to the terminal are pointed at it; all is put
    back afterwards. Fit workers started in the block find the file in :data:`LOG_ENV`.

    Yields
    ------
    RunConsole
        The console to print stage lines and to configure the jobs with.
    """
    terminal = Console(file=sys.stdout, highlight=False, soft_wrap=True)
    if log_path is None:
        yield RunConsole(terminal, None)
        return
    with log_path.open("a", encoding="utf-8") as log, _redirected(log):
        os.environ[LOG_ENV] = str(log_path)
        try:
            yield RunConsole(terminal, log_path, StageLines(terminal), log)
        finally:
            os.environ.pop(LOG_ENV, None)


@contextlib.contextmanager
def _redirected(log: TextIO) -> Iterator[None]:
    """Point stdout, stderr, warnings and terminal stream handlers at ``log`` for the block."""
    terminal_streams = (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)
    moved: list[tuple[logging.StreamHandler, TextIO]] = []
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if type(handler) is logging.StreamHandler and handler.stream in terminal_streams:
                moved.append((handler, handler.setStream(log)))
    root_handler = logging.StreamHandler(log)
    root_handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(root_handler)
    logging.captureWarnings(True)
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            yield
    finally:
        logging.captureWarnings(False)
        root.removeHandler(root_handler)
        for handler, stream in moved:
            handler.setStream(stream)


@contextlib.contextmanager
def worker_console() -> Iterator[RunConsole]:
    """The console of a fit worker process: the parent's log file, if it has one.

    Yields
    ------
    RunConsole
        As from :func:`run_console` with the file named in :data:`LOG_ENV`.
    """
    path = os.environ.get(LOG_ENV)
    with run_console(Path(path) if path else None) as console:
        yield console
