"""Command line: ``python -m heldout --family NAME --seed N --out DIR``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from heldout.families import ALIASES, FAMILIES
from heldout.generate import generate


def _summary(truth: dict) -> str:
    """Shape of the business and each series' true media share per channel."""
    channels = ", ".join(c["channel"] for c in truth["channels"])
    lines = [
        f"{truth['family']} seed {truth['seed']}: {len(truth['geos'])} geo(s) x "
        f"{len(truth['weeks'])} weeks, channels {channels}"
    ]
    for series, share in truth["media_share"].items():
        media = 1.0 - share["baseline"]
        mix = ", ".join(f"{c} {v:.1%}" for c, v in share.items() if c != "baseline")
        lines.append(f"  {series}: media {media:.1%} ({mix})")
    for test in truth["experiments"]:
        lines.append(
            f"  lift test {test['experiment_id']}: true {test['true_lift']:.1f}, measured "
            f"{test['measured_lift']:.1f} +- {test['lift_sigma']:.1f}, "
            f"spend {test['spend_delta']:.0f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Generate one landing zone and print what was drawn."""
    parser = argparse.ArgumentParser(prog="python -m heldout", description=__doc__)
    names = sorted([*FAMILIES, *ALIASES])
    parser.add_argument("--family", required=True, choices=names, help="scenario family")
    parser.add_argument(
        "--geos",
        type=int,
        choices=[1, 2, 8],
        help="with --family aggregate: the 1, 2 or 8 geo shape",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, required=True, help="landing zone to write")
    args = parser.parse_args(argv)
    name = args.family
    if args.geos is not None:
        if name != "aggregate":
            parser.error("--geos applies to --family aggregate only")
        name = f"aggregate-{args.geos}geo"
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"{args.out} is not empty; generate into a new folder")
    truth = generate(name, args.seed, args.out)
    print(_summary(truth))
    return 0


if __name__ == "__main__":
    sys.exit(main())
