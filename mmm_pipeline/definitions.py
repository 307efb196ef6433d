"""The one entry point Dagster loads: every module under ``defs/`` contributes a domain."""

from pathlib import Path

import dagster as dg

defs = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
