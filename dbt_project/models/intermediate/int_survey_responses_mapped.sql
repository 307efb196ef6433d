-- Each survey answer with the channel it names (channel_map_survey) and the conversion
-- it belongs to, so answers can be counted per week, geo, segment and outcome.
with

responses as (

    select * from {{ ref('stg_landing__survey_responses') }}

),

conversions as (

    select * from {{ ref('int_conversions_mapped') }}

),

rules as (

    select * from {{ ref('channel_map_survey') }}

),

answers as (

    select distinct answer from responses

),

matched as (

    select answers.answer, rules.channel
    from answers
    inner join rules
        on regexp_matches(coalesce(answers.answer, ''), rules.answer_pattern)
    qualify row_number() over (partition by answers.answer order by rules.priority) = 1

),

final as (

    select
        responses.response_id,
        responses.conversion_id,
        responses.answer,
        responses.answered_at,
        responses.question_id,
        coalesce(matched.channel, 'other') as channel,
        matched.channel is not null as is_mapped,
        conversions.outcome,
        conversions.segment,
        conversions.geo,
        conversions.week_start,
        conversions.last_click_channel,
        conversions.conversion_id is not null as has_conversion,
        responses._file_name,
        responses._line_number
    from responses
    left join matched on responses.answer = matched.answer
    left join conversions on responses.conversion_id = conversions.conversion_id
    -- A conversion_id reused across outcomes (signup, then order) is one customer
    -- answering once: attach the answer to one of them, deterministically.
    qualify row_number() over (
        partition by responses.response_id order by conversions.outcome
    ) = 1

)

select * from final
