-- Sales credit events, one row per person x source (order or receipt) x product line:
--   booking basis     order lines of live orders, dated on the order date
--   collection basis  receipts and refunds (negative) of the order, spread over its product
--                     lines by line amount, dated on the receipt date (回款计提, clawback)
-- Credit is split by the order's credit splits (no splits: the owner gets 100%); an order
-- whose splits do not total 100% credits nobody (finance.commission_review says why).
-- Each event gets the plan assigned to the person on its date; none -> 'no_plan', more than
-- one -> 'overlapping_plans' (not credited, reviewed).

with

orders as (

    select * from {{ ref('stg_crm__orders') }}
    where status not in ('draft', 'cancelled')

),

order_lines as (

    select * from {{ ref('stg_crm__order_lines') }}

),

products as (

    select * from {{ ref('stg_crm__products') }}

),

splits as (

    select * from {{ ref('stg_crm__order_splits') }}

),

receipts as (

    select * from {{ ref('int_receipts_validated') }}
    where problem is null
      and order_id is not null

),

assignments as (

    select * from {{ ref('stg_crm__commission_assignments') }}

),

plans as (

    select * from {{ ref('stg_crm__commission_plans') }}

),

split_totals as (

    select order_id, sum(split_pct) as split_total
    from splits
    group by 1

),

credit_shares as (

    -- orders whose splits total 100%
    select splits.order_id, splits.user_id, splits.split_pct
    from splits
    inner join split_totals
        on splits.order_id = split_totals.order_id
    where split_totals.split_total = 100
    union all
    -- orders without splits: the owner
    select orders.order_id, orders.owner_id as user_id, cast(100 as {{ type_decimal() }}) as split_pct
    from orders
    left join split_totals
        on orders.order_id = split_totals.order_id
    where split_totals.order_id is null

),

line_amounts as (

    select
        order_lines.order_id,
        coalesce(products.product_line, 'unknown') as product_line,
        sum(order_lines.line_amount) as line_amount
    from order_lines
    left join products
        on order_lines.product_id = products.product_id
    group by 1, 2

),

line_shares as (

    select
        order_id,
        product_line,
        line_amount,
        line_amount / nullif(sum(line_amount) over (partition by order_id), 0) as line_share
    from line_amounts

),

booking_events as (

    select
        'order'              as source_type,
        orders.order_id      as source_id,
        orders.order_no      as source_no,
        orders.order_id,
        orders.order_no,
        orders.order_date    as event_date,
        line_shares.product_line,
        line_shares.line_amount as source_amount,
        'booking'            as event_basis
    from orders
    inner join line_shares
        on orders.order_id = line_shares.order_id

),

collection_events as (

    select
        receipts.receipt_type as source_type,
        receipts.receipt_id   as source_id,
        receipts.receipt_no   as source_no,
        orders.order_id,
        orders.order_no,
        receipts.receipt_date as event_date,
        coalesce(line_shares.product_line, 'unknown') as product_line,
        receipts.amount * coalesce(line_shares.line_share, 1) as source_amount,
        'collection'          as event_basis
    from receipts
    inner join orders
        on receipts.order_id = orders.order_id
    left join line_shares
        on receipts.order_id = line_shares.order_id

),

events as (

    select * from booking_events
    union all
    select * from collection_events

),

credited as (

    select
        events.*,
        credit_shares.user_id,
        credit_shares.split_pct,
        events.source_amount * credit_shares.split_pct / 100 as credit_amount
    from events
    inner join credit_shares
        on events.order_id = credit_shares.order_id

),

with_plans as (

    select
        credited.*,
        plans.commission_plan_id,
        plans.plan_code,
        plans.plan_version,
        plans.plan_name,
        plans.rate_type,
        plans.tier_mode,
        plans.basis,
        plans.period_type,
        plans.flat_rate,
        count(assignments.commission_assignment_id) over (
            partition by credited.source_type, credited.source_id, credited.user_id, credited.product_line
        ) as matching_plans
    from credited
    left join assignments
        on credited.user_id = assignments.user_id
       and credited.event_date >= assignments.effective_from
       and (assignments.effective_to is null or credited.event_date <= assignments.effective_to)
    left join plans
        on assignments.commission_plan_id = plans.commission_plan_id

),

final as (

    select
        -- ids
        user_id,
        source_type,
        source_id,
        source_no,
        order_id,
        order_no,
        commission_plan_id,

        -- plan
        plan_code,
        plan_version,
        plan_name,
        rate_type,
        tier_mode,
        basis,
        period_type,
        flat_rate,

        -- attributes
        product_line,
        event_basis,
        case
            when matching_plans = 0 then 'no_plan'
            when matching_plans > 1 then 'overlapping_plans'
            else 'ok'
        end as plan_status,

        -- amounts (unrounded: rounding happens once, on the final line)
        split_pct,
        source_amount,
        credit_amount,

        -- dates
        event_date

    from with_plans
    where matching_plans <> 1 or basis = event_basis

)

select * from final
