-- Lift tests as the model reads them: one row per experiment with its window in
-- whole ISO weeks and its effect size, the ground truth the MMM is calibrated to.
with

experiments as (

    select * from {{ ref('stg_landing__experiments') }}

),

final as (

    select
        experiment_id,
        channel,
        geo,
        segment,
        outcome,
        start_date,
        end_date,
        cast(date_trunc('week', start_date) as date) as first_week_start,
        cast(date_trunc('week', end_date) as date) as last_week_start,
        date_diff('day', start_date, end_date) + 1 as window_days,
        spend_delta,
        lift,
        lift_sigma
    from experiments

)

select * from final
