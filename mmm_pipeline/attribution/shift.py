"""``mmm.attribution_shift``: each channel's share of a series under last click and under the MMM.

The table a marketer reads first: which channels last click under-credits (Meta, video,
podcasts) and which it over-credits (Direct, Branded Search), in percentage points,
with the MMM's interval and whether that interval excludes the last-click share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm_pipeline.attribution.grid import Grid
from mmm_pipeline.attribution.redistribution import CreditDraws
from mmm_pipeline.modeling.series import Series

ATTRIBUTION_SHIFT_COLUMNS = {
    "segment": "VARCHAR",
    "outcome": "VARCHAR",
    "channel": "VARCHAR",
    "conversions": "DOUBLE",
    "last_click_conversions": "DOUBLE",
    "last_click_share": "DOUBLE",
    "mmm_share": "DOUBLE",
    "mmm_share_low": "DOUBLE",
    "mmm_share_high": "DOUBLE",
    "shift_points": "DOUBLE",
    # up / down / unchanged, by the posterior mean; is_credible when the interval
    # excludes the last-click share.
    "direction": "VARCHAR",
    "is_credible": "BOOLEAN",
    "run_id": "VARCHAR",
}


def attribution_shift(
    series: Series,
    grid: Grid,
    last_click: np.ndarray,
    mmm: CreditDraws,
    level: float,
    run_id: str,
) -> pd.DataFrame:
    """Each channel's share of the series under last click against under the MMM.

    Returns
    -------
    pandas.DataFrame
        Columns of ``ATTRIBUTION_SHIFT_COLUMNS``, one row per channel with conversions
        under either model; shares are of all the series' weeks and geos, the shift in
        percentage points. Empty when last click credits no conversions.
    """
    total = last_click.sum()
    if total <= 0:
        return pd.DataFrame(columns=list(ATTRIBUTION_SHIFT_COLUMNS))
    tail = (1.0 - level) / 2.0
    shares = mmm.conversions.sum(axis=(1, 2)) / total
    low, high = np.quantile(shares, [tail, 1.0 - tail], axis=0)
    click_share = last_click.sum(axis=(0, 1)) / total
    frame = pd.DataFrame(
        {
            "channel": grid.channels,
            "conversions": mmm.conversions.sum(axis=(1, 2)).mean(axis=0),
            "last_click_conversions": last_click.sum(axis=(0, 1)),
            "last_click_share": click_share,
            "mmm_share": shares.mean(axis=0),
            "mmm_share_low": low,
            "mmm_share_high": high,
        }
    )
    frame["shift_points"] = 100.0 * (frame["mmm_share"] - frame["last_click_share"])
    frame["direction"] = np.select(
        [frame["shift_points"] > 0.05, frame["shift_points"] < -0.05], ["up", "down"], "unchanged"
    )
    frame["is_credible"] = (frame["mmm_share_low"] > click_share + 1e-9) | (
        frame["mmm_share_high"] < click_share - 1e-9
    )
    frame = frame[(frame["conversions"] > 0) | (frame["last_click_conversions"] > 0)]
    return frame.assign(segment=series.segment, outcome=series.outcome, run_id=run_id)[
        list(ATTRIBUTION_SHIFT_COLUMNS)
    ]
