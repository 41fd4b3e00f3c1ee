-- Satisfaction by month of ticket creation, agent, team, channel, product and customer tier:
-- closed, rated, satisfied (4-5) and low-score (1-2) tickets, CSAT = satisfied / rated (unrated
-- left out), response rate = rated / closed, the same split by SLA outcome (met vs breached) and
-- the QA score sum of rated tickets with a scored conversation. Roll up by summing the counts,
-- never by averaging the rates. Counts are bigint (see sla_attainment: DuckDB's hugeint sums).

with

tickets as (

    select * from {{ ref('satisfaction_tickets') }}

),

grouped as (

    select
        period_month,
        agent_id,
        agent_name,
        team,
        channel,
        product_code,
        customer_tier,
        cast(count(*) as {{ dbt.type_bigint() }})                                                   as closed_tickets,
        cast(sum(case when is_rated then 1 else 0 end) as {{ dbt.type_bigint() }})                  as rated_tickets,
        cast(sum(case when is_satisfied then 1 else 0 end) as {{ dbt.type_bigint() }})              as satisfied_tickets,
        cast(sum(case when is_low_score then 1 else 0 end) as {{ dbt.type_bigint() }})              as low_score_tickets,
        cast(coalesce(sum(score), 0) as {{ dbt.type_bigint() }})                                    as score_sum,
        cast(sum(case when is_rated and sla_outcome = 'met' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as sla_met_rated,
        cast(sum(case when is_satisfied and sla_outcome = 'met' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as sla_met_satisfied,
        cast(sum(case when is_rated and sla_outcome = 'breached' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as sla_breached_rated,
        cast(sum(case when is_satisfied and sla_outcome = 'breached' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as sla_breached_satisfied,
        cast(sum(case when is_rated and qa_score is not null then 1 else 0 end) as {{ dbt.type_bigint() }})
            as qa_rated_tickets,
        coalesce(sum(case when is_rated then qa_score end), 0)                                      as qa_score_sum
    from tickets
    group by 1, 2, 3, 4, 5, 6, 7

),

final as (

    select
        -- dimensions
        period_month,
        agent_id,
        agent_name,
        team,
        channel,
        product_code,
        customer_tier,

        -- counts
        closed_tickets,
        rated_tickets,
        satisfied_tickets,
        low_score_tickets,
        score_sum,
        sla_met_rated,
        sla_met_satisfied,
        sla_breached_rated,
        sla_breached_satisfied,
        qa_rated_tickets,
        qa_score_sum,

        -- rates of this row (sum the counts to roll up)
        {{ round_half_up(divide('satisfied_tickets', 'nullif(rated_tickets, 0)'), 4) }} as csat,
        {{ round_half_up(divide('rated_tickets', 'nullif(closed_tickets, 0)'), 4) }}    as response_rate

    from grouped

)

select * from final
