-- The forecast call roll-up per department tree, quarter and week (Monday start): what the reps in
-- the tree submitted (sum of their calls as they stood at the week's end, forecast_submissions_weekly),
-- the manager's call for the tree (the override: the latest manager call made for exactly this
-- department), the tree's call rolled up (team_call_*: the manager's call where one was made, else
-- the calls of the sub-trees and of the reps directly in the department, so a VP's tree takes each
-- team's override), and beside them the computed forecast, the ML forecast and the target of the same
-- tree and quarter (sales.forecast, as of the snapshot: one figure for every week).
-- A department's tree is itself and every department below it (up to 8 levels, the row rule's
-- tree in operational/scope.py); a rep counts in the tree of the department their call was made in.
-- *_change_wow: this week's figure minus the department's previous week (empty in its first week).

{% set max_depth = 8 %}

with

weekly as (

    select * from {{ ref('forecast_submissions_weekly') }}

),

forecast as (

    select * from {{ ref('forecast') }}

),

departments as (

    select department_id, parent_department_id, department_name from {{ ref('stg_crm__departments') }}

),

tree as (  -- (department, one of its ancestors or itself): a bounded walk up, portable SQL

    select department_id, department_id as ancestor_id from departments
    {% for depth in range(1, max_depth + 1) %}
    union all
    select d0.department_id, d{{ depth - 1 }}.parent_department_id as ancestor_id
    from departments as d0
    {% for step in range(1, depth) %}
    inner join departments as d{{ step }} on d{{ step }}.department_id = d{{ step - 1 }}.parent_department_id
    {% endfor %}
    where d{{ depth - 1 }}.parent_department_id is not null
    {% endfor %}

),

tree_of as (  -- a call or forecast row's department -> every tree it counts in

    select distinct department_id, ancestor_id from tree

),

rep_rollup as (

    select
        weekly.week_start,
        weekly.quarter_start,
        tree_of.ancestor_id                                                     as department_id,
        count(*)                                                                as reps_with_call,
        sum(case when weekly.is_submitted_this_week then 1 else 0 end)          as reps_submitted_this_week,
        sum(weekly.commit_amount)                                               as reps_commit,
        sum(weekly.best_case_amount)                                            as reps_best_case
    from weekly
    inner join tree_of on weekly.department_id = tree_of.department_id
    where weekly.call_level = 'rep'
    group by weekly.week_start, weekly.quarter_start, tree_of.ancestor_id

),

manager_ranked as (

    select
        week_start, quarter_start, department_id,
        owner_id                                                                as manager_id,
        owner_name                                                              as manager_name,
        commit_amount                                                           as manager_commit,
        best_case_amount                                                        as manager_best_case,
        note                                                                    as manager_note,
        submitted_at                                                            as manager_submitted_at,
        row_number() over (
            partition by week_start, quarter_start, department_id
            order by submitted_at desc, forecast_submission_id desc
        )                                                                       as recency
    from weekly
    where call_level = 'manager'

),

manager_call as (

    select * from manager_ranked where recency = 1

),

units as (  -- what a tree's call is made of: each rep's call, each manager's call

    select week_start, quarter_start, 'rep' as unit_kind, department_id as unit_department,
           commit_amount, best_case_amount
    from weekly
    where call_level = 'rep'
    union all
    select week_start, quarter_start, 'manager' as unit_kind, department_id as unit_department,
           manager_commit, manager_best_case
    from manager_call

),

unit_trees as (  -- every tree a unit lies in

    select units.*, tree_of.ancestor_id as department_id
    from units
    inner join tree_of on units.unit_department = tree_of.department_id

),

covered as (  -- a unit a nearer manager call replaces: a manager called a department on the way
              -- from the unit up to the tree's root (for a manager's own call: strictly above it)

    select distinct
        unit_trees.week_start, unit_trees.quarter_start, unit_trees.unit_kind,
        unit_trees.unit_department, unit_trees.department_id
    from unit_trees
    inner join tree_of as path on path.department_id = unit_trees.unit_department
    inner join tree_of as up
        on up.department_id = path.ancestor_id
       and up.ancestor_id = unit_trees.department_id
    inner join manager_call
        on manager_call.department_id = path.ancestor_id
       and manager_call.week_start = unit_trees.week_start
       and manager_call.quarter_start = unit_trees.quarter_start
    where unit_trees.unit_kind = 'rep' or path.ancestor_id <> unit_trees.unit_department

),

team_call as (  -- the tree's call: its manager's, else its sub-trees' calls and its own reps'

    select
        unit_trees.week_start, unit_trees.quarter_start, unit_trees.department_id,
        sum(unit_trees.commit_amount)                                           as team_call_commit,
        sum(unit_trees.best_case_amount)                                        as team_call_best_case
    from unit_trees
    left join covered
        on covered.week_start = unit_trees.week_start
       and covered.quarter_start = unit_trees.quarter_start
       and covered.unit_kind = unit_trees.unit_kind
       and covered.unit_department = unit_trees.unit_department
       and covered.department_id = unit_trees.department_id
    where covered.department_id is null
    group by unit_trees.week_start, unit_trees.quarter_start, unit_trees.department_id

),

