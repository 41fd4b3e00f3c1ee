-- Every payment-plan installment (回款计划) with the receipts applied to it to date.

with

installments as (

    select * from {{ ref('int_payment_installments_unioned') }}

),

plans as (

    select * from {{ ref('int_payment_plans_unioned') }}

),

contracts as (

    select * from {{ ref('stg_crm__contracts') }}

),

orders as (

    select * from {{ ref('int_orders_unioned') }}

),

companies as (

    select * from {{ ref('int_account_companies') }}

),

users as (

    select user_id, user_name, department_id from {{ ref('stg_crm__users') }}

),

departments as (

    select department_id, department_name from {{ ref('stg_crm__departments') }}

),

allocations as (

    select * from {{ ref('int_receipts_allocated_to_installments') }}
    where installment_id is not null

),

as_of as (

    select * from {{ ref('int_finance_as_of') }}

),

-- the date the running total of receipts first covered the amount (and stayed covered)
allocation_running as (

    select
        allocations.installment_id,
        allocations.receipt_date,
        sum(allocations.allocated_amount) over (
            partition by allocations.installment_id
            order by allocations.receipt_date, allocations.receipt_id
            rows between unbounded preceding and current row
        ) as received_running
    from allocations

),

received as (

    select
        installment_id,
        sum(allocated_amount) as received_amount,
        max(receipt_date)     as last_receipt_date
    from allocations
    group by 1

),

paid_dates as (

    select
        allocation_running.installment_id,
        max(allocation_running.receipt_date) as fully_paid_date
    from allocation_running
    inner join installments
        on allocation_running.installment_id = installments.installment_id
    inner join received
        on allocation_running.installment_id = received.installment_id
    where received.received_amount >= installments.amount
    group by 1

),

final as (

    select
        -- ids
        installments.installment_id,
        installments.payment_plan_id,
        plans.plan_no,
        installments.contract_id,
        contracts.contract_no,
        installments.order_id,
        orders.order_no,
        installments.account_id,
        companies.account_name,
        companies.company_key,
        companies.company_name,
        installments.owner_id,
        users.user_name        as owner_name,
        users.department_id    as department_id,
        departments.department_name,

        -- attributes
        installments.batch_no,
        plans.installment_count,
        contracts.payment_terms,

        -- amounts
        installments.amount,
        cast(coalesce(received.received_amount, 0) as {{ type_decimal() }}) as received_amount,
        cast(installments.amount - coalesce(received.received_amount, 0) as {{ type_decimal() }}) as open_amount,

        -- dates
        installments.due_date,
        cast(installments.created_at as {{ type_date() }}) as created_date,
        received.last_receipt_date,
        case when installments.amount - coalesce(received.received_amount, 0) <= 0
            then paid_dates.fully_paid_date end as fully_paid_date,
        as_of.as_of_date,

        -- status as of the reporting date
        case
            when installments.amount - coalesce(received.received_amount, 0) <= 0 then 'paid'
            when installments.due_date < as_of.as_of_date then 'overdue'
            else 'open'
        end as status,
        case
            when installments.amount - coalesce(received.received_amount, 0) <= 0
                then {{ dbt.datediff('installments.due_date', 'paid_dates.fully_paid_date', 'day') }}
            else {{ dbt.datediff('installments.due_date', 'as_of.as_of_date', 'day') }}
        end as days_late

    from installments
    cross join as_of
    left join plans
        on installments.payment_plan_id = plans.payment_plan_id
    left join contracts
        on installments.contract_id = contracts.contract_id
    left join orders
        on installments.order_id = orders.order_id
    left join companies
        on installments.account_id = companies.account_id
    left join users
        on installments.owner_id = users.user_id
    left join departments
        on users.department_id = departments.department_id
    left join received
        on installments.installment_id = received.installment_id
    left join paid_dates
        on installments.installment_id = paid_dates.installment_id

)

select * from final
