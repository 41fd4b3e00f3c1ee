-- A partner's purchases and returns: orders placed by the partner (not draft or cancelled) are
-- purchases; red-letter invoices (红冲) against those orders are returns (positive amount here).

with

orders as (

    select * from {{ ref('int_orders_unioned') }}

),

invoices as (

    select * from {{ ref('stg_erp__invoices') }}

),

partner_orders as (

    select order_id, order_no, partner_id, cast(order_date as date) as order_date, total_amount
    from orders
    where partner_id is not null and status not in ('draft', 'cancelled')

),

purchases as (

    select partner_id, order_date as activity_date, total_amount as purchase_amount,
        cast(0 as {{ type_decimal() }}) as return_amount
    from partner_orders

),

returns as (

    select o.partner_id, cast(i.invoice_date as date) as activity_date,
        cast(0 as {{ type_decimal() }}) as purchase_amount,
        abs(i.amount_incl_tax) as return_amount
    from invoices i
    inner join partner_orders o on o.order_no = i.crm_order_no
    where i.status = '红冲'

),

final as (

    select * from purchases
    union all
    select * from returns

)

select * from final
