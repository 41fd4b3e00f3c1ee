-- Customer credit (预收/溢缴): receipts beyond what the customer's installments could absorb.

with

allocations as (

    select * from {{ ref('int_receipts_allocated_to_installments') }}
    where allocation_type = 'credit'

),

companies as (

    select * from {{ ref('int_account_companies') }}

),

final as (

    select
        allocations.customer_id,
        companies.account_name,
        companies.company_key,
        cast(sum(allocations.allocated_amount) as {{ type_decimal() }}) as credit_balance,
        count(*)                           as receipts_with_credit,
        max(allocations.receipt_date)      as last_receipt_date
    from allocations
    left join companies
        on allocations.customer_id = companies.account_id
    group by 1, 2, 3

)

select * from final
