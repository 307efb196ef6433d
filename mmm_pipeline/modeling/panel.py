"""The weekly panel one segment x outcome model is fitted on: every geo, every week.

pymc-marketing's geo-panel MMM takes a long frame, one row per (date, geo), and fills a
missing row with zeros without a word (docs/notes/pymc-marketing-1.3.md, gotchas). So the
panel is built complete on purpose: every week from the first to the last week of the
outcome, for every geo that has the outcome, with explicit zeros where nothing was spent
or nothing converted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.marts import conversions_weekly, spend_weekly
from mmm_pipeline.modeling.media_priors import SURVEY, expected_shares

DATE = "date"
GEO = "geo"
TARGET = "y"
CONTROL_PREFIX = "control_"


@dataclass(frozen=True)
class ModelPanel:
    """The model frame and what its columns are."""

    segment: str
    outcome: str
    frame: pd.DataFrame
    channels: list[str]
    controls: list[str]
    # Expected share of conversions per channel from surveys or clicks (media_priors.py).
    prior_shares: dict[str, float] = field(default_factory=dict)
    # The sd of each share's log where it is not the configured one (a funnel's shares).
    prior_share_sigmas: dict[str, float] = field(default_factory=dict)
    # The channels whose share is of survey answers, read through a recall (share_prior.py).
    survey_channels: tuple[str, ...] = ()

    @property
    def geos(self) -> list[str]:
        """The geos of the panel, in order."""
        return sorted(self.frame[GEO].unique())


def build_panel(conn: DuckDBPyConnection, segment: str, outcome: str) -> ModelPanel:
    """Assemble the complete weekly panel of one segment x outcome from the marts.

    Returns
    -------
    ModelPanel
        One row per week (first to last week of the outcome) and geo with the outcome:
        the target, the paid channels that spent anything and the controls that are not
        all zero, zeros where nothing was recorded; with the tracking data's expected
        shares (media_priors.py) as ``prior_shares``.

    Raises
    ------
    ValueError
        If the marts hold no conversions of ``outcome`` for ``segment``.
    """
    target = conversions_weekly(conn, segment, outcome)
    if target.empty:
        raise ValueError(f"no {outcome} conversions for segment {segment} in the marts")
    target["week_start"] = pd.to_datetime(target["week_start"])
    weeks = pd.date_range(target["week_start"].min(), target["week_start"].max(), freq="7D")
    geos = sorted(target["geo"].unique())
    grid = pd.MultiIndex.from_product([weeks, geos], names=[DATE, GEO])

    spend = spend_weekly(conn, geos=geos)
    controls = conn.execute(
        "select week_start, geo, name, value from marts.fct_controls_weekly "
        "where list_contains(?, geo)",
        [geos],
    ).df()

    frame = pd.DataFrame(index=grid)
    frame[TARGET] = _wide(target.assign(name=TARGET), "conversions", grid)[TARGET]
    spend_wide = _wide(spend.rename(columns={"channel": "name"}), "spend", grid)
    channels = [c for c in sorted(spend_wide.columns) if spend_wide[c].sum() > 0]
    control_wide = _wide(controls.assign(name=CONTROL_PREFIX + controls["name"]), "value", grid)
    control_columns = [c for c in sorted(control_wide.columns) if control_wide[c].abs().sum() > 0]
    frame = frame.join(spend_wide[channels]).join(control_wide[control_columns])
    shares = expected_shares(conn, segment, outcome, channels)
    return ModelPanel(
        segment=segment,
        outcome=outcome,
        frame=frame.fillna(0.0).reset_index(),
        channels=channels,
        controls=control_columns,
        prior_shares={channel: share for channel, (share, _) in shares.items()},
        survey_channels=tuple(c for c, (_, source) in shares.items() if source == SURVEY),
    )


def _wide(long: pd.DataFrame, value: str, grid: pd.MultiIndex) -> pd.DataFrame:
    """Pivot ``week_start, geo, name, <value>`` to one column per name on the full grid.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``grid`` (date, geo), one column per name, summed; NaN where a name has
        no row, and no columns at all when ``long`` is empty.
    """
    if long.empty:
        return pd.DataFrame(index=grid)
    long = long.assign(week_start=pd.to_datetime(long["week_start"]))
    wide = long.pivot_table(
        index=["week_start", "geo"], columns="name", values=value, aggfunc="sum"
    )
    wide.index = wide.index.set_names([DATE, GEO])
    wide.columns.name = None
    return wide.reindex(grid)
