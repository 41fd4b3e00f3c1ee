-- One row per ticket x SLA metric (first_response, next_response, resolution): target, business
-- minutes used, when the target is (or was) reached, met/breached. Computed as of the run
-- (macro as_of_at: var as_of, else the end of the data's last day): a breach shows while the
-- ticket is still open. next_response summarises its reply cycles: the worst cycle's minutes,
-- breached if any cycle breached, the earliest breach.

with

clocks as (

    select * from {{ ref('int_service_sla_clocks') }}

),

pieces as (

    select * from {{ ref('int_service_sla_business_pieces') }}

),

tickets as (

    select * from {{ ref('int_service_tickets_with_policy') }}

),

companies as (

    select * from {{ ref('int_account_companies') }}

),

used as (

    select clock_id, sum(used_seconds) as used_seconds
    from pieces
    group by clock_id

),

-- the instant the clock reaches its full target (in the past: a breach; ahead: the due time)
target_reached as (

    select
        pieces.clock_id,
        min({{ dbt.dateadd('second', 'clocks.target_minutes * 60 - pieces.seconds_before', 'pieces.piece_start') }}) as reached_at
    from pieces
    inner join clocks
        on pieces.clock_id = clocks.clock_id
    where clocks.target_minutes * 60 > pieces.seconds_before
        and clocks.target_minutes * 60 <= pieces.seconds_before + pieces.piece_seconds
    group by pieces.clock_id

),

clock_results as (

    select
        clocks.clock_id,
        clocks.ticket_no,
        clocks.metric,
        clocks.cycle_no,
        clocks.policy_id,
        clocks.target_minutes,
        clocks.started_at,
        clocks.stopped_at,
        clocks.as_of_at,
        coalesce(used.used_seconds, 0) as used_seconds,
        target_reached.reached_at,
        coalesce(used.used_seconds, 0) > clocks.target_minutes * 60 as is_breached
    from clocks
    left join used
        on clocks.clock_id = used.clock_id
    left join target_reached
        on clocks.clock_id = target_reached.clock_id

),

per_metric as (

    select
        ticket_no,
        metric,
        max(policy_id) as policy_id,
        max(target_minutes) as target_minutes,
        count(*) as cycles,
        max(used_seconds) as used_seconds,
        min(started_at) as started_at,
        case when count(stopped_at) = count(*) then max(stopped_at) end as stopped_at,
        max(as_of_at) as as_of_at,
        max(case when is_breached then 1 else 0 end) = 1 as is_breached,
        min(case when is_breached then reached_at end) as breached_at,
        min(case when stopped_at is null and not is_breached then reached_at end) as due_at
    from clock_results
    group by ticket_no, metric

),

final as (

    select
        -- ids
        per_metric.ticket_no,
        per_metric.metric,
        per_metric.policy_id,
        tickets.account_id,
        companies.company_key,
        tickets.assignee_agent_id,

        -- ticket attributes
        tickets.channel,
        tickets.priority,
        tickets.customer_tier,
        tickets.team,
        tickets.category,
        tickets.ticket_status,

        -- figures (business minutes)
        per_metric.target_minutes,
        per_metric.cycles,
        {{ round_half_up(divide('per_metric.used_seconds', '60'), 2) }} as business_minutes,
        case
            when per_metric.stopped_at is null and not per_metric.is_breached
                then {{ round_half_up('per_metric.target_minutes - ' ~ divide('per_metric.used_seconds', '60'), 2) }}
        end as remaining_minutes,
        {{ round_half_up(divide('per_metric.used_seconds', 'per_metric.target_minutes * 60'), 4) }} as target_share_used,

        -- outcome
        per_metric.stopped_at is null as is_open,
        per_metric.is_breached,
        case
            when per_metric.is_breached and per_metric.stopped_at is null then 'breached_open'
            when per_metric.is_breached then 'breached'
            when per_metric.stopped_at is null then 'open'
            else 'met'
        end as sla_status,

        -- timestamps (local)
        tickets.created_at,
        per_metric.started_at,
        per_metric.stopped_at,
        per_metric.breached_at,
        per_metric.due_at,
        per_metric.as_of_at

    from per_metric
    inner join tickets
        on per_metric.ticket_no = tickets.ticket_no
    left join companies
        on tickets.account_id = companies.account_id

)

select * from final
