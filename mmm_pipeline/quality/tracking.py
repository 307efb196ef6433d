"""Every tracking check, in the order their findings are listed."""

from mmm_pipeline.quality.conversion_tracking import (
    click_collapse,
    late_conversions,
    missing_utm_share,
    survey_collapse,
)
from mmm_pipeline.quality.mapping_coverage import unmapped_values
from mmm_pipeline.quality.spend_spikes import spend_spikes
from mmm_pipeline.quality.spend_tracking import spend_gaps, spend_without_delivery

TRACKING_CHECKS = (
    missing_utm_share,
    click_collapse,
    spend_without_delivery,
    spend_gaps,
    spend_spikes,
    unmapped_values,
    survey_collapse,
    late_conversions,
)
