"""Start the real Dagster webserver (``mmm ui``) in the background and talk to its API.

The webserver test and the README screenshot both need a running UI on a free local
port, a way to ask its GraphQL API questions, and a clean stop of ``dagster dev`` with
its daemon and code servers.
"""

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
from collections.abc import Iterator
from pathlib import Path

STARTUP_SECONDS = 180


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    """POST ``query`` to the webserver's GraphQL API on 127.0.0.1 and return the reply."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our own, local)
        return json.loads(response.read())


def asset_keys(port: int) -> list[str]:
    """The ``a/b`` keys of every asset the webserver's code location serves."""
    nodes = graphql(port, "{ assetNodes { assetKey { path } } }")["data"]["assetNodes"]
    return ["/".join(node["assetKey"]["path"]) for node in nodes]


@contextlib.contextmanager
def running_ui(startup_seconds: float = STARTUP_SECONDS) -> Iterator[int]:
    """Run ``mmm ui`` on a free port until the block ends; yield the port once assets load.

    Raises
    ------
    RuntimeError
        When the webserver exits or serves no assets within ``startup_seconds``.
    """
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 (our own CLI, fixed argv)
        [str(Path(sys.executable).parent / "mmm"), "ui", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + startup_seconds
        while not _serves_assets(port):
            if process.poll() is not None:
                raise RuntimeError(f"the Dagster webserver exited with {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Dagster webserver served no assets in {startup_seconds} s")
            time.sleep(1)
        yield port
    finally:
        stop(process)


def _serves_assets(port: int) -> bool:
    try:
        return bool(asset_keys(port))
    except (OSError, KeyError, TypeError):
        return False


def stop(process: subprocess.Popen) -> None:
    """Ctrl-C for the whole process group (what ``dagster dev`` expects), then SIGKILL.

    ``dagster dev`` and its daemon and code servers share the group; on a busy machine
    they can take long to wind down (a sensor tick, a code server loading), and a stray
    one would outlive its caller.
    """
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
