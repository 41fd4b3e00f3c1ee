-- Weekly snapshots of the forecast calls (预测提交, entry screen forecast_calls): one row per call
-- (level rep/manager, person, department the call covers, quarter) per week (Monday start) from the
-- week of its first submission up to the as-of week (and no later than its quarter's last week).
-- A week's figures are the call's latest submission made before the week ended, so a call
-- nobody touched carries forward; *_change_wow is this week's figure minus last week's (empty in
-- the call's first week). The store keeps every submission (insert-only), so the history is exact.

with

submissions as (

    select
        forecast_submission_id,
        call_level,
        owner_id,
        department_id,
        quarter_start,
        commit_amount,
        best_case_amount,
        note,
        author,
        created_at                                                              as submitted_at,
        cast({{ dbt.date_trunc('week', 'created_at') }} as {{ type_date() }})   as submitted_week
    from {{ ref('stg_ops__forecast_submissions') }}

),

calls as (

    select call_level, owner_id, department_id, quarter_start, min(submitted_week) as first_week
    from submissions
    group by call_level, owner_id, department_id, quarter_start

),

spine as (

    {{ sales_date_spine('(select min(submitted_week) from submissions)', as_of_date()) }}

),

weeks as (

    select cast(date_day as {{ type_date() }}) as week_start
    from spine
    where cast({{ dbt.date_trunc('week', 'date_day') }} as {{ type_date() }}) = date_day

),

call_weeks as (

    select calls.*, weeks.week_start
    from calls
    inner join weeks
        on weeks.week_start >= calls.first_week
       and weeks.week_start < {{ dbt.dateadd('month', 3, 'calls.quarter_start') }}

),

ranked as (

    select
        call_weeks.week_start,
        call_weeks.quarter_start,
        call_weeks.call_level,
        call_weeks.owner_id,
        call_weeks.department_id,
        submissions.forecast_submission_id,
        submissions.commit_amount,
        submissions.best_case_amount,
        submissions.note,
        submissions.author,
        submissions.submitted_at,
        submissions.submitted_week = call_weeks.week_start                      as is_submitted_this_week,
        row_number() over (
            partition by call_weeks.week_start, call_weeks.call_level, call_weeks.owner_id,
                         call_weeks.department_id, call_weeks.quarter_start
            order by submissions.submitted_at desc, submissions.forecast_submission_id desc
        )                                                                       as recency
    from call_weeks
    inner join submissions
        on submissions.call_level = call_weeks.call_level
       and submissions.owner_id = call_weeks.owner_id
       and submissions.department_id = call_weeks.department_id
       and submissions.quarter_start = call_weeks.quarter_start
       and submissions.submitted_week <= call_weeks.week_start

),

latest as (

    select
        *,
        lag(commit_amount) over (
            partition by call_level, owner_id, department_id, quarter_start order by week_start
        )                                                                       as prev_commit_amount,
        lag(best_case_amount) over (
            partition by call_level, owner_id, department_id, quarter_start order by week_start
        )                                                                       as prev_best_case_amount
    from ranked
    where recency = 1

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
        latest.week_start,
        latest.quarter_start,
        latest.call_level,
        latest.owner_id,
        users.user_name                                                         as owner_name,
        latest.department_id,
        departments.department_name,

        -- the call as it stood at the week's end (CNY)
        cast(latest.commit_amount as {{ type_decimal() }})                      as commit_amount,
        cast(latest.best_case_amount as {{ type_decimal() }})                   as best_case_amount,
        cast(latest.prev_commit_amount as {{ type_decimal() }})                 as prev_commit_amount,
        cast(latest.prev_best_case_amount as {{ type_decimal() }})              as prev_best_case_amount,
        cast(latest.commit_amount - latest.prev_commit_amount as {{ type_decimal() }})
                                                                                as commit_change_wow,
        cast(latest.best_case_amount - latest.prev_best_case_amount as {{ type_decimal() }})
                                                                                as best_case_change_wow,

        -- the submission behind it
        latest.forecast_submission_id,
        latest.submitted_at,
        latest.is_submitted_this_week,
        latest.note,
        latest.author

    from latest
    left join users on latest.owner_id = users.user_id
    left join departments on latest.department_id = departments.department_id

)

select * from final
