-- Tracked visits and ad clicks, typed and deduplicated on the customer, the moment and
-- the UTMs: the same visit exported twice counts once.
with

source as (

    select * from {{ source('raw', 'touchpoints') }}

),

typed as (

    select
        trim(customer_id) as customer_id,
        try_cast(trim(occurred_at) as timestamptz) as occurred_at,
        nullif(upper(trim(geo)), '') as geo,
        nullif(lower(trim(utm_source)), '') as utm_source,
        nullif(lower(trim(utm_medium)), '') as utm_medium,
        nullif(lower(trim(utm_campaign)), '') as utm_campaign,
        nullif(trim(referrer), '') as referrer,
        {{ referrer_host('referrer') }} as referrer_host,
        _delivery_id,
        _file_name,
        _line_number

    from source

),

deduplicated as (

    select * from typed
    {{ last_delivery_wins(['customer_id', 'occurred_at', 'utm_source', 'utm_medium', 'utm_campaign']) }}

)

select * from deduplicated
