-- Bad commission input, one row per problem, with a message naming the record. Nothing listed
-- here is credited; everything else of the run is.

with

splits as (

    select * from {{ ref('stg_crm__order_splits') }}

),

orders as (

    select * from {{ ref('int_orders_unioned') }}

),

credits as (

    select * from {{ ref('int_commission_credits') }}

),

lines as (

    select * from {{ ref('int_commission_lines') }}

),

receipts as (

    select * from {{ ref('receipt_review') }}

),

position_plans as (

    select * from {{ source('settings', 'position_plans') }}

),

plans as (

    select * from {{ ref('stg_crm__commission_plans') }}

),

-- position rules naming a plan code (and version) the CRM does not have: they assign nobody
unknown_position_plans as (

    select position_plans.*
    from position_plans
    left join plans
        on plans.plan_code = position_plans.plan_code
       and (position_plans.plan_version is null or plans.plan_version = position_plans.plan_version)
    where plans.commission_plan_id is null

),

split_totals as (

    select
        splits.order_id,
        orders.order_no,
        sum(splits.split_pct) as split_total
    from splits
    left join orders
        on splits.order_id = orders.order_id
    group by 1, 2
    having sum(splits.split_pct) <> 100

),

overlapping as (

    select
        user_id,
        source_type,
        source_id,
        source_no,
        min(plan_code) as first_plan,
        max(plan_code) as second_plan,
        min(event_date) as event_date
    from credits
    where plan_status = 'overlapping_plans'
    group by 1, 2, 3, 4

),

no_target as (

    select distinct user_id, plan_code, period_start
    from lines
    where rule_kind = 'no target'

),

-- manual adjustments naming a person the CRM data does not (or no longer) have: not applied
unknown_adjustment_people as (

    select * from {{ ref('commission_adjustments') }}
    where status = 'unknown_employee'

),

final as (

    select
        'split_not_100' as problem,
        'order' as record_type,
        cast(order_id as {{ dbt.type_string() }}) as record_id,
        cast(null as {{ dbt.type_bigint() }}) as user_id,
        {{ dbt.concat(["'订单 '", "coalesce(order_no, '?')", "' (order_id '", "cast(order_id as " ~ dbt.type_string() ~ ")",
                       "'): order_splits.split_pct totals '", "cast(split_total as " ~ dbt.type_string() ~ ")",
                       "'%, must be 100%; the order is not credited to anyone'"]) }} as message
    from split_totals
    union all
    select
        'overlapping_plans',
        source_type,
        cast(source_id as {{ dbt.type_string() }}),
        user_id,
        {{ dbt.concat(["'user_id '", "cast(user_id as " ~ dbt.type_string() ~ ")", "' is on two overlapping plans ('",
                       "first_plan", "', '", "second_plan", "') on '", "cast(event_date as " ~ dbt.type_string() ~ ")",
                       "'; '", "source_type", "' '", "coalesce(source_no, '?')", "' is not credited'"]) }}
    from overlapping
    union all
    select
        'no_target',
        'period',
        cast(period_start as {{ dbt.type_string() }}),
        user_id,
        {{ dbt.concat(["'user_id '", "cast(user_id as " ~ dbt.type_string() ~ ")", "' has no sales target for the period starting '",
                       "cast(period_start as " ~ dbt.type_string() ~ ")", "' of tiered plan '", "plan_code",
                       "'; commission not computed'"]) }}
    from no_target
    union all
    select
        problem,
        'receipt',
        cast(receipt_id as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_bigint() }}),
        problem_message
    from receipts
    union all
    select
        'unknown_position_plan',
        'position_plan',
        {{ dbt.concat(["position", "'|'", "plan_code", "'|'", "cast(effective_from as " ~ dbt.type_string() ~ ")"]) }},
        cast(null as {{ dbt.type_bigint() }}),
        {{ dbt.concat(["'finance.yml commission.position_plans: position '", "position", "' -> plan '", "plan_code",
                       "case when plan_version is null then '' else " ~ dbt.concat(["' v'", "cast(plan_version as " ~ dbt.type_string() ~ ")"]) ~ " end",
                       "' from '", "cast(effective_from as " ~ dbt.type_string() ~ ")",
                       "' names no CRM commission plan; nobody is assigned by this rule'"]) }}
    from unknown_position_plans
    union all
    select
        'unknown_employee_adjustment',
        'commission_adjustment',
        cast(commission_adjustment_id as {{ dbt.type_string() }}),
        user_id,
        {{ dbt.concat(["'提成调整 manual adjustment '", "cast(commission_adjustment_id as " ~ dbt.type_string() ~ ")",
                       "' (period '", "period", "', '", "cast(amount as " ~ dbt.type_string() ~ ")", "' CNY, by '", "author",
                       "'): user_id '", "cast(user_id as " ~ dbt.type_string() ~ ")",
                       "' is not a CRM user; not applied: correct or void it on the commission adjustments screen'"]) }}
    from unknown_adjustment_people

)

select * from final
