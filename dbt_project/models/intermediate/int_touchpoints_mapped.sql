-- Each touchpoint with its channel, for path-based (multi-touch) attribution.
with

touchpoints as (

    select * from {{ ref('stg_landing__touchpoints') }}

),

utm_channels as (

    select * from {{ ref('int_utm_combinations_mapped') }}

),

final as (

    select
        touchpoints.customer_id,
        touchpoints.occurred_at,
        touchpoints.geo,
        touchpoints.utm_source,
        touchpoints.utm_medium,
        touchpoints.utm_campaign,
        touchpoints.referrer_host,
        utm_channels.channel,
        utm_channels.is_mapped,
        touchpoints._file_name,
        touchpoints._line_number
    from touchpoints
    left join utm_channels
        on coalesce(touchpoints.utm_source, '') = utm_channels.utm_source_key
        and coalesce(touchpoints.utm_medium, '') = utm_channels.utm_medium_key
        and coalesce(touchpoints.utm_campaign, '') = utm_channels.utm_campaign_key
        and coalesce(touchpoints.referrer_host, '') = utm_channels.referrer_host_key

)

select * from final
