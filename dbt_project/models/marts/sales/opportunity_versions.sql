-- Every version of every opportunity as a validity interval [valid_from, valid_to): the values
-- after each change of stage, amount or expected close date (CRM stage history). The state of
-- any opportunity at any moment t is the one row with valid_from <= t < valid_to (valid_to null
-- = still current). Point-in-time snapshots, movements and ML features all read this table.
-- An opportunity the history does not mention (an extract without stage history) is known only
-- in its current state, from its creation on: one version.

with

history as (

    select * from {{ ref('int_opportunity_stage_history_unioned') }}

),

opportunities as (

    select opportunity_id, stage, amount, close_date, created_at from {{ ref('int_opportunities_unioned') }}

),

stages as (

    select * from {{ source('settings', 'stage_probabilities') }}

),

-- history rows of opportunities that exist (orphan history rows are left out; the staging
-- relationships test reports them)
known_history as (

    select history.*
    from history
    inner join opportunities
        on history.opportunity_id = opportunities.opportunity_id

),

without_history as (

    select
        opportunities.opportunity_id,
        -1 * opportunities.opportunity_id          as stage_change_id,  -- negative: no history row
        cast(null as {{ dbt.type_string() }})      as from_stage,
        opportunities.stage                        as to_stage,
        opportunities.amount,
        opportunities.close_date,
        opportunities.created_at                   as changed_at,
        cast(null as {{ dbt.type_bigint() }})      as changed_by
    from opportunities
    left join (select distinct opportunity_id from known_history) as documented
        on opportunities.opportunity_id = documented.opportunity_id
    where documented.opportunity_id is null

),

all_versions as (

    select opportunity_id, stage_change_id, from_stage, to_stage, amount, close_date, changed_at, changed_by
    from known_history
    union all
    select opportunity_id, stage_change_id, from_stage, to_stage, amount, close_date, changed_at, changed_by
    from without_history

),

ordered as (

    select
        opportunity_id,
        stage_change_id,
        from_stage,
        to_stage                                                     as stage,
        amount,
        close_date,
        changed_at,
        changed_by,
        row_number() over (
            partition by opportunity_id order by changed_at, stage_change_id
        )                                                            as version_number,
        lead(changed_at) over (
            partition by opportunity_id order by changed_at, stage_change_id
        )                                                            as next_changed_at,
        lag(to_stage) over (
            partition by opportunity_id order by changed_at, stage_change_id
        )                                                            as previous_stage,
        lag(amount) over (
            partition by opportunity_id order by changed_at, stage_change_id
        )                                                            as previous_amount,
        lag(close_date) over (
            partition by opportunity_id order by changed_at, stage_change_id
        )                                                            as previous_close_date
    from all_versions

),

final as (

    select
        -- ids
        ordered.opportunity_id,
        ordered.stage_change_id,
        ordered.version_number,
        ordered.changed_by,

        -- state after the change
        ordered.stage,
        stages.stage_order,
        stages.stage_probability,
        stages.forecast_category,
        coalesce(stages.is_closed, false)                            as is_closed,
        coalesce(stages.is_won, false)                               as is_won,
        ordered.amount,
        ordered.close_date,

        -- what changed
        ordered.previous_stage,
        ordered.previous_amount,
        ordered.previous_close_date,
        case when ordered.previous_stage is null
               or ordered.previous_stage <> ordered.stage then true else false end
                                                                     as is_stage_change,
        sum(case when ordered.close_date > ordered.previous_close_date then 1 else 0 end) over (
            partition by ordered.opportunity_id
            order by ordered.changed_at, ordered.stage_change_id
            rows between unbounded preceding and current row
        )                                                            as close_date_push_count,
        max(case when ordered.previous_stage is null or ordered.previous_stage <> ordered.stage
                 then ordered.changed_at end) over (
            partition by ordered.opportunity_id
            order by ordered.changed_at, ordered.stage_change_id
            rows between unbounded preceding and current row
        )                                                            as stage_entered_at,
        min(ordered.changed_at) over (partition by ordered.opportunity_id)
                                                                     as opportunity_created_at,

        -- validity interval (local time)
        ordered.changed_at                                           as valid_from,
        ordered.next_changed_at                                      as valid_to

    from ordered
    left join stages
        on ordered.stage = stages.stage

)

select * from final
