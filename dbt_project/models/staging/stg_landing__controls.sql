-- Control variables per day, deduplicated on (date, geo, name). A missing geo is `ALL`.
with

source as (

    select * from {{ source('raw', 'controls') }}

),

typed as (

    select
        try_cast(trim(date) as date) as control_date,
        coalesce(nullif(upper(trim(geo)), ''), 'ALL') as geo,
        lower(trim(name)) as name,
        try_cast(trim(value) as double) as value,
        _delivery_id,
        _file_name,
        _line_number

    from source

),

deduplicated as (

    select * from typed
    {{ last_delivery_wins(['control_date', 'geo', 'name']) }}

)

select * from deduplicated
