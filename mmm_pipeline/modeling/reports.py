"""Views across every series' model in force: outcomes side by side, and time horizons.

``mmm.outcome_comparison`` puts one channel's ROI, marginal ROI and saturation for every
segment x outcome next to each other, because "signups say scale, pipeline says
saturated" is the insight. ROI units differ between outcomes (value or conversions per
unit of spend), so the comparable figure is the ratio of marginal to average ROI: near 1
there is room to grow, near 0 the channel is saturated.

``mmm.time_horizons`` puts a channel's adstock half-life (how fast its effect decays)
next to the lag at which sustained spend shows up in outcomes (the peak of the
cross-correlation of four-week spend changes with four-week outcome changes), so nobody
reads a decay rate as a decision horizon.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.publish import has_table

# marginal / average ROI above this: still close to linear; below the other: saturated.
ROOM_TO_GROW = 0.7
SATURATED = 0.3
SUSTAINED_WEEKS = 4
MAX_LAG_WEEKS = 16

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
    "half_life_weeks": "DOUBLE",
    "half_life_weeks_low": "DOUBLE",
    "half_life_weeks_high": "DOUBLE",
    "response_lag_weeks": "INTEGER",
    "lag_correlation": "DOUBLE",
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
    """One row per channel x series with an accepted model, ordered by channel."""
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


def _sustained_changes(wide: pd.DataFrame) -> pd.DataFrame:
    """Four-week mean minus the previous four-week mean (weeks x geos): trend removed."""
    rolling = wide.rolling(SUSTAINED_WEEKS).mean()
    return rolling - rolling.shift(SUSTAINED_WEEKS)


def _best_lag(spend: pd.DataFrame, target: pd.DataFrame) -> tuple[int | None, float | None]:
    best_lag, best = None, -np.inf
    for lag in range(MAX_LAG_WEEKS + 1):
        pairs = pd.DataFrame({"x": spend.shift(lag).stack(), "y": target.stack()}).dropna()
        if len(pairs) < 3 * SUSTAINED_WEEKS or pairs["x"].std() == 0:
            continue
        correlation = float(np.corrcoef(pairs["x"], pairs["y"])[0, 1])
        if correlation > best:
            best_lag, best = lag, correlation
    return best_lag, (best if best_lag is not None else None)


def response_lags(conn: DuckDBPyConnection, segment: str, outcome: str) -> pd.DataFrame:
    """Per paid channel: the lag (weeks) where sustained spend best predicts the outcome."""
    target = conn.execute(
        "select week_start, geo, conversions from marts.fct_conversions_weekly "
        "where segment = ? and outcome = ?",
        [segment, outcome],
    ).df()
    media = conn.execute(
        "select week_start, geo, channel, spend from marts.fct_media_weekly "
        "join seeds.channels using (channel) where is_paid and list_contains(?, geo)",
        [sorted(target["geo"].unique())],
    ).df()
    target_wide = target.pivot_table(
        index="week_start", columns="geo", values="conversions", aggfunc="sum"
    )
    weeks = pd.date_range(target_wide.index.min(), target_wide.index.max(), freq="7D")
    target_wide = target_wide.reindex(pd.DatetimeIndex(weeks).date).fillna(0.0)
    target_changes = _sustained_changes(target_wide)
    rows = []
    for channel, spend in media.groupby("channel"):
        spend_wide = spend.pivot_table(
            index="week_start", columns="geo", values="spend", aggfunc="sum"
        ).reindex(index=target_wide.index, columns=target_wide.columns)
        lag, correlation = _best_lag(_sustained_changes(spend_wide.fillna(0.0)), target_changes)
        rows.append({"channel": channel, "response_lag_weeks": lag, "lag_correlation": correlation})
    return pd.DataFrame(rows, columns=["channel", "response_lag_weeks", "lag_correlation"])


def time_horizons(conn: DuckDBPyConnection) -> pd.DataFrame:
    """Half-life against response lag, per series in force and channel."""
    if not has_table(conn, "mmm.channel_parameters"):
        return pd.DataFrame(columns=list(TIME_HORIZON_COLUMNS))
    parameters = conn.execute(
        "select segment, outcome, channel, run_id, half_life_weeks, half_life_weeks_low, "
        "half_life_weeks_high from mmm.channel_parameters where geo = 'ALL'"
    ).df()
    frames = []
    for (segment, outcome), group in parameters.groupby(["segment", "outcome"]):
        frames.append(group.merge(response_lags(conn, segment, outcome), on="channel", how="left"))
    if not frames:
        return pd.DataFrame(columns=list(TIME_HORIZON_COLUMNS))
    return pd.concat(frames, ignore_index=True).sort_values(["segment", "outcome", "channel"])
