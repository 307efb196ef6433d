"""A downstream series' funnel prior, read from the warehouse (the funnel itself: funnel.py).

The funnel is estimated from the two observed weekly series in the marts; the prior
takes the upstream series' channel contributions from its model in force in
``mmm.channel_roi``. Both are read before the downstream fit starts.
"""

from __future__ import annotations

import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.marts import conversions_weekly, outcomes_of
from mmm_pipeline.modeling.funnel import (
    Funnel,
    estimate_funnel,
    upstream_outcome,
    with_funnel_prior,
)
from mmm_pipeline.modeling.panel import ModelPanel
from mmm_pipeline.modeling.runs import last_accepted
from mmm_pipeline.modeling.series import Series
from mmm_pipeline.modeling.specification import FunnelConfig


def read_funnel(
    conn: DuckDBPyConnection, segment: str, outcome: str, upstream: str, config: FunnelConfig
) -> Funnel | None:
    """The funnel from ``upstream`` to ``outcome`` in ``segment``, from the weekly marts.

    Returns
    -------
    Funnel or None
        As from :func:`estimate_funnel` on ``marts.fct_conversions_weekly``; None when the
        two series do not line up.
    """
    return estimate_funnel(
        conversions_weekly(conn, segment, outcome),
        conversions_weekly(conn, segment, upstream),
        upstream,
        config.max_lag_weeks,
    )


def read_funnel_prior(
    conn: DuckDBPyConnection, panel: ModelPanel, level: float, config: FunnelConfig
) -> tuple[ModelPanel, Funnel | None, dict | None]:
    """The panel with its funnel prior, when its outcome is downstream of a fitted one.

    Returns the panel, the funnel and the upstream run its prior came from. Unchanged
    (and no funnel) when the segment has no upstream outcome, the upstream series has
    no accepted model yet, or the two series do not line up.

    Returns
    -------
    panel : ModelPanel
        ``panel`` with the funnel's contribution-share prior, or unchanged.
    funnel : Funnel or None
        The estimated funnel.
    run : dict or None
        The upstream series' last accepted ``mmm.model_runs`` row.
    """
    outcomes = outcomes_of(conn, panel.segment)
    upstream = upstream_outcome(panel.outcome, outcomes, config.downstream_of)
    if upstream is None:
        return panel, None, None
    run = last_accepted(conn, Series(panel.segment, upstream))
    if run is None:
        return panel, None, None
    funnel = read_funnel(conn, panel.segment, panel.outcome, upstream, config)
    if funnel is None:
        return panel, None, None
    contributions = conn.execute(
        "select channel, contribution, contribution_low, contribution_high "
        # In a fixed order: the prior's sums, and so the fit's fingerprint, must not
        # depend on where a later publish left the rows.
        "from mmm.channel_roi where run_id = ? and geo = 'ALL' order by channel",
        [run["run_id"]],
    ).df()
    weeks = (pd.Timestamp(run["first_week"]), pd.Timestamp(run["last_week"]))
    return with_funnel_prior(panel, funnel, contributions, weeks, level, config), funnel, run
