-- Conversion events, typed and deduplicated on (conversion_id, outcome). Timestamps
-- without an offset are UTC; the event's day and week are taken in the reporting
-- timezone. UTMs are lower-cased; the referrer is reduced to its host for mapping.
with

source as (

    select * from {{ source('raw', 'conversions') }}

),

typed as (

    select
        trim(conversion_id) as conversion_id,
        lower(trim(outcome)) as outcome,
        try_cast(trim(occurred_at) as timestamptz) as occurred_at,
        upper(trim(geo)) as geo,
        coalesce(nullif(lower(trim(segment)), ''), 'all') as segment,
        coalesce(try_cast(nullif(trim(value), '') as double), 0) as value,
        nullif(trim(customer_id), '') as customer_id,
        case
            when lower(trim(is_new_customer)) in ('true', 't', '1', 'yes', 'y') then true
            when lower(trim(is_new_customer)) in ('false', 'f', '0', 'no', 'n') then false
        end as is_new_customer,
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

dated as (

    select
        *,
        cast(timezone('{{ var("reporting_timezone") }}', occurred_at) as date) as occurred_date
    from typed

),

deduplicated as (

    select * from dated
    {{ last_delivery_wins(['conversion_id', 'outcome']) }}

)

select * from deduplicated
