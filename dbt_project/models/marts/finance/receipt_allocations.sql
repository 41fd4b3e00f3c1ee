-- How each receipt was applied: to the installment it names, else FIFO to the customer's
-- oldest open installment; what could not be applied is customer credit (installment empty).

with

allocations as (

    select * from {{ ref('int_receipts_allocated_to_installments') }}

),

receipts as (

    select * from {{ ref('int_receipts_validated') }}

),

installments as (

    select * from {{ ref('int_payment_installments_unioned') }}

),

companies as (

    select * from {{ ref('int_account_companies') }}

),

final as (

    select
        -- ids
        {{ dbt.concat(["cast(allocations.receipt_id as " ~ dbt.type_string() ~ ")", "'-'",
                       "coalesce(cast(allocations.installment_id as " ~ dbt.type_string() ~ "), 'credit')"]) }}
            as allocation_id,
        allocations.receipt_id,
        receipts.receipt_no,
        receipts.bank_txn_no,
        allocations.customer_id,
        companies.account_name,
        companies.company_key,
        allocations.installment_id,
        installments.batch_no,
        receipts.order_id,
        receipts.contract_id,

        -- attributes
        receipts.receipt_type,
        allocations.allocation_type,

        -- amounts
        receipts.amount as receipt_amount,
        allocations.allocated_amount,

        -- dates
        allocations.receipt_date,
        installments.due_date

    from allocations
    inner join receipts
        on allocations.receipt_id = receipts.receipt_id
    left join installments
        on allocations.installment_id = installments.installment_id
    left join companies
        on allocations.customer_id = companies.account_id

)

select * from final
