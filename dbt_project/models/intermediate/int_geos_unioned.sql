-- Every geo the landing zone mentions in spend or outcomes: what `ALL` expands to for
-- controls and experiments.
with

spend_geos as (select distinct geo from {{ ref('stg_landing__ad_spend') }}),

conversion_geos as (select distinct geo from {{ ref('stg_landing__conversions') }}),

outcome_geos as (select distinct geo from {{ ref('stg_landing__outcomes') }}),

final as (

    select geo from spend_geos
    union
    select geo from conversion_geos
    union
    select geo from outcome_geos

)

select * from final where geo is not null and geo <> 'ALL'
