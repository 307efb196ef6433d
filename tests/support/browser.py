"""Open a report in headless Chromium: the figures it really displayed, the tables too wide.

The page records on ``<body>`` how many ``<img>`` it has and how many the browser
decoded (``html.py``); Chromium's ``--dump-dom`` prints the DOM after the page's scripts
ran. The flags keep Chromium off the network: this machine refuses outside connections,
and a sandbox needs privileges a CI container does not give.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=10000",
    # A laptop's browser window: the page is 1,000 pixels wide in it.
    "--window-size=1100,900",
)
MARK = re.compile(r'data-figures="(\d+)" data-figures-loaded="(\d+)"')
TOO_WIDE = re.compile(r'data-tables-too-wide="(\d+)"')


def chromium() -> str | None:
    """The Chromium executable on PATH, if any (Debian's package: ``chromium``)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def figures_shown(page: Path, executable: str, timeout: float = 120.0) -> tuple[int, int, int]:
    """(figures on the page, figures loaded, tables wider than the page) for ``page``."""
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(  # noqa: S603 (fixed flags, a local file URI)
            [executable, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        ).stdout
    found, wide = MARK.search(dom), TOO_WIDE.search(dom)
    if found is None or wide is None:
        raise RuntimeError(f"{page}: the page's figure count never ran in the browser")
    return int(found[1]), int(found[2]), int(wide[1])
