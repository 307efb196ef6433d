-- Outcomes delivered pre-aggregated, deduplicated on (date, geo, segment, outcome).
-- The date may be any day of its week.
with

source as (

    select * from {{ source('raw', 'outcomes') }}

),

typed as (

    select
        try_cast(trim(date) as date) as outcome_date,
        upper(trim(geo)) as geo,
        coalesce(nullif(lower(trim(segment)), ''), 'all') as segment,
        lower(trim(outcome)) as outcome,
        try_cast(trim(conversions) as double) as conversions,
        coalesce(try_cast(nullif(trim(value), '') as double), 0) as value,
        _delivery_id,
        _file_name,
        _line_number

    from source

),

deduplicated as (

    select * from typed
    {{ last_delivery_wins(['outcome_date', 'geo', 'segment', 'outcome']) }}

)

select * from deduplicated
