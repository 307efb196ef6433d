-- Paid media per ISO week (named by its Monday), geo and channel, in the reporting
-- currency. Impressions, clicks and engagements stay null where no platform of the
-- channel reports them (podcast, TV).
with

spend as (

    select * from {{ ref('int_ad_spend_mapped') }}

),

final as (

    select
        week_start,
        geo,
        channel,
        -- Rounded to 1/100 of a cent: parallel float sums differ in the last bits between
        -- runs, and a rebuild on the same data should give the same table.
        round(sum(spend), 4) as spend,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(engagements) as engagements,
        count(distinct spend_date) as active_days
    from spend
    group by week_start, geo, channel

)

select * from final
