-- Every CRM receipt (and refund) with its customer resolved and a validation verdict:
-- a receipt naming an order, contract or installment that does not exist is not applied
-- anywhere; it goes to finance.receipt_review with the reason.
-- The sign of money follows its type (docs/sources.md, crm.receipts.amount): a refund is money
-- paid back, negative whichever sign the source wrote (1500.00 and -1500.00 both mean 1,500.00
-- paid back); a receipt is money received, so a negative one is ambiguous (a refund typed as a
-- receipt, or a typo) and goes to review as negative_receipt instead of being applied.

with

receipts as (

    select * from {{ ref('int_receipts_unioned') }}

),

orders as (

    select * from {{ ref('int_orders_unioned') }}

),

contracts as (

    select * from {{ ref('stg_crm__contracts') }}

),

installments as (

    select * from {{ ref('int_payment_installments_unioned') }}

),

joined as (

    select
        receipts.*,
        orders.order_id      as known_order_id,
        orders.order_no,
        contracts.contract_id as known_contract_id,
        contracts.contract_no,
        installments.installment_id as known_installment_id,
        coalesce(receipts.account_id, orders.account_id, contracts.account_id) as customer_id
    from receipts
    left join orders
        on receipts.order_id = orders.order_id
    left join contracts
        on receipts.contract_id = contracts.contract_id
    left join installments
        on receipts.installment_id = installments.installment_id

),

final as (

    select
        -- ids
        receipt_id,
        receipt_no,
        bank_txn_no,
        customer_id,
        order_id,
        order_no,
        contract_id,
        contract_no,
        installment_id,
        owner_id,

        -- attributes
        receipt_type,
        payment_method,

        -- amounts (refunds are negative, whichever sign the source wrote)
        case when receipt_type = 'refund' then -abs(amount) else amount end as amount,

        -- dates
        receipt_date,

        -- validation
        case
            when contract_id is not null and known_contract_id is null
                then 'unknown_contract'
            when order_id is not null and known_order_id is null
                then 'unknown_order'
            when installment_id is not null and known_installment_id is null
                then 'unknown_installment'
            when customer_id is null
                then 'unknown_customer'
            when coalesce(receipt_type, '') <> 'refund' and amount < 0
                then 'negative_receipt'
        end as problem,
        case
            when contract_id is not null and known_contract_id is null
                then concat('回款 ', receipt_no, ' (receipt_id ', cast(receipt_id as {{ dbt.type_string() }}),
                            '): contract_id ', cast(contract_id as {{ dbt.type_string() }}), ' does not exist')
            when order_id is not null and known_order_id is null
                then concat('回款 ', receipt_no, ' (receipt_id ', cast(receipt_id as {{ dbt.type_string() }}),
                            '): order_id ', cast(order_id as {{ dbt.type_string() }}), ' does not exist')
            when installment_id is not null and known_installment_id is null
                then concat('回款 ', receipt_no, ' (receipt_id ', cast(receipt_id as {{ dbt.type_string() }}),
                            '): installment_id ', cast(installment_id as {{ dbt.type_string() }}), ' does not exist')
            when customer_id is null
                then concat('回款 ', receipt_no, ' (receipt_id ', cast(receipt_id as {{ dbt.type_string() }}),
                            '): no customer (account_id, order and contract all empty)')
            when coalesce(receipt_type, '') <> 'refund' and amount < 0
                then concat('回款 ', receipt_no, ' (receipt_id ', cast(receipt_id as {{ dbt.type_string() }}),
                            '): amount ', cast(amount as {{ dbt.type_string() }}),
                            ' is negative on a receipt (receiptType ', coalesce(receipt_type, 'empty'),
                            '); money paid back is written as receiptType refund')
        end as problem_message

    from joined

)

select * from final
