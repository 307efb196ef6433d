"""The one entry point Dagster loads: every module under ``defs/`` contributes a domain.

Every asset gets the owners named in ``MMM_ASSET_OWNERS`` (default
``team:marketing-analytics``), so the UI's catalog says who to ask about a table.
"""

import warnings
from pathlib import Path

import dagster as dg

from mmm_pipeline.settings import get_settings


def _owned(spec: dg.AssetSpec) -> dg.AssetSpec:
    return spec.replace_attributes(owners=list(get_settings().asset_owners))


with warnings.catch_warnings():
    # map_asset_specs is marked preview in Dagster 1.13; tests/test_definitions.py checks
    # that every asset still gets its owners, so a change in it cannot pass unnoticed.
    warnings.simplefilter("ignore", dg.PreviewWarning)
    defs = dg.load_from_defs_folder(path_within_project=Path(__file__).parent).map_asset_specs(
        func=_owned
    )
