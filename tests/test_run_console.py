"""What `mmm run` shows: a line per step on the terminal, everything else in the log file."""

import io
import logging
import sys
from pathlib import Path

import dagster as dg
from rich.console import Console

from mmm_pipeline.run_console import RunConsole, StageLines, run_console


@dg.asset
def loaded() -> dg.MaterializeResult:
    print("a library talking on stdout")
    logging.getLogger("chatty_library").warning("a library logging to its own handler")
    return dg.MaterializeResult(metadata={"rows": dg.MetadataValue.int(12)})


@dg.asset(deps=[loaded])
def judged(context: dg.AssetExecutionContext) -> None:
    context.log.warning("something to look at")


JOB = dg.Definitions(assets=[loaded, judged], jobs=[dg.define_asset_job("tiny")]).resolve_job_def(
    "tiny"
)


def _run(console: RunConsole) -> dg.ExecuteInProcessResult:
    job, run_config = console.job(JOB)
    # Held in a name: an instance only referenced by the call can be collected mid-run.
    with dg.DagsterInstance.ephemeral() as instance:
        return job.execute_in_process(run_config=run_config, instance=instance)


def test_the_terminal_gets_a_line_per_step_and_the_log_gets_the_rest(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    terminal = io.StringIO()
    # A library that set up its own handler on stderr when it was imported (as pymc does).
    library = logging.getLogger("chatty_library")
    library.handlers = [logging.StreamHandler(sys.stderr)]
    library.propagate = False
    with run_console(log) as console:
        console.console = Console(file=terminal, highlight=False)
        assert console.stages is not None
        console.stages.console = console.console
        assert _run(console).success
    lines = terminal.getvalue().splitlines()
    assert lines == [
        "  loaded ...",
        "  ✓ loaded: 12 rows in 1 table(s) (0 s)",
        "  judged ...",
        "  ✓ judged (0 s)",
    ]
    assert console.stages.warnings == 1
    logged = log.read_text()
    for expected in ("STEP_START", "a library talking on stdout", "its own handler"):
        assert expected in logged
    assert library.handlers[0].stream is sys.stderr  # put back afterwards


def test_verbose_keeps_dagsters_own_console_logger() -> None:
    with run_console(None) as console:
        job, run_config = console.job(JOB)
    assert job is JOB and run_config is None and console.stages is None


@dg.asset
def broken() -> None:
    raise ValueError("the export has no spend column\nand more detail")


# Resolved at import, as JOB is: resolving definitions inside a test reads Dagster's
# definitions-state storage, which can hold a weak reference to another test's instance.
BROKEN_JOB = dg.Definitions(assets=[broken], jobs=[dg.define_asset_job("b")]).resolve_job_def("b")


def test_a_failed_step_says_why_in_one_line() -> None:
    job = BROKEN_JOB
    terminal = io.StringIO()
    stages = StageLines(Console(file=terminal, highlight=False))
    console = RunConsole(stages.console, Path("/dev/null"), stages, io.StringIO())
    configured, run_config = console.job(job)
    with dg.DagsterInstance.ephemeral() as instance:
        result = configured.execute_in_process(
            run_config=run_config, instance=instance, raise_on_error=False
        )
    assert not result.success
    assert "  ✗ broken failed: ValueError: the export has no spend column" in terminal.getvalue()
