-- Escalation actions (service_sla_escalations: at a share of the target, e.g. 75% notify the
-- team lead, 100% raise priority) that fired by the as-of instant: one row per ticket x metric x
-- action, at the first instant the clock (or, for next_response, any cycle) reached the share.

with

clocks as (

    select * from {{ ref('int_service_sla_clocks') }}

),

pieces as (

    select * from {{ ref('int_service_sla_business_pieces') }}

),

escalations as (

    select * from {{ source('settings', 'sla_escalations') }}

),

tickets as (

    select * from {{ ref('int_service_tickets_with_policy') }}

),

thresholds as (

    select
        clocks.clock_id,
        clocks.ticket_no,
        clocks.metric,
        clocks.policy_id,
        clocks.measured_until,
        escalations.action,
        escalations.at_share,
        cast(round(escalations.at_share * clocks.target_minutes * 60, 0) as {{ dbt.type_bigint() }}) as threshold_seconds
    from clocks
    inner join escalations
        on (escalations.policy_id = '*' or escalations.policy_id = clocks.policy_id)
        and (escalations.metric = '*' or escalations.metric = clocks.metric)

),

crossings as (

    select
        thresholds.ticket_no,
        thresholds.metric,
        thresholds.policy_id,
        thresholds.action,
        thresholds.at_share,
        thresholds.measured_until,
        {{ dbt.dateadd('second', 'thresholds.threshold_seconds - pieces.seconds_before', 'pieces.piece_start') }} as triggered_at
    from thresholds
    inner join pieces
        on thresholds.clock_id = pieces.clock_id
        and thresholds.threshold_seconds > pieces.seconds_before
        and thresholds.threshold_seconds <= pieces.seconds_before + pieces.piece_seconds

),

fired as (

    select
        ticket_no,
        metric,
        action,
        max(policy_id) as policy_id,
        max(at_share) as at_share,
        min(triggered_at) as triggered_at
    from crossings
    where triggered_at <= measured_until
    group by ticket_no, metric, action

),

final as (

    select
        -- ids
        {{ dbt.concat(["fired.ticket_no", "'|'", "fired.metric", "'|'", "fired.action"]) }} as escalation_id,
        fired.ticket_no,
        fired.metric,
        fired.action,
        fired.policy_id,

        -- attributes
        fired.at_share,
        tickets.priority,
        case
            when fired.action = 'raise_priority' and tickets.priority = 'P4' then 'P3'
            when fired.action = 'raise_priority' and tickets.priority = 'P3' then 'P2'
            when fired.action = 'raise_priority' and tickets.priority in ('P2', 'P1') then 'P1'
        end as raised_to_priority,
        tickets.team,
        tickets.assignee_agent_id,

        -- timestamps
        fired.triggered_at

    from fired
    inner join tickets
        on fired.ticket_no = tickets.ticket_no

)

select * from final
