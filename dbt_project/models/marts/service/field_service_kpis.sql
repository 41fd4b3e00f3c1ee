-- Field service KPIs (服务派工) by month of creation, team, engineer and dispatch mode (grab 抢单
-- vs assign 派单): orders, completed, minutes to accept (dispatch -> accept), minutes on site
-- (arrival -> completion), first-time-fix rate and overtime orders (creation -> completion
-- longer than service.yml field_overtime_hours, default 24 h, or still open past it at the
-- snapshot's as-of, macro as_of_at). Work orders of the call center and of the store's dispatch
-- pool (int_work_orders_unioned); forced_assignments counts the pool's grab offers nobody took in
-- time, force-assigned by rule (the store's dispatch_events, issue 21).

with

work_orders as (

    select * from {{ ref('int_work_orders_unioned') }}

),

forced as (

    select distinct work_order_no
    from {{ ref('stg_ops__dispatch_events') }}
    where event_type = 'force_assigned'

),

agents as (

    select * from {{ ref('stg_callcenter__agents') }}

),

as_of as (

    select {{ as_of_at() }} as as_of_at

),

parameters as (

    select service_field_overtime_hours
    from {{ source('settings', 'parameters') }}

),

measured as (

    select
        cast({{ dbt.date_trunc('month', 'work_orders.created_at') }} as {{ type_date() }}) as period_month,
        coalesce(work_orders.team, 'unknown') as team,
        coalesce(work_orders.engineer_id, 'unassigned') as engineer_id,
        work_orders.dispatch_mode,
        work_orders.status,
        work_orders.is_first_time_fix,
        forced.work_order_no is not null as is_forced,
        case when work_orders.accepted_at >= work_orders.dispatched_at
            then {{ divide(dbt.datediff('work_orders.dispatched_at', 'work_orders.accepted_at', 'second'), '60') }} end as minutes_to_accept,
        case when work_orders.completed_at >= work_orders.arrived_at
            then {{ divide(dbt.datediff('work_orders.arrived_at', 'work_orders.completed_at', 'second'), '60') }} end as minutes_on_site,
        case
            when work_orders.status = 'cancelled' then false
            when work_orders.completed_at is not null
                then {{ dbt.datediff('work_orders.created_at', 'work_orders.completed_at', 'second') }}
                     > parameters.service_field_overtime_hours * 3600
            else {{ dbt.datediff('work_orders.created_at', 'as_of.as_of_at', 'second') }}
                     > parameters.service_field_overtime_hours * 3600
        end as is_overtime
    from work_orders
    left join forced
        on work_orders.work_order_no = forced.work_order_no
    cross join as_of
    cross join parameters

),

final as (

    select
        -- dimensions
        measured.period_month,
        measured.team,
        measured.engineer_id,
        coalesce(agents.agent_name, measured.engineer_id) as engineer_name,
        measured.dispatch_mode,

        -- counts
        count(*) as work_orders,
        sum(case when measured.status = 'completed' then 1 else 0 end) as completed,
        sum(case when measured.status = 'completed' and measured.is_first_time_fix then 1 else 0 end) as first_time_fixes,
        sum(case when measured.is_overtime then 1 else 0 end) as overtime_orders,
        sum(case when measured.is_forced then 1 else 0 end) as forced_assignments,

        -- times (minutes) and rates
        {{ round_half_up('avg(measured.minutes_to_accept)', 1) }} as avg_minutes_to_accept,
        {{ round_half_up('avg(measured.minutes_on_site)', 1) }} as avg_minutes_on_site,
        case when sum(case when measured.status = 'completed' then 1 else 0 end) > 0
            then {{ round_half_up(divide("sum(case when measured.status = 'completed' and measured.is_first_time_fix then 1 else 0 end)",
                                 "sum(case when measured.status = 'completed' then 1 else 0 end)"), 4) }}
        end as first_time_fix_rate

    from measured
    left join agents
        on measured.engineer_id = agents.agent_id
    group by 1, 2, 3, 4, 5

)

select * from final
