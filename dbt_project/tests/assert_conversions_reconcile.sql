-- Failing rows are kept in audit.assert_conversions_reconcile so `mmm run` can quote them.
{{ config(store_failures=true, schema='audit') }}

-- Every deduplicated conversion row is counted exactly once in the weekly mart, with
-- its value; and every pre-aggregated outcome row likewise.
with

staged as (

    select
        (select count(*) from {{ ref('stg_landing__conversions') }}
            where occurred_at is not null) as conversion_rows,
        (select coalesce(sum(value), 0) from {{ ref('stg_landing__conversions') }}
            where occurred_at is not null) as conversion_value,
        (select coalesce(sum(conversions), 0) from {{ ref('stg_landing__outcomes') }}
            where outcome_date is not null and conversions is not null) as aggregated_conversions

),

marts as (

    select
        coalesce(sum(conversions) filter (where delivered_as = 'conversions'), 0) as conversion_rows,
        coalesce(sum(value) filter (where delivered_as = 'conversions'), 0) as conversion_value,
        coalesce(sum(conversions) filter (where delivered_as = 'outcomes'), 0) as aggregated_conversions
    from {{ ref('fct_conversions_weekly') }}
    where week_start is not null

)

select
    staged.*,
    marts.conversion_rows as mart_rows,
    'conversions mart holds ' || marts.conversion_rows || ' conversions worth '
        || marts.conversion_value || ' against ' || staged.conversion_rows
        || ' delivered worth ' || staged.conversion_value as message
from staged, marts
where staged.conversion_rows <> marts.conversion_rows
    or abs(staged.conversion_value - marts.conversion_value) > 0.001
    or abs(staged.aggregated_conversions - marts.aggregated_conversions) > 0.001
