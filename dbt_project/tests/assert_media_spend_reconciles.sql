-- Failing rows are kept in audit.assert_media_spend_reconciles so `mmm run` can quote them.
{{ config(store_failures=true, schema='audit') }}

-- The weekly media mart holds exactly the deduplicated delivered spend: no row lost or
-- double counted by the mapping joins (to a thousandth of the reporting currency).
with

delivered as (

    select coalesce(sum(spend), 0) as spend, count(*) as spend_rows
    from {{ ref('stg_landing__ad_spend') }} as staged
    left join {{ ref('currency_rates') }} as rates using (currency)
    where staged.spend_date is not null and staged.spend is not null
        and rates.currency is not null

),

converted as (

    select coalesce(sum(spend), 0) as spend, count(*) as spend_rows
    from {{ ref('int_ad_spend_mapped') }}
    where fx_rate is not null

),

marts as (

    select coalesce(sum(spend), 0) as spend from {{ ref('fct_media_weekly') }}

)

select
    converted.spend as converted_spend,
    marts.spend as mart_spend,
    delivered.spend_rows,
    converted.spend_rows as converted_rows,
    'media mart spend ' || marts.spend || ' differs from delivered spend '
        || converted.spend || ' (' || delivered.spend_rows || ' delivered rows, '
        || converted.spend_rows || ' converted)' as message
from delivered, converted, marts
where abs(converted.spend - marts.spend) > 0.001
    or delivered.spend_rows <> converted.spend_rows
