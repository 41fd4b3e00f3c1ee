-- Satisfaction (满意度) per closed ticket: its customer's latest rating, whether it counts as
-- satisfied (4-5) or a low score (1-2) and why, its SLA outcome and its conversation's QA score.
-- Closed = resolved or closed, or rated (a rating is given on closing): the base of the response
-- rate; unrated tickets stay in it with a null score so CSAT can leave them out (issue 21).
-- Ratings come from the call center (stg_callcenter__ratings, by ticket_no) and from the entry
-- screens (close_with_rating writes stg_ops__tickets.rating); a ticket rated twice counts with
-- its latest rating. A conversation's rating without a ticket has no agent, team or SLA: left out.

with

tickets as (

    select * from {{ ref('int_tickets_unioned') }}

),

accounts as (

    select * from {{ ref('int_accounts_unioned') }}

),

companies as (

    select * from {{ ref('int_account_companies') }}

),

agents as (

    select * from {{ ref('stg_callcenter__agents') }}

),

ticket_sla as (

    select * from {{ ref('ticket_sla') }}

),

qa_scores as (

    select * from {{ source('service_qa', 'qa_conversation_scores') }}

),

ratings as (

    select ticket_no, score, comment, rated_at, rating_id as rating_ref
    from {{ ref('stg_callcenter__ratings') }}
    where ticket_no is not null

    union all

    select ticket_no, rating as score, rating_comment as comment, closed_at as rated_at, 'store' as rating_ref
    from {{ ref('stg_ops__tickets') }}
    where rating is not null

),

latest_rating as (

    select ticket_no, score, comment, rated_at
    from (
        select
            ratings.*,
            row_number() over (partition by ticket_no order by rated_at desc, rating_ref desc) as newest
        from ratings
    ) as ranked
    where newest = 1

),

-- a ticket is breached when any of its SLA metrics breached, met when every metric was met
sla_outcomes as (

    select
        ticket_no,
        case
            when max(case when is_breached then 1 else 0 end) = 1 then 'breached'
            when min(case when sla_status = 'met' then 1 else 0 end) = 1 then 'met'
            else 'open'
        end as sla_outcome
    from ticket_sla
    group by ticket_no

),

-- low-score reasons from the customer's comment (keywords; the first rule that matches wins)
reasons as (

    select
        latest_rating.*,
        case
            when latest_rating.score > 2 then null
            when latest_rating.comment is null or trim(latest_rating.comment) = '' then '未填写 no comment'
            when latest_rating.comment like '%没解决%' or latest_rating.comment like '%未解决%'
                or latest_rating.comment like '%没有解决%' then '问题未解决 unresolved'
            when latest_rating.comment like '%慢%' or latest_rating.comment like '%时间%'
                or latest_rating.comment like '%久%' or latest_rating.comment like '%等%' then '处理慢 slow'
            when latest_rating.comment like '%态度%' or latest_rating.comment like '%沟通%' then '态度与沟通 attitude'
            when latest_rating.comment like '%专业%' or latest_rating.comment like '%不会%' then '专业能力 skill'
            else '其他 other'
        end as low_score_reason
    from latest_rating

),

closed as (

    select tickets.*
    from tickets
    left join latest_rating
        on tickets.ticket_no = latest_rating.ticket_no
    where tickets.status in ('resolved', 'closed') or latest_rating.ticket_no is not null

),

final as (

    select
        -- ids
        closed.ticket_no,
        closed.account_id,
        companies.company_key,
        closed.conversation_id,

        -- dimensions
        cast({{ dbt.date_trunc('month', 'closed.created_at') }} as {{ type_date() }}) as period_month,
        coalesce(closed.assignee_agent_id, 'unassigned')        as agent_id,
        coalesce(agents.agent_name, '未分配 unassigned')          as agent_name,
        coalesce(closed.team, 'unknown')                        as team,
        coalesce(closed.channel, 'unknown')                     as channel,
        coalesce(closed.product_code, 'unknown')                as product_code,
        coalesce(accounts.level, 'unknown')                     as customer_tier,
        closed.status                                           as ticket_status,

        -- the rating
        reasons.score is not null                               as is_rated,
        reasons.score,
        coalesce(reasons.score >= 4, false)                     as is_satisfied,
        coalesce(reasons.score <= 2, false)                     as is_low_score,
        reasons.comment,
        reasons.low_score_reason,
        reasons.rated_at,

        -- joined outcomes
        coalesce(sla_outcomes.sla_outcome, 'no_sla')            as sla_outcome,
        qa_scores.qa_score,

        -- timestamps (local)
        closed.created_at

    from closed
    left join reasons
        on closed.ticket_no = reasons.ticket_no
    left join accounts
        on closed.account_id = accounts.account_id
    left join companies
        on closed.account_id = companies.account_id
    left join agents
        on closed.assignee_agent_id = agents.agent_id
    left join sla_outcomes
        on closed.ticket_no = sla_outcomes.ticket_no
    left join qa_scores
        on closed.conversation_id = qa_scores.conversation_id

)

select * from final
