-- Post-purchase survey answers, deduplicated on response_id. The answer keeps its
-- wording (trimmed, lower-cased) so the survey mapping seed can match keywords.
with

source as (

    select * from {{ source('raw', 'survey_responses') }}

),

typed as (

    select
        trim(response_id) as response_id,
        trim(conversion_id) as conversion_id,
        lower(trim(answer)) as answer,
        try_cast(nullif(trim(answered_at), '') as timestamptz) as answered_at,
        nullif(trim(question_id), '') as question_id,
        _delivery_id,
        _file_name,
        _line_number

    from source

),

deduplicated as (

    select * from typed
    {{ last_delivery_wins(['response_id']) }}

)

select * from deduplicated
