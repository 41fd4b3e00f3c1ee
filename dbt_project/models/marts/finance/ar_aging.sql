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

as_of_dates as (

    {{ finance_aging_dates('installments', 'created_date', 'as_of') }}

),

aging as (

    {{ finance_ar_aging('as_of_dates', 'installments', 'allocations', 'buckets') }}

)

select * from aging
