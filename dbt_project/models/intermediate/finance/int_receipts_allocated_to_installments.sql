-- How each valid receipt is applied (one row per receipt x installment, or x credit):
--   1. a receipt (or refund) naming an installment applies to it, capped at the installment
--      amount: receipts of one installment accumulate in date order and each takes the slice
--      of [0, amount] its running total covers; a refund (negative) gives slices back;
--      anything beyond the amount becomes customer credit.
--   2. a receipt naming no installment is applied FIFO: the customer's unnamed receipts
--      (by date) fill the customer's installments (by due date) in what the named receipts
--      left open; interval overlap of the two running totals, set-based.
--   3. whatever a receipt could not apply is a customer credit (never a negative installment).
-- Point in time: every allocation carries its receipt date; aging as of D sums only those
-- with receipt_date <= D, so later receipts never leak in. FIFO fills capacity left by named
-- receipts of any date (documented simplification: a named receipt arriving after an earlier
-- unnamed one had already covered that installment moves the overlap to credit only from its date).

with

receipts as (

    select * from {{ ref('int_receipts_validated') }}
    where problem is null

),

installments as (

    select * from {{ ref('int_payment_installments_unioned') }}

),

-- named: running total per installment, slice of [0, amount]
named as (

    select
        receipts.receipt_id,
        receipts.customer_id,
        receipts.receipt_date,
        receipts.amount,
        installments.installment_id,
        installments.amount as installment_amount,
        sum(receipts.amount) over (
            partition by installments.installment_id
            order by receipts.receipt_date, receipts.receipt_id
            rows between unbounded preceding and current row
        ) as running_after
    from receipts
    inner join installments
        on receipts.installment_id = installments.installment_id

),

named_sliced as (

    select
        *,
        running_after - amount as running_before,
        least(greatest(running_after, 0), installment_amount)
            - least(greatest(running_after - amount, 0), installment_amount) as applied
    from named

),

named_capacity as (

    select
        installments.installment_id,
        installments.account_id as customer_id,
        installments.due_date,
        installments.amount - coalesce(sum(named_sliced.applied), 0) as capacity
    from installments
    left join named_sliced
        on installments.installment_id = named_sliced.installment_id
    group by 1, 2, 3, installments.amount

),

capacity_running as (

    select
        *,
        sum(capacity) over (
            partition by customer_id
            order by due_date, installment_id
            rows between unbounded preceding and current row
        ) as cap_after
    from named_capacity
    where capacity > 0

),

unnamed as (

    select
        receipt_id,
        customer_id,
        receipt_date,
        amount,
        sum(amount) over (
            partition by customer_id
            order by receipt_date, receipt_id
            rows between unbounded preceding and current row
        ) as pool_after
    from receipts
    where installment_id is null
      and amount > 0

),

fifo as (

    select
        unnamed.receipt_id,
        unnamed.customer_id,
        unnamed.receipt_date,
        capacity_running.installment_id,
        least(unnamed.pool_after, capacity_running.cap_after)
            - greatest(unnamed.pool_after - unnamed.amount,
                       capacity_running.cap_after - capacity_running.capacity) as applied
    from unnamed
    inner join capacity_running
        on unnamed.customer_id = capacity_running.customer_id
       and unnamed.pool_after - unnamed.amount < capacity_running.cap_after
       and capacity_running.cap_after - capacity_running.capacity < unnamed.pool_after

),

-- unnamed negative amounts (refunds naming no installment) are credit movements
applied_total as (

    select receipt_id, sum(applied) as applied
    from (
        select receipt_id, applied from named_sliced
        union all
        select receipt_id, applied from fifo
    ) as a
    group by 1

),

credit as (

    select
        receipts.receipt_id,
        receipts.customer_id,
        receipts.receipt_date,
        cast(null as {{ dbt.type_bigint() }}) as installment_id,
        receipts.amount - coalesce(applied_total.applied, 0) as applied
    from receipts
    left join applied_total
        on receipts.receipt_id = applied_total.receipt_id
    where receipts.amount - coalesce(applied_total.applied, 0) <> 0

),

unioned as (

    select receipt_id, customer_id, receipt_date, installment_id, applied, 'named' as allocation_type
    from named_sliced
    where applied <> 0
    union all
    select receipt_id, customer_id, receipt_date, installment_id, applied, 'fifo' as allocation_type
    from fifo
    where applied > 0
    union all
    select receipt_id, customer_id, receipt_date, installment_id, applied, 'credit' as allocation_type
    from credit

),

final as (

    select
        -- ids
        receipt_id,
        customer_id,
        installment_id,

        -- attributes
        allocation_type,

        -- amounts
        cast(applied as {{ type_decimal() }}) as allocated_amount,

        -- dates
        receipt_date

    from unioned

)

select * from final
