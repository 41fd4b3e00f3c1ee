-- Receipts that could not be applied (unknown contract, order, installment or customer, or a
-- negative amount on a receipt, which is ambiguous: refunds are typed refund), each with a
-- message naming the record and the field. They are not in the allocations.

with

receipts as (

    select * from {{ ref('int_receipts_validated') }}

),

final as (

    select
        receipt_id,
        receipt_no,
        customer_id,
        order_id,
        contract_id,
        installment_id,
        amount,
        receipt_date,
        problem,
        problem_message
    from receipts
    where problem is not null

)

select * from final
