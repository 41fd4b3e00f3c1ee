-- Every ticket with its customer tier (CRM account level) and the SLA policy that applies:
-- the most specific match on tier, channel and priority (tier weighs most), then policy_id.

with

tickets as (

    select * from {{ ref('int_tickets_unioned') }}

),

accounts as (

    select * from {{ ref('int_accounts_unioned') }}

),

policies as (

    select * from {{ source('settings', 'sla_policies') }}

),

tickets_with_tier as (

    select
        tickets.ticket_no,
        tickets.account_id,
        tickets.channel,
        tickets.priority,
        tickets.category,
        tickets.status as ticket_status,
        tickets.team,
        tickets.assignee_agent_id,
        tickets.created_at,
        coalesce(accounts.level, 'unknown') as customer_tier
    from tickets
    left join accounts
        on tickets.account_id = accounts.account_id

),

candidates as (

    select
        tickets_with_tier.*,
        policies.policy_id,
        policies.first_response_minutes,
        policies.next_response_minutes,
        policies.resolution_minutes,
        row_number() over (
            partition by tickets_with_tier.ticket_no
            order by
                case when policies.customer_tier = '*' then 0 else 4 end
                + case when policies.channel = '*' then 0 else 2 end
                + case when policies.priority = '*' then 0 else 1 end desc,
                policies.policy_id
        ) as match_rank
    from tickets_with_tier
    inner join policies
        on (policies.customer_tier = '*' or policies.customer_tier = tickets_with_tier.customer_tier)
        and (policies.channel = '*' or policies.channel = tickets_with_tier.channel)
        and (policies.priority = '*' or policies.priority = tickets_with_tier.priority)

),

final as (

    select
        -- ids
        ticket_no,
        account_id,
        policy_id,
        assignee_agent_id,

        -- attributes
        channel,
        priority,
        category,
        ticket_status,
        team,
        customer_tier,

        -- targets (business minutes)
        first_response_minutes,
        next_response_minutes,
        resolution_minutes,

        -- timestamps
        created_at

    from candidates
    where match_rank = 1

)

select * from final
