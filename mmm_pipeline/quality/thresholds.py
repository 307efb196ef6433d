"""Every threshold of the data-quality checks and the readiness gate, in one place.

Defaults follow what MMM practitioners insist on (18 months of weekly history, spend
that moves, a paid share worth measuring) and robust alarm rules (median and MAD over a
trailing window), so normal week-to-week noise does not page anyone. Override any of
them with a YAML file named by ``MMM_QUALITY_CONFIG``.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field


class QualityThresholds(BaseModel):
    """Thresholds of the tracking diagnostics and the readiness verdict."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    baseline_weeks: int = Field(13, description="Trailing weeks that form a geo's own baseline.")
    min_baseline_weeks: int = Field(6, description="Fewer trailing weeks: no judgement yet.")
    mad_multiplier: float = Field(4.0, description="How many scaled MADs make an outlier.")
    min_conversions_per_week: int = Field(
        30, description="Geo-weeks with fewer conversions are too noisy to judge shares."
    )
    missing_utm_min_jump: float = Field(
        0.10, description="Smallest rise of the no-UTM share (absolute) worth flagging."
    )
    click_collapse_ratio: float = Field(
        0.3, description="Click conversions below this share of their baseline collapsed."
    )
    spend_holds_ratio: float = Field(
        0.7, description="Spend at or above this share of its baseline still holds."
    )
    min_click_conversions: float = Field(
        8, description="A channel's baseline click conversions needed to judge a collapse."
    )
    spend_spike_ratio: float = Field(
        4.0, description="Weekly spend above this multiple of its baseline is a spike."
    )
    spend_spike_cost_ratio: float = Field(
        2.0,
        description="A spike whose cost per impression or click rises by this multiple "
        "bought nothing more: an error, not a planned burst.",
    )
    duplicate_min_days: int = Field(
        2, description="Days of a week repeating another export row for row: a duplicate."
    )
    unmapped_share_warn: float = Field(
        0.02, description="Share of unmapped spend, sessions or answers that raises a warning."
    )
    survey_collapse_ratio: float = Field(
        0.4, description="Survey responses per conversion below this share of baseline."
    )
    late_arrival_days: int = Field(
        21, description="A conversion first delivered this long after it happened is late."
    )
    min_history_weeks: int = Field(78, description="Weeks of history an MMM needs (18 months).")
    flat_spend_band: float = Field(
        0.10, description="Spend within +-this share of its median counts as flat that week."
    )
    flat_spend_week_share: float = Field(
        0.8, description="A channel flat in more than this share of weeks cannot be measured."
    )
    min_paid_share: float = Field(
        0.2, description="Below this share of conversions from paid channels, too weak."
    )
    min_weekly_conversions: float = Field(
        10, description="Median weekly conversions below this are too few to model."
    )
    max_spend_correlation: float = Field(
        0.9, description="Channels whose weekly spend correlates above this move together."
    )


def load_thresholds() -> QualityThresholds:
    """The defaults, overridden by the YAML file named in ``MMM_QUALITY_CONFIG`` if any.

    Returns
    -------
    QualityThresholds
        The thresholds; with the variable unset or the file empty, all defaults. A key
        that names no threshold is refused, not ignored.
    """
    path = os.environ.get("MMM_QUALITY_CONFIG", "").strip()
    if not path:
        return QualityThresholds()
    overrides = yaml.safe_load(Path(path).read_text()) or {}
    return QualityThresholds(**overrides)
