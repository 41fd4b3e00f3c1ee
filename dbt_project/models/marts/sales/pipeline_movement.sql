-- How this quarter's open pipeline moved, per period and opportunity: new, pulled in, pushed
-- out, amount up/down, won, lost, slipped (see macro sales_pipeline_movement). Periods: weeks
-- (7 days, counted back from the data's end date) and calendar months; the window is the
-- calendar quarter that contains the period's end. For every period,
-- sum(start_amount) + sum(movement_amount) = sum(end_amount), and those sums equal the
-- pipeline_snapshots totals of the window at the two dates, so a waterfall adds up exactly.

with

versions as (

    select * from {{ ref('opportunity_versions') }}

),

days as (

    {{ sales_version_days('versions') }}

),

period_ends as (

    select
        case
            when {{ dbt.datediff('days.date_day', 'days.end_date', 'day') }} - 7
                 * floor({{ dbt.datediff('days.date_day', 'days.end_date', 'day') }} / 7) = 0
            then 'week' end                                                  as is_week_end,
        case
            when {{ dbt.date_trunc('month', dbt.dateadd('day', 1, 'days.date_day')) }}
                 = {{ dbt.dateadd('day', 1, 'days.date_day') }}
            then 'month' end                                                 as is_month_end,
        days.date_day
    from days

),

periods as (

    select
        'week'                                                               as period_type,
        cast({{ dbt.dateadd('day', -7, 'date_day') }} as {{ type_date() }})  as period_start,
        date_day                                                             as period_end,
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as {{ type_date() }}) as window_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, dbt.date_trunc('quarter', 'date_day'))) }}
             as {{ type_date() }})                                           as window_end
    from period_ends
    where is_week_end is not null

    union all

    select
        'month'                                                              as period_type,
        cast({{ dbt.dateadd('day', -1, dbt.date_trunc('month', 'date_day')) }} as {{ type_date() }})
                                                                             as period_start,
        date_day                                                             as period_end,
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as {{ type_date() }}) as window_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, dbt.date_trunc('quarter', 'date_day'))) }}
             as {{ type_date() }})                                           as window_end
    from period_ends
    where is_month_end is not null

),

movement as (

    {{ sales_pipeline_movement('periods', 'versions') }}

),

opportunities as (

    select opportunity_id, owner_id, department_id, account_id, company_key from {{ ref('opportunities') }}

),

final as (

    select
        movement.*,
        opportunities.owner_id,
        opportunities.department_id,
        opportunities.account_id,
        opportunities.company_key
    from movement
    inner join opportunities
        on movement.opportunity_id = opportunities.opportunity_id

)

select * from final
