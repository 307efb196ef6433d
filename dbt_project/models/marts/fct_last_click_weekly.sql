-- Conversions and value per ISO week, geo, segment, outcome and last-click channel:
-- the click-based view that the MMM attribution corrects.
with

conversions as (

    select * from {{ ref('int_conversions_mapped') }}

),

final as (

    select
        week_start,
        geo,
        segment,
        outcome,
        last_click_channel as channel,
        count(*)::double as conversions,
        round(sum(value), 4) as value,
        count(*) filter (where is_untracked)::double as untracked_conversions
    from conversions
    group by week_start, geo, segment, outcome, last_click_channel

)

select * from final
