"""The ``mmm`` parser, one sub-command per contract command, and the entry point."""

from __future__ import annotations

import argparse
import os
import sys

from mmm_pipeline.cli.pipeline import cmd_demo, cmd_run, cmd_simulate
from mmm_pipeline.cli.plan import cmd_plan
from mmm_pipeline.cli.query import cmd_query
from mmm_pipeline.cli.ui import cmd_ui


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
    parser.add_argument(
        "--cpm-season",
        action="store_true",
        help="buy impressions at a seasonal cost (Q4 up to 50%% dearer) and let "
        "conversions follow the impressions",
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``mmm``, one sub-command per contract command.

    Returns
    -------
    argparse.ArgumentParser
        The parser; each sub-command sets ``func`` to the ``cmd_*`` function that runs it.
    """
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
    run.add_argument(
        "--refit",
        action="store_true",
        help="fit every ready series, even those whose inputs did not change since their fit",
    )
    _add_console_options(run)
    run.set_defaults(func=cmd_run)

    demo = commands.add_parser("demo", help="simulate into the default landing zone, then run")
    demo.add_argument("--profile", choices=["fast", "full"], help="model fitting profile")
    _add_simulation_options(demo)
    _add_console_options(demo)
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
    """Entry point of the ``mmm`` console script.

    Returns
    -------
    int
        The exit status of the chosen sub-command.
    """
    if argv is None:
        _with_fixed_hash_seed(sys.argv[1:])
    args = build_parser().parse_args(argv)
    return args.func(args)


def _add_console_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--verbose",
        action="store_true",
        help="print Dagster's event log, dbt's output and library warnings as they come, "
        "instead of one line per stage (they are in the run's log file otherwise)",
    )