computed as (

    select
        forecast.quarter_start,
        tree_of.ancestor_id                                                     as department_id,
        sum(forecast.commit_forecast)                                           as computed_commit,
        sum(forecast.best_case_forecast)                                        as computed_best_case,
        sum(forecast.weighted_forecast)                                         as computed_weighted,
        sum(forecast.ml_forecast)                                               as ml_forecast,
        sum(forecast.target_amount)                                             as target_amount,
        sum(forecast.closed_won)                                                as closed_won
    from forecast
    inner join tree_of on forecast.department_id = tree_of.department_id
    group by forecast.quarter_start, tree_of.ancestor_id

),

keys as (

    select week_start, quarter_start, department_id from rep_rollup
    union
    select week_start, quarter_start, department_id from manager_call
    union
    select week_start, quarter_start, department_id from team_call

),

joined as (

    select
        keys.week_start,
        keys.quarter_start,
        keys.department_id,
        coalesce(rep_rollup.reps_with_call, 0)                                  as reps_with_call,
        coalesce(rep_rollup.reps_submitted_this_week, 0)                        as reps_submitted_this_week,
        rep_rollup.reps_commit,
        rep_rollup.reps_best_case,
        manager_call.manager_id,
        manager_call.manager_name,
        manager_call.manager_commit,
        manager_call.manager_best_case,
        manager_call.manager_note,
        manager_call.manager_submitted_at,
        team_call.team_call_commit,
        team_call.team_call_best_case,
        computed.computed_commit,
        computed.computed_best_case,
        computed.computed_weighted,
        computed.ml_forecast,
        computed.target_amount,
        computed.closed_won,
        lag(rep_rollup.reps_commit) over (
            partition by keys.department_id, keys.quarter_start order by keys.week_start
        )                                                                       as prev_reps_commit,
        lag(manager_call.manager_commit) over (
            partition by keys.department_id, keys.quarter_start order by keys.week_start
        )                                                                       as prev_manager_commit,
        lag(team_call.team_call_commit) over (
            partition by keys.department_id, keys.quarter_start order by keys.week_start
        )                                                                       as prev_team_call_commit
    from keys
    left join rep_rollup
        on keys.week_start = rep_rollup.week_start
       and keys.quarter_start = rep_rollup.quarter_start
       and keys.department_id = rep_rollup.department_id
    left join manager_call
        on keys.week_start = manager_call.week_start
       and keys.quarter_start = manager_call.quarter_start
       and keys.department_id = manager_call.department_id
    left join team_call
        on keys.week_start = team_call.week_start
       and keys.quarter_start = team_call.quarter_start
       and keys.department_id = team_call.department_id
    left join computed
        on keys.quarter_start = computed.quarter_start
       and keys.department_id = computed.department_id

),

final as (

    select
        -- keys
        joined.week_start,
        joined.quarter_start,
        joined.department_id,
        departments.department_name,

        -- what the reps in the tree submitted (CNY)
        joined.reps_with_call,
        joined.reps_submitted_this_week,
        cast(joined.reps_commit as {{ type_decimal() }})                        as reps_commit,
        cast(joined.reps_best_case as {{ type_decimal() }})                     as reps_best_case,
        cast(joined.reps_commit - joined.prev_reps_commit as {{ type_decimal() }})
                                                                                as reps_commit_change_wow,

        -- the manager's call (override) for the tree
        joined.manager_id,
        joined.manager_name,
        cast(joined.manager_commit as {{ type_decimal() }})                     as manager_commit,
        cast(joined.manager_best_case as {{ type_decimal() }})                  as manager_best_case,
        cast(joined.manager_commit - joined.prev_manager_commit as {{ type_decimal() }})
                                                                                as manager_commit_change_wow,
        cast(joined.manager_commit - joined.reps_commit as {{ type_decimal() }}) as override_vs_reps,
        joined.manager_note,
        joined.manager_submitted_at,

        -- the tree's call rolled up: the manager's call, else the sub-trees' calls and the reps'
        cast(joined.team_call_commit as {{ type_decimal() }})                   as team_call_commit,
        cast(joined.team_call_best_case as {{ type_decimal() }})                as team_call_best_case,
        cast(joined.team_call_commit - joined.prev_team_call_commit as {{ type_decimal() }})
                                                                                as team_call_change_wow,

        -- beside them: computed, ML and target of the tree (as of the snapshot)
        cast(coalesce(joined.computed_commit, 0) as {{ type_decimal() }})       as computed_commit,
        cast(coalesce(joined.computed_best_case, 0) as {{ type_decimal() }})    as computed_best_case,
        cast(coalesce(joined.computed_weighted, 0) as {{ type_decimal() }})     as computed_weighted,
        cast(coalesce(joined.ml_forecast, 0) as {{ type_decimal() }})           as ml_forecast,
        cast(coalesce(joined.target_amount, 0) as {{ type_decimal() }})         as target_amount,
        cast(coalesce(joined.closed_won, 0) as {{ type_decimal() }})            as closed_won

    from joined
    left join departments on joined.department_id = departments.department_id

)

select * from final
