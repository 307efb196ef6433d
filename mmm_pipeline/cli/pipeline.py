"""``mmm simulate``, ``mmm run`` and ``mmm demo``: a landing zone, and the run over it."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from mmm_pipeline.cli.environment import apply_overrides
from mmm_pipeline.settings import Settings
from mmm_pipeline.warehouse_lock import open_warehouse


def cmd_simulate(args: argparse.Namespace) -> int:
    """Write a synthetic landing zone and its ground truth.

    Returns
    -------
    int
        0 once the landing zone is written, 2 when the folder holds another simulation.
    """
    from mmm_pipeline.simulate import LandingZoneNotEmpty, SimulationConfig, simulate

    config = SimulationConfig(
        seed=args.seed,
        weeks=args.weeks,
        geos=args.geos,
        scale=args.scale,
        touchpoints=not args.no_touchpoints,
        incidents=not args.no_incidents,
        channels=args.channels,
        lift_tests=args.lift_tests,
        cpm_season=args.cpm_season,
    )
    out = Path(args.out).resolve()
    started = time.perf_counter()
    try:
        simulate(out, config)
    except LandingZoneNotEmpty as error:
        print(f"mmm simulate: {error}", file=sys.stderr)
        return 2
    files = sorted(p for p in out.rglob("*") if p.is_file())
    print(
        f"Simulated {config.weeks} weeks, {config.geos} geos (seed {config.seed}) into {out} "
        f"in {time.perf_counter() - started:.1f} s: {len(files)} files, "
        f"truth in {out / 'ground_truth.json'}"
    )
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Materialize every asset once, in process, through Dagster.

    Returns
    -------
    int
        The exit status of the run (see ``run_pipeline``), or 2 for a ``--parallel`` below 1.
    """
    if args.parallel is not None:
        if args.parallel < 1:
            print("mmm run: --parallel must be at least 1", file=sys.stderr)
            return 2
        os.environ["MMM_FIT_PARALLELISM"] = str(args.parallel)
    if args.refit:
        os.environ["MMM_REFIT"] = "1"
    settings = apply_overrides(args.landing, args.warehouse, args.profile)
    return run_pipeline(settings, verbose=args.verbose)


def run_pipeline(settings: Settings, verbose: bool = False) -> int:
    """Run the data job, one fit per ready series, then the reports; print the summary.

    Three in-process Dagster jobs because a job holds one partitioning: ``mmm_data``
    (which also registers the series found in the data as partitions), ``mmm_fit`` once
    per series that ``mmm.readiness`` judged ready, and ``mmm_report``. The terminal
    gets one line per stage and the summary; everything else goes to a log file under
    the data folder (run_console.py), or to the terminal too with ``verbose``.

    Returns
    -------
    int
        0 when every job succeeded, 1 when one failed, 2 when the landing zone is missing.
    """
    import dagster as dg

    from mmm_pipeline.definitions import defs
    from mmm_pipeline.modeling.funnel import upstream_first
    from mmm_pipeline.modeling.funnel_prior import read_links
    from mmm_pipeline.modeling.series import Series
    from mmm_pipeline.parallel_fits import run_fits
    from mmm_pipeline.run_console import log_path_for, run_console
    from mmm_pipeline.run_summary import summarize

    if not settings.landing_dir.is_dir():
        print(
            f"mmm run: landing zone {settings.landing_dir} does not exist; create it with one "
            "folder per source, or run `mmm demo` for simulated data",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    log_path = None if verbose else log_path_for(settings.data_dir)
    with run_console(log_path) as console, dg.DagsterInstance.get() as instance:
        console.print(f"mmm run: {settings.landing_dir} -> {settings.warehouse}")
        results = [_execute(defs, "mmm_data", instance, console)]
        if results[0].success:
            with open_warehouse(settings.warehouse, read_only=True) as conn:
                ready = conn.execute(
                    "select segment, outcome from mmm.readiness "
                    "where geo = 'ALL' and ready order by 1, 2"
                ).fetchall()
                links = read_links(conn)
            # A downstream series (pipeline) takes its prior from its upstream series'
            # model in force (funnel.py), so the upstream one is fitted first.
            ordered = upstream_first(ready, links)
            keys = [Series(segment, outcome).key for segment, outcome in ordered]
            results += run_fits(defs, instance, keys, settings.fit_parallelism, console)
            results.append(_execute(defs, "mmm_report", instance, console))
    summary = summarize(
        results, time.perf_counter() - started, settings.landing_dir, settings.warehouse
    )
    summary.log_path = log_path
    summary.logged_warnings = console.stages.warnings if console.stages else 0
    print(summary.render())
    return 0 if summary.success else 1


def _execute(defs, job_name: str, instance, console):
    """Run one unpartitioned job in process, its lines going where ``console`` says.

    Returns
    -------
    dagster.ExecuteInProcessResult
        The job's result; a failure is recorded in it, not raised.
    """
    console.print(f"{job_name}:")
    job, run_config = console.job(defs.resolve_job_def(job_name))
    return job.execute_in_process(run_config=run_config, instance=instance, raise_on_error=False)


def cmd_demo(args: argparse.Namespace) -> int:
    """Simulate into the default landing zone, then run.

    Returns
    -------
    int
        The simulation's exit status if it failed, else the run's.
    """
    settings = apply_overrides(None, None, args.profile)
    args.out = str(settings.landing_dir)
    simulated = cmd_simulate(args)
    return simulated or run_pipeline(settings, verbose=args.verbose)
