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
    {{ join_utm_channels('touchpoints') }}

)

select * from final
