"""The ``mmm`` command: the data contract's simulate, run, demo, query and ui, and plan."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from mmm_pipeline.settings import REPO_ROOT, Settings, export_to_environment, get_settings
from mmm_pipeline.warehouse_lock import open_warehouse


def _apply_overrides(landing: str | None, warehouse: str | None, profile: str | None) -> Settings:
    """Turn command-line flags into the environment every component reads, then resolve."""
    if landing:
        os.environ["MMM_LANDING_DIR"] = str(Path(landing).resolve())
    if warehouse:
        os.environ["MMM_WAREHOUSE"] = str(Path(warehouse).resolve())
    if profile:
        os.environ["MMM_PROFILE"] = profile
    get_settings.cache_clear()
    settings = get_settings()
    export_to_environment(settings)
    return settings


def cmd_simulate(args: argparse.Namespace) -> int:
    """Write a synthetic landing zone and its ground truth."""
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
    """Materialize every asset once, in process, through Dagster."""
    if args.parallel is not None:
        if args.parallel < 1:
            print("mmm run: --parallel must be at least 1", file=sys.stderr)
            return 2
        os.environ["MMM_FIT_PARALLELISM"] = str(args.parallel)
    settings = _apply_overrides(args.landing, args.warehouse, args.profile)
    return run_pipeline(settings)


def run_pipeline(settings: Settings) -> int:
    """Run the data job, one fit per ready series, then the reports; print the summary.

    Three in-process Dagster jobs because a job holds one partitioning: ``mmm_data``
    (which also registers the series found in the data as partitions), ``mmm_fit`` once
    per series that ``mmm.readiness`` judged ready, and ``mmm_report``.
    """
    import dagster as dg

    from mmm_pipeline.definitions import defs
    from mmm_pipeline.modeling.funnel import upstream_first
    from mmm_pipeline.modeling.series import Series
    from mmm_pipeline.modeling.specification import load_model_config
    from mmm_pipeline.parallel_fits import run_fits
    from mmm_pipeline.run_summary import summarize

    if not settings.landing_dir.is_dir():
        print(
            f"mmm run: landing zone {settings.landing_dir} does not exist; create it with one "
            "folder per source, or run `mmm demo` for simulated data",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        results = [_execute(defs, "mmm_data", instance)]
        if results[0].success:
            with open_warehouse(settings.warehouse, read_only=True) as conn:
                ready = conn.execute(
                    "select segment, outcome from mmm.readiness "
                    "where geo = 'ALL' and ready order by 1, 2"
                ).fetchall()
            # A downstream series (pipeline) takes its prior from its upstream series'
            # model in force (funnel.py), so the upstream one is fitted first.
            ordered = upstream_first(ready, load_model_config().funnel.downstream_of)
            keys = [Series(segment, outcome).key for segment, outcome in ordered]
            results += run_fits(defs, instance, keys, settings.fit_parallelism)
            results.append(_execute(defs, "mmm_report", instance))
    summary = summarize(
        results, time.perf_counter() - started, settings.landing_dir, settings.warehouse
    )
    print(summary.render())
    return 0 if summary.success else 1


def _execute(defs, job_name: str, instance):
    """Run one unpartitioned job in process, printing a progress line."""
    print(f"mmm run: {job_name} ...", flush=True)
    return defs.resolve_job_def(job_name).execute_in_process(
        instance=instance, raise_on_error=False
    )


def cmd_demo(args: argparse.Namespace) -> int:
    """Simulate into the default landing zone, then run."""
    settings = _apply_overrides(None, None, args.profile)
    args.out = str(settings.landing_dir)
    simulated = cmd_simulate(args)
    return simulated or run_pipeline(settings)


def cmd_query(args: argparse.Namespace) -> int:
    """Run read-only SQL on the warehouse and print the result.

    Read-only still lets DuckDB read and write other files (``COPY ... TO``, ``read_csv``,
    ``ATTACH``); with external access off a query sees the warehouse and nothing else. A
    MotherDuck warehouse needs its extension from disk and the network, so it keeps
    DuckDB's default.
    """
    import duckdb

    from mmm_pipeline.warehouse_lock import is_local_file

    settings = _apply_overrides(None, args.warehouse, None)
    if not settings.warehouse_exists:
        print(
            f"mmm query: no warehouse at {settings.warehouse}; run `mmm run` first", file=sys.stderr
        )
        return 2
    local = is_local_file(settings.warehouse)
    config = {"enable_external_access": False} if local else None
    with open_warehouse(settings.warehouse, read_only=True, config=config) as conn:
        try:
            relation = conn.sql(args.sql)
            if relation is not None:
                relation.show(max_rows=args.max_rows, max_width=10_000)
        except duckdb.PermissionException as error:
            print(
                f"mmm query: {error}; queries read the warehouse's tables only, no other "
                "files, databases or extensions",
                file=sys.stderr,
            )
            return 1
        except duckdb.Error as error:
            print(f"mmm query: {error}", file=sys.stderr)
            return 1
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    """Run the scenarios of a YAML file against the models in force and print them."""
    from mmm_pipeline.planning.plan import BUDGET_ALLOCATION_COLUMNS, BUDGET_SCENARIO_COLUMNS
    from mmm_pipeline.planning.scenarios import ScenarioError, load_scenarios
    from mmm_pipeline.planning.tables import load_inputs, plan_tables, read_models_in_force
    from mmm_pipeline.publish import publish, slice_replacement

    settings = _apply_overrides(None, args.warehouse, None)
    try:
        scenarios = load_scenarios(Path(args.scenario))
    except ScenarioError as error:
        print(f"mmm plan: {error}", file=sys.stderr)
        return 2
    if not settings.warehouse_exists:
        print(
            f"mmm plan: no warehouse at {settings.warehouse}; run `mmm run` first", file=sys.stderr
        )
        return 2
    with open_warehouse(settings.warehouse, read_only=True) as conn:
        models = read_models_in_force(conn)
    wanted = {(s.segment, s.outcome) for s in scenarios}
    inputs = load_inputs([m for m in models if (m[0].segment, m[0].outcome) in wanted])
    tables = plan_tables(inputs, scenarios, settings.interval_level, include_built_in=False)
    if tables.mistakes:
        print("mmm plan: " + "\n".join(tables.mistakes), file=sys.stderr)
        return 2
    for summary in tables.scenarios.itertuples():
        rows = tables.allocation.query("scenario == @summary.scenario and geo == 'ALL'")
        print(
            f"\n{summary.scenario} ({summary.segment} {summary.outcome}): weekly budget "
            f"{summary.budget:,.0f} (now {summary.current_budget:,.0f}); expected "
            f"{summary.expected_contribution:,.1f} a week "
            f"({summary.expected_contribution_low:,.1f}-{summary.expected_contribution_high:,.1f}) "
            f"against {summary.current_contribution:,.1f} now; gain {summary.gain:+,.1f} "
            f"({summary.gain_low:+,.1f} to {summary.gain_high:+,.1f}), "
            f"P(better) {summary.probability_better:.0%}"
        )
        if summary.warnings:
            print(f"  warning: {summary.warnings}")
        shown = rows[
            [
                "channel",
                "current_spend",
                "proposed_spend",
                "expected_contribution",
                "expected_contribution_low",
                "expected_contribution_high",
            ]
        ]
        print(shown.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
    writes = []
    for name in tables.scenarios["scenario"].unique():
        where = {"scenario": name}
        writes += [
            slice_replacement(
                "mmm.budget_allocation",
                BUDGET_ALLOCATION_COLUMNS,
                tables.allocation[tables.allocation["scenario"] == name],
                where,
            ),
            slice_replacement(
                "mmm.budget_scenarios",
                BUDGET_SCENARIO_COLUMNS,
                tables.scenarios[tables.scenarios["scenario"] == name],
                where,
            ),
        ]
    with open_warehouse(settings.warehouse) as conn:
        publish(conn, writes)
    print(f"\nWritten to mmm.budget_allocation and mmm.budget_scenarios in {settings.warehouse}")
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    """Start the Dagster UI for this project on 127.0.0.1."""
    _apply_overrides(args.landing, args.warehouse, None)
    dagster = Path(sys.executable).parent / "dagster"
    command = [
        str(dagster),
        "dev",
        "-w",
        str(REPO_ROOT / "workspace.yaml"),
        "-h",
        "127.0.0.1",
        "-p",
        str(args.port),
    ]
    # Under `dagster dev` the dbt manifest is re-parsed by the `dbt` found on PATH: make it
    # this environment's, even when the virtualenv is not activated.
    env = dict(os.environ, PATH=os.pathsep.join([str(dagster.parent), os.environ.get("PATH", "")]))
    print(f"Dagster UI on http://127.0.0.1:{args.port} (Ctrl-C to stop)")
    return subprocess.call(command, cwd=REPO_ROOT, env=env)  # noqa: S603 (fixed argv, no shell)


def _add_simulation_options(parser: argparse.ArgumentParser) -> None:
    from mmm_pipeline.simulate.business import CHANNEL_ORDER

    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--weeks", type=int, default=156, help="weeks of history (default 156)")
    parser.add_argument("--geos", type=int, default=4, help="number of geos, 1-8 (default 4)")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiplies conversion volume (default 1)"
    )
    parser.add_argument("--no-touchpoints", action="store_true", help="skip touchpoints/")
    parser.add_argument(
        "--no-incidents", action="store_true", help="no injected tracking incidents"
    )
    parser.add_argument(
        "--channels",
        type=int,
        metavar="N",
        help=f"paid channels to buy, 1-{len(CHANNEL_ORDER)}, kept in the order "
        f"{', '.join(CHANNEL_ORDER)}; the others do not exist (default: all)",
    )
    parser.add_argument(
        "--lift-tests",
        type=int,
        metavar="N",
        help="keep at most N lift tests, the first booked (default: every test that fits)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``mmm``, one sub-command per contract command."""
    parser = argparse.ArgumentParser(
        prog="mmm",
        description="Marketing-mix-model pipeline: landing zone -> DuckDB warehouse via "
        "Dagster, dbt and pymc-marketing.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    simulate = commands.add_parser(
        "simulate", help="write a realistic synthetic landing zone and ground_truth.json"
    )
    simulate.add_argument("--out", required=True, help="folder to write the landing zone into")
    _add_simulation_options(simulate)
    simulate.set_defaults(func=cmd_simulate)

    run = commands.add_parser("run", help="materialize every asset once, in process")
    run.add_argument("--landing", help="landing zone (default $MMM_LANDING_DIR or data/landing)")
    run.add_argument("--warehouse", help="DuckDB file (default $MMM_WAREHOUSE)")
    run.add_argument("--profile", choices=["fast", "full"], help="model fitting profile")
    run.add_argument(
        "--parallel",
        type=int,
        help="series to fit at once, each in its own process (default $MMM_FIT_PARALLELISM or 1)",
    )
    run.set_defaults(func=cmd_run)

    demo = commands.add_parser("demo", help="simulate into the default landing zone, then run")
    demo.add_argument("--profile", choices=["fast", "full"], help="model fitting profile")
    _add_simulation_options(demo)
    demo.set_defaults(func=cmd_demo)

    query = commands.add_parser("query", help="run read-only SQL on the warehouse")
    query.add_argument("sql", help='e.g. "select * from marts.fct_media_weekly limit 5"')
    query.add_argument("--warehouse", help="DuckDB file (default $MMM_WAREHOUSE)")
    query.add_argument("--max-rows", type=int, default=40, help="rows to print (default 40)")
    query.set_defaults(func=cmd_query)

    plan = commands.add_parser(
        "plan", help="run budget scenarios from a YAML file against the models in force"
    )
    plan.add_argument("--scenario", required=True, help="YAML file of scenarios")
    plan.add_argument("--warehouse", help="DuckDB file (default $MMM_WAREHOUSE)")
    plan.set_defaults(func=cmd_plan)

    ui = commands.add_parser("ui", help="start the Dagster UI on 127.0.0.1")
    ui.add_argument("--port", type=int, default=3000, help="port (default 3000)")
    ui.add_argument("--landing", help="landing zone (default $MMM_LANDING_DIR)")
    ui.add_argument("--warehouse", help="DuckDB file (default $MMM_WAREHOUSE)")
    ui.set_defaults(func=cmd_ui)
    return parser


# Commands whose results must repeat exactly on the same data: they fit models.
FITTING_COMMANDS = ("run", "demo", "ui")


def _with_fixed_hash_seed(argv: list[str]) -> None:
    """Restart this command under ``PYTHONHASHSEED=0`` if it fits models and none is set.

    Seeded sampling alone does not repeat across processes: PyTensor's graph rewrites
    depend on string hashing, which Python salts per process
    (docs/notes/pymc-marketing-1.3.md). The seed can only be set before the interpreter
    starts, hence the re-exec; the Dagster UI's runs and parallel fits inherit it.
    """
    if argv and argv[0] in FITTING_COMMANDS and "PYTHONHASHSEED" not in os.environ:
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, "-m", "mmm_pipeline.cli", *argv])  # noqa: S606


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``mmm`` console script."""
    if argv is None:
        _with_fixed_hash_seed(sys.argv[1:])
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
