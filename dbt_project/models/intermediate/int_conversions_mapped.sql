-- Each conversion with its last-click channel: the channel of the UTMs and referrer
-- captured on the converting session.
with

conversions as (

    select * from {{ ref('stg_landing__conversions') }} where occurred_at is not null

),

utm_channels as (

    select * from {{ ref('int_utm_combinations_mapped') }}

),

final as (

    select
        conversions.conversion_id,
        conversions.outcome,
        conversions.segment,
        conversions.geo,
        conversions.occurred_at,
        conversions.occurred_date,
        cast(date_trunc('week', conversions.occurred_date) as date) as week_start,
        conversions.value,
        conversions.customer_id,
        conversions.is_new_customer,
        conversions.utm_source,
        conversions.utm_medium,
        conversions.utm_campaign,
        conversions.referrer,
        conversions.referrer_host,
        conversions.utm_source is null
            and conversions.utm_medium is null
            and conversions.utm_campaign is null
            and conversions.referrer_host is null as is_untracked,
        utm_channels.channel as last_click_channel,
        utm_channels.is_mapped as is_last_click_mapped,
        conversions._file_name,
        conversions._line_number
    from conversions
    {{ join_utm_channels('conversions') }}

)

select * from final
