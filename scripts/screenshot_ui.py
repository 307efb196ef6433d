"""Screenshot the Dagster UI's asset graph for the README, from the real webserver.

Starts ``mmm ui`` on a free port (against the current ``MMM_WAREHOUSE`` and
``DAGSTER_HOME``), waits until its GraphQL API lists the project's assets, marks
Dagster's first-visit "join the community" dialog as seen (the ``setNuxSeen`` mutation,
the UI's own dismiss button; it would otherwise cover the graph), and has headless
Chromium render the global asset lineage page to a PNG.

    .venv/bin/python scripts/screenshot_ui.py                   # docs/images/asset-graph.png
    .venv/bin/python scripts/screenshot_ui.py --out /tmp/ui.png --width 2400 --height 1400

Needs Chromium (``apt-get install chromium``; ``report/browser.py`` finds it).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.support.browser import chromium  # noqa: E402 (script beside the package)
from tests.support.webserver import asset_keys, graphql, running_ui  # noqa: E402

# The asset graph draws after its layout is computed in a web worker; give it time.
RENDER_MILLISECONDS = 20_000


def main(argv: list[str] | None = None) -> int:
    """Start the UI, take the screenshot, stop the UI."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs/images/asset-graph.png")
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--path", default="/asset-groups", help="UI page to capture")
    args = parser.parse_args(argv)
    browser = chromium()
    if browser is None:
        print("screenshot_ui: no Chromium found; apt-get install chromium", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with running_ui() as port:
        assets = len(asset_keys(port))
        graphql(port, "mutation { setNuxSeen }")
        subprocess.run(  # noqa: S603 (fixed argv)
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--window-size={args.width},{args.height}",
                f"--virtual-time-budget={RENDER_MILLISECONDS}",
                f"--screenshot={args.out}",
                f"http://127.0.0.1:{port}{args.path}",
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    print(f"{assets} assets; asset graph written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
