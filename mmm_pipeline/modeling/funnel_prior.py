"""A downstream series' funnel prior, read from the warehouse (the funnel itself: funnel.py).

Which series is made from which is ``mmm.funnel_links`` (found from the data by
funnel_links.py in the data stage). The funnel is estimated from the two observed
weekly series in the marts; the prior takes the upstream series' channel contributions
from its model in force in ``mmm.channel_roi``. All are read before the downstream fit
starts.
"""

from __future__ import annotations

import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.marts import conversions_weekly
from mmm_pipeline.modeling.funnel import Funnel, estimate_funnel, with_funnel_prior
from mmm_pipeline.modeling.funnel_links import LINKED
from mmm_pipeline.modeling.panel import ModelPanel
from mmm_pipeline.modeling.runs import last_accepted
from mmm_pipeline.modeling.series import Series
from mmm_pipeline.modeling.specification import FunnelConfig
from mmm_pipeline.publish import has_table


def read_links(conn: DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(segment, outcome) -> the outcome it is made from, as ``mmm.funnel_links`` decided.

    Returns
    -------
    dict
        One entry per linked series; empty before the data stage has published links.
    """
    if not has_table(conn, "mmm.funnel_links"):
        return {}
    rows = conn.execute(
        "select segment, outcome, upstream from mmm.funnel_links where decision = ?", [LINKED]
    ).fetchall()
    return {(segment, outcome): upstream for segment, outcome, upstream in rows}


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
    (and no funnel) when ``mmm.funnel_links`` links it to no upstream outcome, the
    upstream series has no accepted model yet, or the two series do not line up.

    Returns
    -------
    panel : ModelPanel
        ``panel`` with the funnel's contribution-share prior, or unchanged.
    funnel : Funnel or None
        The estimated funnel.
    run : dict or None
        The upstream series' last accepted ``mmm.model_runs`` row.
    """
    upstream = read_links(conn).get((panel.segment, panel.outcome))
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
