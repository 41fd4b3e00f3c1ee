-- Valid receipts and refunds (refunds negative) on the contract, else the order, they collect
-- for: the order a receipt names, else its installment's order; the contract of that order,
-- else the contract the receipt or its installment names. The key matches finance.invoices'
-- reconciliation_key; a receipt naming only a customer has none (customer credit, not a
-- contract's collection).

with

receipts as (

    select * from {{ ref('int_receipts_validated') }}
    where problem is null

),

installments as (

    select installment_id, order_id, contract_id from {{ ref('int_payment_installments_unioned') }}

),

orders as (

    select order_id, contract_id from {{ ref('int_orders_unioned') }}

),

resolved as (

    select
        receipts.receipt_id,
        receipts.receipt_no,
        receipts.receipt_type,
        receipts.customer_id,
        receipts.amount,
        receipts.receipt_date,
        coalesce(receipts.order_id, installments.order_id) as order_id,
        coalesce(orders.contract_id, receipts.contract_id, installments.contract_id) as contract_id
    from receipts
    left join installments
        on receipts.installment_id = installments.installment_id
    left join orders
        on coalesce(receipts.order_id, installments.order_id) = orders.order_id

),

final as (

    select
        -- ids
        receipt_id,
        receipt_no,
        customer_id,
        order_id,
        contract_id,
        case
            when contract_id is not null
                then {{ dbt.concat(["'contract:'", "cast(contract_id as " ~ dbt.type_string() ~ ")"]) }}
            when order_id is not null
                then {{ dbt.concat(["'order:'", "cast(order_id as " ~ dbt.type_string() ~ ")"]) }}
        end as reconciliation_key,

        -- attributes
        receipt_type,

        -- amounts
        amount,

        -- dates
        receipt_date

    from resolved

)

select * from final
