-- Point-in-time AR aging (账龄): the open balance of every installment as of every month-end
-- (and the reporting date), by due date, bucketed with finance.yml aging_buckets (settings.aging_buckets).
-- Receipts dated after the as-of date do not count; installments created after it don't exist
-- yet. The rule lives in macro finance_ar_aging (macros/finance/ar_aging.sql); any other date:
-- the table macro finance.ar_aging_at(date) it also renders into the warehouse (apps, analysts).

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
           as_of.as_of_date = {{ finance_month_end_of('as_of.as_of_date') }} as is_month_end
    from as_of

),

aging as (

    {{ finance_ar_aging('as_of_dates', 'installments', 'allocations', 'buckets') }}

)

select * from aging
