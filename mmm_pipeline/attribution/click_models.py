"""Click-based attribution: last click and four path models over touchpoints.

Every conversion in ``intermediate.int_conversions_mapped`` carries one unit of credit
(and its ``value``), which a model splits over channels; the splits are summed per ISO
week, geo, segment, outcome, model and channel. Credit is only moved, never created or
lost: per week, geo, segment, outcome and model the credits add up to the observed
conversions and value.

Models
------
``last_click``
    All credit to the conversion's ``last_click_channel`` (the mapped UTMs and referrer
    of the converting session; ``direct`` when untracked). Every series gets it.
``first_click``, ``linear``, ``u_shape``, ``data_driven``
    Path models, on the path of :mod:`mmm_pipeline.attribution.paths`: the customer's
    non-``direct`` touchpoints in the lookback window, then the converting session when
    it is tracked. A conversion with an empty path gives all its credit to ``direct``.
    They run only for the segment x outcome series where at least one conversion had a
    touchpoint in its window, the contract's "only when touchpoints are delivered";
    other series get ``last_click`` alone.

``first_click`` gives all credit to the first touch, ``linear`` splits it equally over
the touches (a channel touched twice gets two shares). ``u_shape`` gives 40% to the
first and 40% to the last touch and spreads 20% evenly over the touches between them;
with one touch it gets everything, and with two touches, which have no middle to take
the 20%, each gets half (keeping first and last equal, as the shape intends).

``data_driven`` is a first-order Markov-chain removal-effect model
(:mod:`mmm_pipeline.attribution.markov`). The warehouse only holds converting journeys,
so the chain's ``null`` state has no inflow and the chain converts with probability 1.
Removing a channel then costs exactly the walks that pass through it: a channel's
removal effect is the chain's probability of visiting it, which grows with how many
converting journeys the channel is on and how early it sits in them. The chain and its
removal effects are estimated per segment x outcome, over all geos and weeks, from the
non-empty paths (an empty path, ``start -> conversion``, would scale every removal
effect by the same factor and change no split). Each conversion's credit is then split
over the distinct channels of its own path in proportion to their removal effects, the
usual way of turning global removal effects into per-conversion credit, so weekly and
geo cells add up exactly.
"""

from __future__ import annotations

import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.attribution.markov import removal_effects_from_transitions
from mmm_pipeline.attribution.paths import path_transitions, staged_paths

CLICK_MODELS = ("last_click", "first_click", "linear", "u_shape", "data_driven")
PATH_MODELS = CLICK_MODELS[1:]
DEFAULT_LOOKBACK_DAYS = 28
U_SHAPE_END_SHARE = 0.4
RESULT_COLUMNS = (
    "week_start",
    "geo",
    "segment",
    "outcome",
    "model",
    "channel",
    "conversions",
    "value",
)

_STAGE_EFFECTS = """
create or replace temp table _click_attribution_effects (
    segment varchar, outcome varchar, channel varchar, removal_effect double
)
"""

_INSERT_EFFECTS = """
insert into temp._click_attribution_effects
select segment, outcome, channel, removal_effect from _click_attribution_effects_frame
"""

_DROP_EFFECTS = "drop table if exists temp._click_attribution_effects"

