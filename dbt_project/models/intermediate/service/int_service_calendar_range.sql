-- The dates the service calendar covers, from the data: 1 January of the first ticket's year
-- to 31 December of the year after the latest ticket activity (or the as-of, if later), so
-- running clocks can be projected past the as-of. Tickets of any year get their calendar; no
-- ticket, no calendar.

with

tickets as (

    select * from {{ ref('int_tickets_unioned') }}

),

events as (

    select * from {{ ref('stg_callcenter__ticket_events') }}

),

activity as (

    select min(created_at) as first_at, max(created_at) as last_at from tickets
    union all
    select min(event_time) as first_at, max(event_time) as last_at from events

),

bounds as (

    select min(first_at) as first_at, max(last_at) as last_at
    from activity

),

as_of as (

    select
        first_at,
        {{ as_of_at() }} as as_of_at
    from bounds
    where last_at is not null

),

final as (

    select
        cast({{ dbt.date_trunc('year', 'least(first_at, as_of_at)') }} as {{ type_date() }}) as first_date,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 2, dbt.date_trunc('year', 'as_of_at'))) }}
             as {{ type_date() }}) as last_date
    from as_of

)

select * from final
