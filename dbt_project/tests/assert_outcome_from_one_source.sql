-- Failing rows are kept in audit.assert_outcome_from_one_source so `mmm run` can quote them.
{{ config(store_failures=true, schema='audit') }}

-- An outcome comes from conversions/ or from outcomes/, never both: summing both would
-- double count. Returns the offending outcomes (the test fails when any row comes back).
select
    outcome,
    'outcome "' || outcome || '" is delivered both as conversion rows and in outcomes/; '
        || 'deliver it through one of them' as message
from {{ ref('fct_conversions_weekly') }}
group by outcome
having count(distinct delivered_as) > 1
