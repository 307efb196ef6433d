"""``mmm ui``: the Dagster UI of this project on 127.0.0.1."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from mmm_pipeline.cli.environment import apply_overrides
from mmm_pipeline.settings import REPO_ROOT


def cmd_ui(args: argparse.Namespace) -> int:
    """Start the Dagster UI for this project on 127.0.0.1.

    Returns
    -------
    int
        The exit status of ``dagster dev``.
    """
    apply_overrides(args.landing, args.warehouse, None)
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
