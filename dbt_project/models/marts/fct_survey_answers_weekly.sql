-- Survey answers per ISO week of the conversion, geo, segment, outcome and the channel
-- the answer names; with the conversions of that cell, so response rates can be read.
with

answers as (

    select * from {{ ref('int_survey_responses_mapped') }} where has_conversion

),

final as (

    select
        week_start,
        geo,
        segment,
        outcome,
        channel,
        count(*)::double as responses
    from answers
    group by week_start, geo, segment, outcome, channel

)

select * from final
