-- Failing rows are kept in audit.assert_every_currency_has_a_rate so `mmm run` can quote them.
{{ config(store_failures=true, schema='audit') }}

-- Spend in a currency without a rate in seeds/currency_rates.csv would otherwise be
-- read 1:1; fail instead and name the currency and a file that uses it.
select
    currency,
    count(*) as spend_rows,
    min(_file_name) as example_file,
    'currency "' || currency || '" has no rate in seeds/currency_rates.csv ('
        || count(*) || ' spend rows, e.g. in ' || min(_file_name)
        || '); add the rate or fix the export' as message
from {{ ref('int_ad_spend_mapped') }}
where fx_rate is null
group by currency
