-- Delivery status of every order line (交付 / 溢短装): delivered quantity from the ERP
-- shipments against the ordered quantity and its over/short tolerance. Tolerance is in the
-- line's own unit (absolute) or a percent of the ordered quantity; default none.
--   settled           delivered >= lower bound (quantity - tolerance)
--   settled_flagged   settled, but delivered > upper bound (quantity + tolerance): review
--   open              shipped something (or goods line) below the lower bound
--   not_tracked       no shipments and not a goods line (services, software, subscriptions)
-- Revenue for a settled line is the quantity actually delivered x unit price.

with

order_lines as (

    select * from {{ ref('int_order_lines_unioned') }}

),

orders as (

    select * from {{ ref('int_orders_unioned') }}

),

products as (

    select * from {{ ref('stg_crm__products') }}

),

shipments as (

    select * from {{ ref('stg_erp__shipments') }}

),

delivered as (

    select
        crm_order_line_id as order_line_id,
        sum(quantity)     as delivered_quantity,
        count(*)          as delivery_count,
        max(ship_date)    as last_ship_date
    from shipments
    where crm_order_line_id is not null
    group by 1

),

bounds as (

    select
        order_lines.order_line_id,
        order_lines.order_id,
        orders.order_no,
        orders.account_id,
        order_lines.product_id,
        products.product_line,
        coalesce(products.is_bulk, false) as is_bulk,
        order_lines.unit,
        order_lines.quantity,
        order_lines.unit_price,
        order_lines.line_amount,
        coalesce(order_lines.tolerance_type, 'none') as tolerance_type,
        order_lines.tolerance_value,
        case
            when order_lines.tolerance_type = 'absolute' then coalesce(order_lines.tolerance_value, 0)
            when order_lines.tolerance_type = 'percent'
                then {{ divide('order_lines.quantity * coalesce(order_lines.tolerance_value, 0)', '100') }}
            else 0
        end as tolerance_quantity,
        coalesce(delivered.delivered_quantity, 0) as delivered_quantity,
        coalesce(delivered.delivery_count, 0)     as delivery_count,
        delivered.last_ship_date
    from order_lines
    left join orders
        on order_lines.order_id = orders.order_id
    left join products
        on order_lines.product_id = products.product_id
    left join delivered
        on order_lines.order_line_id = delivered.order_line_id

),

classified as (

    select
        *,
        quantity - tolerance_quantity as lower_bound,
        quantity + tolerance_quantity as upper_bound,
        case
            when delivery_count = 0 and not is_bulk then 'not_tracked'
            when delivered_quantity > quantity + tolerance_quantity then 'settled_flagged'
            when delivered_quantity >= quantity - tolerance_quantity then 'settled'
            else 'open'
        end as delivery_status
    from bounds

),

final as (

    select
        -- ids
        order_line_id,
        order_id,
        order_no,
        account_id,
        product_id,

        -- attributes
        product_line,
        is_bulk,
        unit,
        tolerance_type,
        delivery_status,
        delivery_status in ('settled', 'settled_flagged') as is_settled,
        delivery_status = 'settled_flagged'               as is_flagged_for_review,

        -- quantities
        quantity,
        tolerance_value,
        tolerance_quantity,
        lower_bound,
        upper_bound,
        delivered_quantity,
        delivered_quantity - quantity as over_short_quantity,
        case when delivered_quantity > upper_bound then delivered_quantity - upper_bound else 0 end
            as beyond_tolerance_quantity,
        case when delivered_quantity < lower_bound and delivery_status <> 'not_tracked'
            then lower_bound - delivered_quantity else 0 end as remaining_to_lower_bound,
        delivery_count,

        -- amounts
        unit_price,
        line_amount,
        cast(round(case
            when delivery_status in ('settled', 'settled_flagged') then delivered_quantity * unit_price
            else 0
        end, 2) as {{ type_decimal() }}) as recognised_revenue,

        -- dates
        last_ship_date

    from classified

)

select * from final
