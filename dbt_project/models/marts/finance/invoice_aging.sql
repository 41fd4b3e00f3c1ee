-- Invoice-based AR aging (发票账龄), beside the installment-based finance.ar_aging: the open
-- part of every invoice standing on each month-end and the reporting date, aged by days since
-- the invoice date and bucketed with finance.yml aging_buckets (settings.aging_buckets).
-- Per contract (else order), collections and red-letter invoices paired with no original pay
-- the oldest standing invoice first; an invoice reversed by its red letter on or before the
-- date no longer stands, a voided one never does. Invoices and receipts dated after the date do
-- not count. Invoices naming no known order are not aged (finance.invoices, is_matched false).

with

invoices as (

    select * from {{ ref('invoices') }}
    where reconciliation_key is not null

),

collections as (

    select * from {{ ref('int_invoice_collections') }}
    where reconciliation_key is not null

),

buckets as (

    select * from {{ source('settings', 'aging_buckets') }}

),

as_of as (

    select * from {{ ref('int_finance_as_of') }}

),

as_of_dates as (

    {{ finance_aging_dates('invoices', 'invoice_date', 'as_of') }}

),

credit_events as (

    select reconciliation_key, receipt_date as event_date, amount
    from collections
    union all
    select reconciliation_key, invoice_date, -net_amount
    from invoices
    where is_red_letter and reverses_invoice_no is null

),

credits as (

    select
        as_of_dates.as_of_date,
        credit_events.reconciliation_key,
        sum(credit_events.amount) as credit_amount
    from as_of_dates
    inner join credit_events
        on credit_events.event_date <= as_of_dates.as_of_date
    group by 1, 2

),

standing as (

    select
        as_of_dates.as_of_date as aging_date,
        as_of_dates.is_month_end,
        invoices.*,
        sum(invoices.net_amount) over (
            partition by as_of_dates.as_of_date, invoices.reconciliation_key
            order by invoices.invoice_date, invoices.invoice_no
            rows between unbounded preceding and current row
        ) as standing_after
    from as_of_dates
    inner join invoices
        on invoices.invoice_date <= as_of_dates.as_of_date
       and (invoices.reversed_on is null or invoices.reversed_on > as_of_dates.as_of_date)
    where not invoices.is_red_letter
      and not invoices.is_voided
      and invoices.net_amount > 0

),

balances as (

    select
        standing.*,
        least(standing.net_amount,
              greatest(standing.standing_after - coalesce(credits.credit_amount, 0), 0)) as open_as_of,
        {{ dbt.datediff('standing.invoice_date', 'standing.aging_date', 'day') }} as days_since
    from standing
    left join credits
        on credits.as_of_date = standing.aging_date
       and credits.reconciliation_key = standing.reconciliation_key

),

final as (

    select
        -- keys
        balances.aging_date as as_of_date,
        balances.is_month_end,
        balances.invoice_no,

        -- who and what
        balances.reconciliation_key,
        balances.contract_id,
        balances.contract_no,
        balances.order_id,
        balances.order_no,
        balances.account_id,
        balances.account_name,
        balances.company_key,
        balances.owner_id,
        balances.owner_name,
        balances.department_name,
        balances.invoice_type,

        -- amounts
        balances.net_amount as invoice_amount,
        cast(balances.open_as_of as {{ type_decimal() }}) as open_amount,

        -- aging
        balances.invoice_date,
        balances.days_since as days_since_invoice,
        buckets.bucket,
        buckets.sort_order as bucket_order

    from balances
    left join buckets
        on (buckets.min_days is null or balances.days_since >= buckets.min_days)
       and (buckets.max_days is null or balances.days_since <= buckets.max_days)
    where balances.open_as_of > 0

)

select * from final
