-- The business time of every SLA clock, as pieces: each piece is the overlap of one running
-- stretch of the clock (its ticket's status segments, minus statuses that pause this metric)
-- with one working interval of the calendar. Set-based: a range join, no per-ticket loop.
-- used_seconds counts only time up to the clock's stop or the as-of instant;
-- seconds_before is the business time of all earlier pieces (to find when a share of the
-- target is reached).

with

clocks as (

    select * from {{ ref('int_service_sla_clocks') }}

),

events as (

    select * from {{ ref('stg_callcenter__ticket_events') }}

),

working_intervals as (

    select * from {{ ref('int_service_working_intervals') }}

),

pause_statuses as (

    select * from {{ source('settings', 'sla_pause_statuses') }}

),

status_changes as (

    select ticket_no, event_id, to_status, event_time
    from events
    where event_type = 'status_change' and to_status is not null

),

-- each status holds from its change until the next change (open-ended for the last one)
status_segments as (

    select
        ticket_no,
        to_status as status,
        event_time as segment_start,
        lead(event_time) over (partition by ticket_no order by event_time, event_id) as segment_end
    from status_changes

),

first_changes as (

    select ticket_no, min(event_time) as first_change_at
    from status_changes
    group by ticket_no

),

-- before the first recorded change a ticket is new
initial_segments as (

    select
        clocks.ticket_no,
        'new' as status,
        clocks.started_at as segment_start,
        first_changes.first_change_at as segment_end
    from clocks
    left join first_changes
        on clocks.ticket_no = first_changes.ticket_no
    where clocks.metric = 'first_response'  -- one per ticket: its creation

),

all_segments as (

    select * from status_segments
    union all
    select * from initial_segments

),

running_segments as (

    select
        clocks.clock_id,
        clocks.measured_until,
        greatest(all_segments.segment_start, clocks.started_at) as run_start,
        least(coalesce(all_segments.segment_end, clocks.horizon_at), clocks.horizon_at) as run_end
    from clocks
    inner join all_segments
        on clocks.ticket_no = all_segments.ticket_no
        and all_segments.segment_start < clocks.horizon_at
        and (all_segments.segment_end is null or all_segments.segment_end > clocks.started_at)
    left join pause_statuses
        on pause_statuses.metric = clocks.metric
        and pause_statuses.status = all_segments.status
    where pause_statuses.status is null

),

pieces as (

    select
        running_segments.clock_id,
        running_segments.measured_until,
        greatest(running_segments.run_start, working_intervals.interval_start) as piece_start,
        least(running_segments.run_end, working_intervals.interval_end) as piece_end
    from running_segments
    inner join working_intervals
        on working_intervals.interval_start < running_segments.run_end
        and working_intervals.interval_end > running_segments.run_start
    where running_segments.run_end > running_segments.run_start

),

measured as (

    select
        clock_id,
        piece_start,
        piece_end,
        {{ dbt.datediff('piece_start', 'piece_end', 'second') }} as piece_seconds,
        case
            when piece_start >= measured_until then 0
            when piece_end <= measured_until then {{ dbt.datediff('piece_start', 'piece_end', 'second') }}
            else {{ dbt.datediff('piece_start', 'measured_until', 'second') }}
        end as used_seconds
    from pieces

),

final as (

    select
        clock_id,
        piece_start,
        piece_end,
        piece_seconds,
        used_seconds,
        sum(piece_seconds) over (
            partition by clock_id order by piece_start
            rows between unbounded preceding and current row
        ) - piece_seconds as seconds_before
    from measured

)

select * from final
