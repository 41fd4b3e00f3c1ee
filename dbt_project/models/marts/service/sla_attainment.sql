-- SLA attainment by month of ticket creation, metric, agent, team, channel and priority: how
-- many tickets were measured, met, breached (closed or still open), and the attainment rate
-- (met / measured, closed clocks and open breaches count; open clocks within target don't).
-- Roll up by summing the counts, never by averaging rates.
-- The counts are bigint (Spark's sum of ints already is; DuckDB's is a hugeint, whose
-- bit-packed storage takes ~80 ms to decompress at S=10: the SLA board sums them on every view).

with

ticket_sla as (

    select * from {{ ref('ticket_sla') }}

),

agents as (

    select * from {{ ref('stg_callcenter__agents') }}

),

grouped as (

    select
        cast({{ dbt.date_trunc('month', 'ticket_sla.created_at') }} as {{ type_date() }}) as period_month,
        ticket_sla.metric,
        coalesce(ticket_sla.assignee_agent_id, 'unassigned') as agent_id,
        coalesce(agents.agent_name, '未分配 unassigned') as agent_name,
        coalesce(ticket_sla.team, 'unknown') as team,
        ticket_sla.channel,
        ticket_sla.priority,
        count(*) as tickets,
        cast(sum(case when ticket_sla.sla_status = 'met' then 1 else 0 end) as {{ dbt.type_bigint() }}) as met,
        cast(sum(case when ticket_sla.is_breached then 1 else 0 end) as {{ dbt.type_bigint() }}) as breached,
        cast(sum(case when ticket_sla.sla_status = 'breached_open' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as breached_open,
        cast(sum(case when ticket_sla.sla_status = 'open' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as open_within_target,
        sum(ticket_sla.business_minutes) as business_minutes_total
    from ticket_sla
    left join agents
        on ticket_sla.assignee_agent_id = agents.agent_id
    group by 1, 2, 3, 4, 5, 6, 7

),

final as (

    select
        -- dimensions
        period_month,
        metric,
        agent_id,
        agent_name,
        team,
        channel,
        priority,

        -- counts
        tickets,
        met,
        breached,
        breached_open,
        open_within_target,
        met + breached as measured,

        -- rates
        case when met + breached > 0 then {{ round_half_up(divide('met', 'met + breached'), 4) }} end as attainment_rate,
        {{ round_half_up(divide('business_minutes_total', 'tickets'), 2) }} as avg_business_minutes

    from grouped

)

select * from final