_ALLOCATE = """
with

staged as (

    select * from temp._click_attribution_conversions

),

path_conversions as (

    select staged.conversion_key
    from staged
    semi join temp._click_attribution_path_series using (segment, outcome)

),

touches as (

    select * from temp._click_attribution_touches

),

effects as (

    select * from temp._click_attribution_effects

),

last_click as (

    select conversion_key, 'last_click' as model, last_click_channel as channel, 1.0 as credit
    from staged

),

empty_paths as (

    select path_conversions.conversion_key, path_models.model, 'direct' as channel, 1.0 as credit
    from path_conversions
    anti join touches using (conversion_key)
    cross join (select unnest($path_models) as model) as path_models

),

first_click as (

    select conversion_key, 'first_click' as model, channel, 1.0 as credit
    from touches
    where position = 1

),

linear as (

    select conversion_key, 'linear' as model, channel, 1.0 / path_length as credit
    from touches

),

u_shape as (

    select
        conversion_key,
        'u_shape' as model,
        channel,
        case
            when path_length = 1 then 1.0
            when path_length = 2 then 0.5
            when position = 1 or position = path_length then $end_share
            else (1.0 - 2 * $end_share) / (path_length - 2)
        end as credit
    from touches

),

path_channels as (

    select distinct touches.conversion_key, touches.channel, staged.segment, staged.outcome
    from touches
    inner join staged using (conversion_key)

),

weighted_channels as (

    select
        path_channels.conversion_key,
        path_channels.channel,
        coalesce(effects.removal_effect, 0.0) as effect,
        sum(coalesce(effects.removal_effect, 0.0))
            over (partition by path_channels.conversion_key) as path_effect,
        count(*) over (partition by path_channels.conversion_key) as path_channel_count
    from path_channels
    left join effects using (segment, outcome, channel)

),

data_driven as (

    -- A path whose channels all have a zero removal effect (impossible for converting
    -- paths, which the chain visits with positive probability) falls back to equal shares.
    select
        conversion_key,
        'data_driven' as model,
        channel,
        case
            when path_effect > 0 then effect / path_effect
            else 1.0 / path_channel_count
        end as credit
    from weighted_channels

),

credits as (

    select * from last_click
    union all
    select * from empty_paths
    union all
    select * from first_click
    union all
    select * from linear
    union all
    select * from u_shape
    union all
    select * from data_driven

),

final as (

    select
        staged.week_start,
        staged.geo,
        staged.segment,
        staged.outcome,
        credits.model,
        credits.channel,
        fsum(credits.credit) as conversions,
        fsum(credits.credit * staged.value) as value
    from credits
    inner join staged using (conversion_key)
    group by staged.week_start, staged.geo, staged.segment, staged.outcome,
        credits.model, credits.channel
    having fsum(credits.credit) > 0

)

select * from final
order by week_start, geo, segment, outcome, model, channel
"""


def data_driven_effects(transitions: pd.DataFrame) -> pd.DataFrame:
    """Markov removal effects per segment x outcome from their transition counts.

    Parameters
    ----------
    transitions
        Columns ``segment``, ``outcome``, ``from_state``, ``to_state``, ``transitions``
        (as from :func:`mmm_pipeline.attribution.paths.path_transitions`).

    Returns
    -------
    pandas.DataFrame
        Columns ``segment``, ``outcome``, ``channel``, ``removal_effect``.
    """
    frames = [
        removal_effects_from_transitions(chain)
        .reset_index()
        .assign(segment=segment, outcome=outcome)
        for (segment, outcome), chain in transitions.groupby(["segment", "outcome"], sort=True)
    ]
    columns = ["segment", "outcome", "channel", "removal_effect"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def click_attribution(
    conn: DuckDBPyConnection, lookback_days: int = DEFAULT_LOOKBACK_DAYS
) -> pd.DataFrame:
    """Credit each week's conversions to channels under every click-based model.

    Parameters
    ----------
    conn
        A connection to the warehouse (read-only is enough): it reads
        ``intermediate.int_conversions_mapped`` and ``intermediate.int_touchpoints_mapped``
        and uses a few temp tables that it drops again.
    lookback_days
        How far before a conversion a touchpoint still belongs to its path, in days of
        exactly 24 hours; a touchpoint exactly ``lookback_days`` before the conversion
        is inside.

    Returns
    -------
    pandas.DataFrame
        Columns ``week_start``, ``geo``, ``segment``, ``outcome``, ``model`` (one of
        :data:`CLICK_MODELS`), ``channel``, ``conversions`` and ``value`` (credited
        shares, floats), one row per cell with credit, sorted by the first six columns.

    Raises
    ------
    TypeError
        If ``lookback_days`` is not a whole number (an ``int`` that is not a ``bool``).
    ValueError
        If ``lookback_days`` is negative.
    """
    if isinstance(lookback_days, bool) or not isinstance(lookback_days, int):
        raise TypeError(f"lookback_days must be a whole number of days, got {lookback_days!r}")
    if lookback_days < 0:
        raise ValueError(f"lookback_days is {lookback_days}; it must be >= 0")
    with staged_paths(conn, lookback_days):
        effects = data_driven_effects(path_transitions(conn))
        try:
            conn.execute(_STAGE_EFFECTS)
            conn.register("_click_attribution_effects_frame", effects)
            try:
                conn.execute(_INSERT_EFFECTS)
            finally:
                conn.unregister("_click_attribution_effects_frame")
            frame = conn.execute(
                _ALLOCATE,
                {"path_models": list(PATH_MODELS), "end_share": U_SHAPE_END_SHARE},
            ).df()
        finally:
            conn.execute(_DROP_EFFECTS)
    return frame[list(RESULT_COLUMNS)]
