-- Observed outcomes per ISO week, geo, segment and outcome: counted from conversion
-- rows, or summed from pre-aggregated outcome deliveries. An outcome comes from one of
-- the two, never both (assert_outcome_from_one_source).
with

conversions as (

    select * from {{ ref('int_conversions_mapped') }}

),

outcomes as (

    select * from {{ ref('stg_landing__outcomes') }}
    where outcome_date is not null and conversions is not null

),

from_conversions as (

    select
        week_start,
        geo,
        segment,
        outcome,
        count(*)::double as conversions,
        round(sum(value), 4) as value,
        'conversions' as delivered_as
    from conversions
    group by week_start, geo, segment, outcome

),

from_outcomes as (

    select
        cast(date_trunc('week', outcome_date) as date) as week_start,
        geo,
        segment,
        outcome,
        sum(conversions) as conversions,
        round(sum(value), 4) as value,
        'outcomes' as delivered_as
    from outcomes
    group by 1, geo, segment, outcome

),

final as (

    select * from from_conversions
    union all
    select * from from_outcomes

)

select * from final
