"""Views across every series' model in force: outcomes side by side, and time horizons.

``mmm.outcome_comparison`` puts one channel's ROI, marginal ROI and saturation for every
segment x outcome next to each other, because "signups say scale, pipeline says
saturated" is the insight. ROI units differ between outcomes (value or conversions per
unit of spend), so the comparable figure is the ratio of marginal to average ROI: near 1
there is room to grow, near 0 the channel is saturated.

``mmm.time_horizons`` puts a channel's adstock half-life (how fast its effect decays)
next to its peak lag and the weeks sustained spend needs to reach half and 90% of its
full effect, all from the fitted kernel with their intervals (horizons.py), so nobody
reads a decay rate as a decision horizon.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.modeling.horizons import HORIZON_COLUMNS
from mmm_pipeline.publish import has_table

# marginal / average ROI above this: still close to linear; below the other: saturated.
ROOM_TO_GROW = 0.7
SATURATED = 0.3

OUTCOME_COMPARISON_COLUMNS = {
    "channel": "VARCHAR",
    "segment": "VARCHAR",
    "outcome": "VARCHAR",
    "run_id": "VARCHAR",
    "spend": "DOUBLE",
    "roi": "DOUBLE",
    "roi_low": "DOUBLE",
    "roi_high": "DOUBLE",
    "roi_unit": "VARCHAR",
    "marginal_roi": "DOUBLE",
    "marginal_roi_low": "DOUBLE",
    "marginal_roi_high": "DOUBLE",
    "marginal_to_average": "DOUBLE",
    "recent_weekly_spend": "DOUBLE",
    "saturation_spend": "DOUBLE",
    "saturation_spend_low": "DOUBLE",
    "saturation_spend_high": "DOUBLE",
    "verdict": "VARCHAR",
}
TIME_HORIZON_COLUMNS = {
    "segment": "VARCHAR",
    "outcome": "VARCHAR",
    "channel": "VARCHAR",
    "run_id": "VARCHAR",
    **HORIZON_COLUMNS,
}


def _verdict(ratio: float) -> str:
    if not np.isfinite(ratio):
        return "unknown"
    if ratio >= ROOM_TO_GROW:
        return "room to grow"
    if ratio <= SATURATED:
        return "saturated"
    return "diminishing returns"


def outcome_comparison(conn: DuckDBPyConnection) -> pd.DataFrame:
    """One row per channel x series with an accepted model, ordered by channel.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`OUTCOME_COMPARISON_COLUMNS`: each channel's all-geo ROI and
        marginal ROI from ``mmm.channel_roi``, its saturation spend from
        ``mmm.channel_parameters``, the ratio of marginal to average ROI and its verdict;
        empty when either table does not exist yet.
    """
    if not (has_table(conn, "mmm.channel_roi") and has_table(conn, "mmm.channel_parameters")):
        return pd.DataFrame(columns=list(OUTCOME_COMPARISON_COLUMNS))
    frame = conn.execute(
        """
        select r.channel, r.segment, r.outcome, r.run_id, r.spend,
               r.roi, r.roi_low, r.roi_high, r.roi_unit,
               r.marginal_roi, r.marginal_roi_low, r.marginal_roi_high,
               r.marginal_roi / nullif(r.roi, 0) as marginal_to_average,
               r.recent_weekly_spend,
               p.saturation_spend, p.saturation_spend_low, p.saturation_spend_high
        from mmm.channel_roi r
        left join mmm.channel_parameters p using (run_id, segment, outcome, geo, channel)
        where r.geo = 'ALL'
        order by r.channel, r.segment, r.outcome
        """
    ).df()
    frame["verdict"] = frame["marginal_to_average"].astype(float).map(_verdict)
    return frame


def time_horizons(conn: DuckDBPyConnection) -> pd.DataFrame:
    """Every horizon of each channel of every series in force (``mmm.channel_parameters``).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`TIME_HORIZON_COLUMNS`, one row per series and channel (the
        all-geo rows), ordered by segment, outcome and channel; empty when the table does
        not exist yet.
    """
    if not has_table(conn, "mmm.channel_parameters"):
        return pd.DataFrame(columns=list(TIME_HORIZON_COLUMNS))
    columns = ", ".join(TIME_HORIZON_COLUMNS)
    return conn.execute(
        f"select {columns} from mmm.channel_parameters where geo = 'ALL' "  # noqa: S608
        "order by segment, outcome, channel"
    ).df()
