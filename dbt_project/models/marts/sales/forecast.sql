-- Quarter forecast by owner and department (roll up by summing: every column is additive),
-- as of the snapshot's as-of date (macro as_of_date):
--   target            the quarter's targets of the rep (sales_targets, by the target's department)
--   closed_won        won with the close date in the quarter
--   weighted_pipeline open deals closing in the quarter x stage probability (fraction)
--   commit            closed_won + open deals in forecast category commit
--   best_case         commit + open deals in forecast category best_case
--   ml_forecast       closed_won + open deals x ML win probability + run-rate of deals still to be
--                     created and won in the quarter (models_ml/bookings_forecast.py)
-- Open deals whose close date has passed (past due) count in no quarter.

with

opportunities as (

    select * from {{ ref('opportunities') }}

),

targets as (

    select * from {{ ref('stg_crm__sales_targets') }}

),

ml_scores as (

    select * from {{ source('sales_ml', 'win_probability') }}

),

run_rate as (

    select * from {{ source('sales_ml', 'bookings_forecast_ml') }}

),

model_version as (

    select max(model_version) as model_version from ml_scores

),

deal_rows as (

    select
        cast({{ dbt.date_trunc('quarter', 'coalesce(opportunities.closed_date, opportunities.expected_close_date)') }}
             as {{ type_date() }})                                              as quarter_start,
        opportunities.owner_id,
        opportunities.department_id,
        0                                                                       as target_amount,
        case when opportunities.is_won then opportunities.amount else 0 end     as closed_won,
        case when not opportunities.is_closed then opportunities.amount else 0 end as open_pipeline,
        case when not opportunities.is_closed
             then opportunities.amount * opportunities.stage_probability else 0 end as weighted_pipeline,
        case when not opportunities.is_closed and opportunities.forecast_category = 'commit'
             then opportunities.amount else 0 end                               as open_commit,
        case when not opportunities.is_closed and opportunities.forecast_category = 'best_case'
             then opportunities.amount else 0 end                               as open_best_case,
        case when not opportunities.is_closed
             then opportunities.amount * coalesce(ml_scores.win_probability, opportunities.stage_probability)
             else 0 end                                                         as ml_weighted_pipeline,
        0                                                                       as run_rate
    from opportunities
    left join ml_scores on opportunities.opportunity_id = ml_scores.opportunity_id
    where opportunities.is_won
       or (not opportunities.is_closed
           and opportunities.expected_close_date >= {{ as_of_date() }})

),

target_rows as (

    select
        cast({{ dbt.date_trunc('quarter', 'period_month') }} as {{ type_date() }}) as quarter_start,
        user_id                                                                 as owner_id,
        department_id,
        target_amount,
        0 as closed_won, 0 as open_pipeline, 0 as weighted_pipeline, 0 as open_commit,
        0 as open_best_case, 0 as ml_weighted_pipeline, 0 as run_rate
    from targets

),

run_rate_rows as (

    select
        quarter_start, owner_id, department_id,
        0 as target_amount, 0 as closed_won, 0 as open_pipeline, 0 as weighted_pipeline,
        0 as open_commit, 0 as open_best_case, 0 as ml_weighted_pipeline,
        run_rate_amount as run_rate
    from run_rate

),

combined as (

    select quarter_start, owner_id, department_id,
           sum(target_amount) as target_amount, sum(closed_won) as closed_won,
           sum(open_pipeline) as open_pipeline, sum(weighted_pipeline) as weighted_pipeline,
           sum(open_commit) as open_commit, sum(open_best_case) as open_best_case,
           sum(ml_weighted_pipeline) as ml_weighted_pipeline, sum(run_rate) as run_rate
    from (
        select * from deal_rows
        union all select * from target_rows
        union all select * from run_rate_rows
    ) as all_rows
    group by quarter_start, owner_id, department_id

),

users as (

    select user_id, user_name from {{ ref('stg_crm__users') }}

),

departments as (

    select department_id, department_name from {{ ref('stg_crm__departments') }}

),

final as (

    select
        -- keys
        combined.quarter_start,
        combined.owner_id,
        users.user_name                                                         as owner_name,
        combined.department_id,
        departments.department_name,

        -- amounts (CNY)
        cast(combined.target_amount as {{ type_decimal() }})                    as target_amount,
        cast(combined.closed_won as {{ type_decimal() }})                       as closed_won,
        cast(combined.open_pipeline as {{ type_decimal() }})                    as open_pipeline,
        cast(combined.weighted_pipeline as {{ type_decimal() }})                as weighted_pipeline,
        cast(combined.closed_won + combined.weighted_pipeline as {{ type_decimal() }})
                                                                                as weighted_forecast,
        cast(combined.closed_won + combined.open_commit as {{ type_decimal() }}) as commit_forecast,
        cast(combined.closed_won + combined.open_commit + combined.open_best_case as {{ type_decimal() }})
                                                                                as best_case_forecast,
        cast(combined.ml_weighted_pipeline as {{ type_decimal() }})             as ml_weighted_pipeline,
        cast(combined.run_rate as {{ type_decimal() }})                         as ml_run_rate,
        cast(combined.closed_won + combined.ml_weighted_pipeline + combined.run_rate as {{ type_decimal() }})
                                                                                as ml_forecast,
        model_version.model_version

    from combined
    left join users on combined.owner_id = users.user_id
    left join departments on combined.department_id = departments.department_id
    cross join model_version

)

select * from final
