-- Point-in-time AR aging (账龄): the open balance of every installment as of every month-end
-- (and the reporting date), by due date, bucketed with finance.yml aging_buckets (settings.aging_buckets).
-- Receipts dated after the as-of date do not count; installments created after it don't exist
-- yet. Any other date: apps/finance_data.aging_as_of() runs the same rule on demand.

with

installments as (

    select * from {{ ref('installments') }}

),

allocations as (

    select * from {{ ref('int_receipts_allocated_to_installments') }}
    where installment_id is not null

),

buckets as (

    select * from {{ source('settings', 'aging_buckets') }}

),

as_of as (

    select * from {{ ref('int_finance_as_of') }}

),

digits as (

    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9

),

numbers as (

    select a.d + 10 * b.d + 100 * c.d as n
    from digits as a
    cross join digits as b
    cross join digits as c

),

first_month as (

    select {{ dbt.date_trunc('month', 'min(created_date)') }} as month_start
    from installments

),

month_ends as (

    select
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 'numbers.n + 1', 'first_month.month_start')) }}
            as {{ type_date() }}) as as_of_date
    from numbers
    cross join first_month

),

as_of_dates as (

    select month_ends.as_of_date, true as is_month_end
    from month_ends
    cross join as_of
    where month_ends.as_of_date < as_of.as_of_date
    union all
    select as_of.as_of_date,
           as_of.as_of_date = cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, dbt.date_trunc('month', 'as_of.as_of_date'))) }}
                                   as {{ type_date() }}) as is_month_end
    from as_of

),

received_as_of as (

    select
        as_of_dates.as_of_date,
        allocations.installment_id,
        sum(allocations.allocated_amount) as received_amount
    from as_of_dates
    inner join allocations
        on allocations.receipt_date <= as_of_dates.as_of_date
    group by 1, 2

),

balances as (

    select
        -- named apart from installments.as_of_date (the mart's own date): Spark rejects the
        -- duplicate name that DuckDB silently resolves to the first
        as_of_dates.as_of_date as aging_date,
        as_of_dates.is_month_end,
        installments.*,
        installments.amount - coalesce(received_as_of.received_amount, 0) as open_as_of,
        {{ dbt.datediff('installments.due_date', 'as_of_dates.as_of_date', 'day') }} as days_overdue_as_of
    from as_of_dates
    inner join installments
        on installments.created_date <= as_of_dates.as_of_date
    left join received_as_of
        on received_as_of.as_of_date = as_of_dates.as_of_date
       and received_as_of.installment_id = installments.installment_id

),

final as (

    select
        -- keys
        balances.aging_date as as_of_date,
        balances.is_month_end,
        balances.installment_id,

        -- who and what
        balances.account_id,
        balances.account_name,
        balances.company_key,
        balances.company_name,
        balances.contract_id,
        balances.contract_no,
        balances.order_id,
        balances.order_no,
        balances.batch_no,
        balances.owner_id,
        balances.owner_name,
        balances.department_id,
        balances.department_name,

        -- amounts
        balances.amount,
        cast(balances.open_as_of as {{ type_decimal() }}) as open_amount,

        -- aging
        balances.due_date,
        balances.days_overdue_as_of as days_overdue,
        buckets.bucket,
        buckets.sort_order as bucket_order,
        balances.days_overdue_as_of > 0 as is_overdue

    from balances
    left join buckets
        on (buckets.min_days is null or balances.days_overdue_as_of >= buckets.min_days)
       and (buckets.max_days is null or balances.days_overdue_as_of <= buckets.max_days)
    where balances.open_as_of > 0

)

select * from final
