-- Ad-platform exports, typed and deduplicated: a re-export of the same
-- date x geo x platform x campaign replaces the earlier row (last delivery wins).
with

source as (

    select * from {{ source('raw', 'ad_spend') }}

),

typed as (

    select
        try_cast(trim(date) as date) as spend_date,
        upper(trim(geo)) as geo,
        lower(trim(platform)) as platform,
        coalesce(trim(campaign), '') as campaign,
        try_cast(trim(spend) as double) as spend,
        coalesce(
            nullif(upper(trim(currency)), ''), '{{ var("reporting_currency") }}'
        ) as currency,
        try_cast(trim(impressions) as double) as impressions,
        try_cast(trim(clicks) as double) as clicks,
        try_cast(trim(engagements) as double) as engagements,
        _delivery_id,
        _file_name,
        _line_number

    from source

),

deduplicated as (

    select * from typed
    {{ last_delivery_wins(['spend_date', 'geo', 'platform', 'campaign']) }}

)

select * from deduplicated
