"""Command-line flags turned into the settings every component reads."""

from __future__ import annotations

import os
from pathlib import Path

from mmm_pipeline.settings import Settings, export_to_environment, get_settings


def apply_overrides(landing: str | None, warehouse: str | None, profile: str | None) -> Settings:
    """Turn command-line flags into the environment every component reads, then resolve.

    Returns
    -------
    Settings
        The settings resolved afresh from the updated environment, also exported back to it.
    """
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
