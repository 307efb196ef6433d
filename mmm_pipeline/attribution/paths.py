"""Conversion paths, built in DuckDB so millions of conversions never leave the database.

The path of a conversion is its customer's touchpoints with ``occurred_at`` in the
closed window ``[conversion occurred_at - lookback, conversion occurred_at]``, where the
lookback is exactly ``lookback_days * 24`` hours (an elapsed-time window: a calendar-day
interval on a ``timestamptz`` would stretch or shrink by an hour across a daylight
saving change in the session's time zone), in time order, followed by the converting
session itself when it is tracked. Touchpoints at the same instant are ordered by
channel name, so every run builds the same paths; the converting session comes after
any touchpoint at its own instant.

``direct`` is not a touch (the last-non-direct-click convention): a visit without UTMs
or referrer says nothing about which channel brought the customer, so ``direct``
touchpoints and an untracked converting session are left out of the path, and
``direct`` only receives the conversions whose path is empty. Conversions without a
``customer_id`` cannot be joined to touchpoints; their path is the converting session.
Touchpoints join on the customer alone, whatever geo they were recorded in.

The staged tables live in the connection's ``temp`` catalog (which also works on a
read-only warehouse) for the length of one :func:`staged_paths` block:

- ``temp._click_attribution_conversions``: one row per conversion, with a surrogate
  ``conversion_key``;
- ``temp._click_attribution_path_series``: the segment x outcome series where at least
  one conversion had a touchpoint (of any channel) in its window: only they get the
  path models;
- ``temp._click_attribution_touches``: one row per touch of the conversions of those
  series, with ``position`` (1-based) and ``path_length``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.attribution.markov import CONVERSION, START

HOURS_PER_DAY = 24

_STAGE_CONVERSIONS = """
create or replace temp table _click_attribution_conversions as
select
    row_number() over () as conversion_key,
    week_start,
    geo,
    segment,
    outcome,
    value,
    customer_id,
    occurred_at,
    last_click_channel,
    case
        when not coalesce(is_untracked, false) and last_click_channel <> 'direct'
            then last_click_channel
    end as session_channel
from intermediate.int_conversions_mapped
"""

# Positions are numbered separately for direct and non-direct touches, so once the
# direct rows are deleted the remaining ones are numbered 1..path_length.
_STAGE_TOUCHES = """
create or replace temp table _click_attribution_touches as
with

conversions as (

    select * from temp._click_attribution_conversions

),

touchpoints as (

    select customer_id, occurred_at, channel from intermediate.int_touchpoints_mapped

),

windowed as (

    select
        conversions.conversion_key,
        touchpoints.occurred_at,
        touchpoints.channel,
        false as is_session
    from conversions
    inner join touchpoints
        on touchpoints.customer_id = conversions.customer_id
        and touchpoints.occurred_at >= conversions.occurred_at - to_hours($lookback_hours)
        and touchpoints.occurred_at <= conversions.occurred_at

),

sessions as (

    select conversion_key, occurred_at, session_channel as channel, true as is_session
    from conversions
    where session_channel is not null

),

touches as (

    select * from windowed
    union all
    select * from sessions

),

final as (

    select
        conversion_key,
        channel,
        is_session,
        row_number() over (
            partition by conversion_key, channel = 'direct'
            order by occurred_at, is_session, channel
        ) as position,
        count(*) over (partition by conversion_key, channel = 'direct') as path_length
    from touches

)

select * from final
"""

_STAGE_PATH_SERIES = """
create or replace temp table _click_attribution_path_series as
select distinct conversions.segment, conversions.outcome
from temp._click_attribution_conversions as conversions
semi join (
    select conversion_key from temp._click_attribution_touches where not is_session
) as touched
    using (conversion_key)
"""

_KEEP_PATH_TOUCHES = """
delete from temp._click_attribution_touches
where channel = 'direct'
    or conversion_key in (
        select conversion_key
        from temp._click_attribution_conversions
        anti join temp._click_attribution_path_series using (segment, outcome)
    )
"""

_TRANSITIONS = """
with

path as (

    select
        conversions.segment,
        conversions.outcome,
        touches.conversion_key,
        touches.position,
        touches.path_length,
        touches.channel
    from temp._click_attribution_touches as touches
    inner join temp._click_attribution_conversions as conversions using (conversion_key)

),

steps as (

    select
        segment,
        outcome,
        coalesce(
            lag(channel) over (partition by conversion_key order by position), $start
        ) as from_state,
        channel as to_state
    from path
    union all
    select segment, outcome, channel as from_state, $conversion as to_state
    from path
    where position = path_length

)

select segment, outcome, from_state, to_state, count(*) as transitions
from steps
group by segment, outcome, from_state, to_state
order by segment, outcome, from_state, to_state
"""

_DROP_STAGED = (
    "drop table if exists temp._click_attribution_touches",
    "drop table if exists temp._click_attribution_path_series",
    "drop table if exists temp._click_attribution_conversions",
)


@contextmanager
def staged_paths(conn: DuckDBPyConnection, lookback_days: int) -> Iterator[None]:
    """Stage conversions, path series and path touches as temp tables, dropped on exit.

    Parameters
    ----------
    conn
        A connection to a warehouse with ``intermediate.int_conversions_mapped`` and
        ``intermediate.int_touchpoints_mapped``.
    lookback_days
        Length of the touchpoint window before each conversion, in days of 24 hours.

    Yields
    ------
    None
        The tables are readable inside the block.
    """
    try:
        conn.execute(_STAGE_CONVERSIONS)
        conn.execute(_STAGE_TOUCHES, {"lookback_hours": lookback_days * HOURS_PER_DAY})
        conn.execute(_STAGE_PATH_SERIES)
        conn.execute(_KEEP_PATH_TOUCHES)
        yield
    finally:
        for statement in _DROP_STAGED:
            conn.execute(statement)


def path_transitions(conn: DuckDBPyConnection) -> pd.DataFrame:
    """Markov transition counts of the staged paths, per segment x outcome.

    Every staged path converted, so each ends in ``conversion``; empty paths are not in
    the chain (see :mod:`mmm_pipeline.attribution.click_models`).

    Parameters
    ----------
    conn
        A connection inside a :func:`staged_paths` block.

    Returns
    -------
    pandas.DataFrame
        Columns ``segment``, ``outcome``, ``from_state``, ``to_state``, ``transitions``.
    """
    return conn.execute(_TRANSITIONS, {"start": START, "conversion": CONVERSION}).df()
