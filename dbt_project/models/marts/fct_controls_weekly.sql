-- Control variables per ISO week, geo and name: the weekly mean of the daily values.
-- A control delivered for `ALL` applies to every geo; a geo-specific row for the same
-- day and name takes precedence over it.
with

controls as (

    select * from {{ ref('stg_landing__controls') }}

),

geos as (

    select * from {{ ref('int_geos_unioned') }}

),

expanded as (

    select
        controls.control_date,
        coalesce(geos.geo, controls.geo) as geo,
        controls.name,
        controls.value,
        controls.geo = 'ALL' as is_from_all
    from controls
    left join geos on controls.geo = 'ALL'

),

per_day as (

    select * from expanded
    qualify row_number() over (
        partition by control_date, geo, name order by is_from_all
    ) = 1

),

final as (

    select
        cast(date_trunc('week', control_date) as date) as week_start,
        geo,
        name,
        avg(value) as value,
        count(*) as days_observed
    from per_day
    group by 1, geo, name

)

select * from final
