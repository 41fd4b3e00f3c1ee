-- Demand score per product requirement from the tickets linked to it (N tickets : 1 requirement):
--   score = w_tickets x linked tickets + w_customers x distinct customers
--         + sum over distinct customers of the customer's tier weight
--         + w_revenue x revenue at stake (CNY 10k units: the customers' order value of the last
--           12 months before the as-of)
-- Weights from the settings folder (service.yml demand_weights: settings.parameters and
-- settings.demand_tier_weights); ranked 1 = most demand.

with

parameters as (

    select service_demand_weight_customers, service_demand_weight_revenue_per_10k, service_demand_weight_tickets
    from {{ source('settings', 'parameters') }}

),

tier_weights as (

    select * from {{ source('settings', 'demand_tier_weights') }}

),

requirements as (

    select * from {{ ref('int_requirements_unioned') }}

),

links as (

    select * from {{ ref('int_ticket_requirement_links_unioned') }}

),

tickets as (

    select * from {{ ref('int_service_tickets_with_policy') }}

),

orders as (

    select * from {{ ref('int_orders_unioned') }}

),

as_of as (

    select {{ as_of_at() }} as as_of_at

),

customer_revenue as (

    select
        orders.account_id,
        sum(orders.total_amount) as revenue_12m
    from orders
    cross join as_of
    where orders.status <> 'cancelled' and orders.status <> 'draft'
        and orders.order_date > cast({{ dbt.dateadd('month', -12, 'as_of.as_of_at') }} as {{ type_date() }})
        and orders.order_date <= cast(as_of.as_of_at as {{ type_date() }})
    group by orders.account_id

),

linked as (

    select
        links.requirement_id,
        links.ticket_no,
        tickets.account_id,
        tickets.customer_tier
    from links
    inner join tickets
        on links.ticket_no = tickets.ticket_no

),

customers as (

    select distinct
        linked.requirement_id,
        linked.account_id,
        linked.customer_tier,
        coalesce(tier_weights.weight, 0) as tier_weight,
        coalesce(customer_revenue.revenue_12m, 0) as revenue_12m
    from linked
    left join customer_revenue
        on linked.account_id = customer_revenue.account_id
    left join tier_weights
        on linked.customer_tier = tier_weights.customer_tier
    where linked.account_id is not null

),

per_requirement as (

    select
        requirements.requirement_id,
        count(distinct linked.ticket_no) as linked_tickets
    from requirements
    left join linked
        on requirements.requirement_id = linked.requirement_id
    group by requirements.requirement_id

),

per_requirement_customers as (

    select
        requirement_id,
        count(*) as distinct_customers,
        sum(case when customer_tier = 'A' then 1 else 0 end) as tier_a_customers,
        sum(tier_weight) as tier_weight_total,
        sum(revenue_12m) as revenue_at_stake
    from customers
    group by requirement_id

),

scored as (

    {%- set demand_score_expr %}
            parameters.service_demand_weight_tickets * per_requirement.linked_tickets
            + parameters.service_demand_weight_customers * coalesce(per_requirement_customers.distinct_customers, 0)
            + coalesce(per_requirement_customers.tier_weight_total, 0)
            + {{ divide('parameters.service_demand_weight_revenue_per_10k * coalesce(per_requirement_customers.revenue_at_stake, 0)', '10000') }}
    {%- endset %}
    select
        requirements.requirement_id,
        requirements.title,
        requirements.product_line,
        requirements.status,
        requirements.created_at,
        per_requirement.linked_tickets,
        coalesce(per_requirement_customers.distinct_customers, 0) as distinct_customers,
        coalesce(per_requirement_customers.tier_a_customers, 0) as tier_a_customers,
        cast(coalesce(per_requirement_customers.revenue_at_stake, 0) as {{ type_decimal(18, 2) }}) as revenue_at_stake,
        {{ round_half_up(demand_score_expr, 2) }} as demand_score
    from requirements
    cross join parameters
    inner join per_requirement
        on requirements.requirement_id = per_requirement.requirement_id
    left join per_requirement_customers
        on requirements.requirement_id = per_requirement_customers.requirement_id

),

final as (

    select
        -- ids
        requirement_id,

        -- attributes
        title,
        product_line,
        status,

        -- demand
        linked_tickets,
        distinct_customers,
        tier_a_customers,
        revenue_at_stake,
        demand_score,
        rank() over (order by demand_score desc) as demand_rank,

        -- timestamps
        created_at

    from scored

)

select * from final
