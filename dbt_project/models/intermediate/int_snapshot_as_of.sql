-- The snapshot's one "as of" (macros/as_of.sql), computed once: every area of the warehouse and
-- the Python readers (win-probability model, forecast page) read this row instead of working out
-- their own "latest day". Var as_of pins it; otherwise it is the end of the latest day of
-- activity in the loaded data (receipts, installments, deal registrations, tickets and their
-- events, opportunity changes), so a re-run on the same data gives the same figures. No activity
-- at all: one row with nulls (the areas then have nothing to count).

with

activity as (

    select cast(max(receipt_date) as {{ dbt.type_timestamp() }}) as activity_at
    from {{ ref('int_receipts_unioned') }}
    union all
    select max(created_at) from {{ ref('int_payment_installments_unioned') }}
    union all
    select max(submitted_at) from {{ ref('int_deal_registrations_unioned') }}
    union all
    select max(approved_at) from {{ ref('int_deal_registrations_unioned') }}
    union all
    select max(created_at) from {{ ref('int_tickets_unioned') }}
    union all
    select max(event_time) from {{ ref('stg_callcenter__ticket_events') }}
    union all
    select max(changed_at) from {{ ref('int_opportunity_stage_history_unioned') }}
    union all
    select max(created_at) from {{ ref('int_opportunities_unioned') }}

),

latest_activity as (

    select {{ end_of_day('max(activity_at)') }} as as_of_at
    from activity

),

final as (

    select
        {{ pinned_as_of_at() or '(select as_of_at from latest_activity)' }}    as as_of_at,
        {{ "'var as_of'" if pinned_as_of_at() else "'latest activity'" }}          as as_of_basis

)

select
    as_of_at,
    cast(as_of_at as {{ type_date() }}) as as_of_date,
    as_of_basis
from final
