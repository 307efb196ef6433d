-- Lift tests, deduplicated on experiment_id. A missing geo or `ALL` means the test
-- covered every geo; a missing segment means all segments.
with

source as (

    select * from {{ source('raw', 'experiments') }}

),

typed as (

    select
        trim(experiment_id) as experiment_id,
        lower(trim(channel)) as channel,
        try_cast(trim(start_date) as date) as start_date,
        try_cast(trim(end_date) as date) as end_date,
        lower(trim(outcome)) as outcome,
        coalesce(nullif(upper(trim(geo)), ''), 'ALL') as geo,
        coalesce(nullif(lower(trim(segment)), ''), 'all') as segment,
        try_cast(trim(spend_delta) as double) as spend_delta,
        try_cast(trim(lift) as double) as lift,
        try_cast(trim(lift_sigma) as double) as lift_sigma,
        _delivery_id,
        _file_name,
        _line_number

    from source

),

deduplicated as (

    select * from typed
    {{ last_delivery_wins(['experiment_id']) }}

)

select * from deduplicated
