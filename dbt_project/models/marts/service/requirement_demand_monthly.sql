-- The demand trend: tickets and distinct customers linked to each requirement per month of
-- ticket creation.

with

links as (

    select * from {{ ref('int_ticket_requirement_links_unioned') }}

),

tickets as (

    select * from {{ ref('int_service_tickets_with_policy') }}

),

final as (

    select
        links.requirement_id,
        cast({{ dbt.date_trunc('month', 'tickets.created_at') }} as {{ type_date() }}) as period_month,
        count(distinct links.ticket_no) as linked_tickets,
        count(distinct tickets.account_id) as distinct_customers
    from links
    inner join tickets
        on links.ticket_no = tickets.ticket_no
    group by 1, 2

)

select * from final
