"""`mmm ui` starts a real Dagster webserver that serves this project's definitions."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

STARTUP_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def test_ui_serves_the_project_assets(pipeline_env: dict[str, Path]) -> None:
    port = _free_port()
    mmm = Path(sys.executable).parent / "mmm"
    process = subprocess.Popen(  # noqa: S603 (fixed argv)
        [str(mmm), "ui", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        keys: list[str] = []
        while time.monotonic() < deadline and process.poll() is None:
            try:
                result = _graphql(port, "{ assetNodes { assetKey { path } } }")
                keys = ["/".join(n["assetKey"]["path"]) for n in result["data"]["assetNodes"]]
                if keys:
                    break
            except (OSError, KeyError, TypeError):
                pass
            time.sleep(1)
        assert process.poll() is None, "the webserver exited"
        assert "raw/conversions" in keys
        assert "marts/fct_media_weekly" in keys
        assert {"mmm/attribution_weekly", "mmm/budget_allocation", "mmm/report"} <= set(keys)
        nodes = _graphql(
            port,
            "{ assetNodes { owners { ... on TeamAssetOwner { team } } "
            "assetChecksOrError { ... on AssetChecks { checks { name } } } } }",
        )["data"]["assetNodes"]
        checks = {c["name"] for n in nodes for c in n["assetChecksOrError"].get("checks", [])}
        assert {
            "conversions_conserved",
            "models_cover_the_data",
            "model_accepted",
            "experiments_agree",
            "scenarios_valid",
        } <= checks
        assert all(n["owners"] == [{"team": "marketing-analytics"}] for n in nodes)
        repositories = _graphql(
            port,
            "{ repositoriesOrError { ... on RepositoryConnection { nodes { "
            "schedules { name } sensors { name } } } } }",
        )["data"]["repositoriesOrError"]["nodes"]
        schedules = {s["name"] for repo in repositories for s in repo["schedules"]}
        sensors = {s["name"] for repo in repositories for s in repo["sensors"]}
        assert schedules == {"weekly_refresh", "quarterly_refit"}
        assert sensors == {"landing_zone_sensor"}
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """Ctrl-C for the whole process group (what `dagster dev` expects), then SIGKILL.

    `dagster dev` and its daemon and code servers share the group; on a busy machine
    they can take long to wind down (a sensor tick, a code server loading), and a
    stray one would outlive the test.
    """
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
