-- One row per SLA clock: first_response and resolution once per ticket, next_response once per
-- customer reply cycle (a customer reply after the first response, until the next agent reply).
-- Clocks run from started_at to stopped_at; stopped_at is null while the clock still runs at
-- the as-of instant. horizon_at bounds the business-time pieces: the stop, or 30 days past
-- the as-of for running clocks (to project when they will breach).

with

tickets as (

    select * from {{ ref('int_service_tickets_with_policy') }}

),

events as (

    select * from {{ ref('stg_callcenter__ticket_events') }}

),

as_of as (

    select {{ as_of_at() }} as as_of_at

),

known_events as (

    select events.*
    from events
    cross join as_of
    where events.event_time <= as_of.as_of_at

),

known_tickets as (

    select tickets.*, as_of.as_of_at
    from tickets
    cross join as_of
    where tickets.created_at <= as_of.as_of_at

),

-- first agent reply and first resolution per ticket
milestones as (

    select
        ticket_no,
        min(case when event_type = 'agent_reply' then event_time end) as first_agent_reply_at,
        min(case when event_type = 'status_change' and to_status in ('resolved', 'closed') then event_time end) as resolved_at
    from known_events
    group by ticket_no

),

tickets_with_milestones as (

    select
        known_tickets.*,
        milestones.first_agent_reply_at,
        milestones.resolved_at
    from known_tickets
    left join milestones
        on known_tickets.ticket_no = milestones.ticket_no

),

-- next-response cycles: replies after the first response and before resolution
replies as (

    select
        known_events.ticket_no,
        known_events.event_id,
        known_events.event_type,
        known_events.event_time
    from known_events
    inner join tickets_with_milestones
        on known_events.ticket_no = tickets_with_milestones.ticket_no
    where known_events.event_type in ('agent_reply', 'customer_reply')
        and known_events.event_time > tickets_with_milestones.first_agent_reply_at
        and (tickets_with_milestones.resolved_at is null
             or known_events.event_time < tickets_with_milestones.resolved_at)

),

replies_in_order as (

    select
        ticket_no,
        event_type,
        event_time,
        lag(event_type) over (partition by ticket_no order by event_time, event_id) as previous_type,
        min(case when event_type = 'agent_reply' then event_time end) over (
            partition by ticket_no order by event_time, event_id
            rows between 1 following and unbounded following
        ) as next_agent_reply_at
    from replies

),

cycle_starts as (

    select
        ticket_no,
        event_time as started_at,
        next_agent_reply_at,
        row_number() over (partition by ticket_no order by event_time) as cycle_no
    from replies_in_order
    where event_type = 'customer_reply'
        and (previous_type is null or previous_type <> 'customer_reply')

),

first_response_clocks as (

    select
        ticket_no,
        'first_response' as metric,
        1 as cycle_no,
        created_at as started_at,
        coalesce(first_agent_reply_at, resolved_at) as stopped_at,
        first_response_minutes as target_minutes
    from tickets_with_milestones

),

next_response_clocks as (

    select
        cycle_starts.ticket_no,
        'next_response' as metric,
        cycle_starts.cycle_no,
        cycle_starts.started_at,
        coalesce(cycle_starts.next_agent_reply_at, tickets_with_milestones.resolved_at) as stopped_at,
        tickets_with_milestones.next_response_minutes as target_minutes
    from cycle_starts
    inner join tickets_with_milestones
        on cycle_starts.ticket_no = tickets_with_milestones.ticket_no

),

resolution_clocks as (

    select
        ticket_no,
        'resolution' as metric,
        1 as cycle_no,
        created_at as started_at,
        resolved_at as stopped_at,
        resolution_minutes as target_minutes
    from tickets_with_milestones

),

clocks as (

    select * from first_response_clocks
    union all
    select * from next_response_clocks
    union all
    select * from resolution_clocks

),

final as (

    select
        -- ids
        {{ dbt.concat(["clocks.ticket_no", "'|'", "clocks.metric", "'|'", "cast(clocks.cycle_no as " ~ dbt.type_string() ~ ")"]) }} as clock_id,
        clocks.ticket_no,
        clocks.metric,
        clocks.cycle_no,
        tickets_with_milestones.policy_id,

        -- target
        clocks.target_minutes,

        -- timestamps (local): a stop before the start (clock skew in the source) counts as zero time
        clocks.started_at,
        case
            when clocks.stopped_at is null then null
            when clocks.stopped_at < clocks.started_at then clocks.started_at
            else clocks.stopped_at
        end as stopped_at,
        tickets_with_milestones.as_of_at,
        case
            when clocks.stopped_at is null then {{ dbt.dateadd('day', 30, 'tickets_with_milestones.as_of_at') }}
            when clocks.stopped_at < clocks.started_at then clocks.started_at
            else clocks.stopped_at
        end as horizon_at,
        case
            when clocks.stopped_at is null then tickets_with_milestones.as_of_at
            when clocks.stopped_at < clocks.started_at then clocks.started_at
            else clocks.stopped_at
        end as measured_until

    from clocks
    inner join tickets_with_milestones
        on clocks.ticket_no = tickets_with_milestones.ticket_no

)

select * from final
