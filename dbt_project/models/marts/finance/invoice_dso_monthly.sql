-- DSO on invoiced amounts per month, beside finance.dso_monthly (which treats installments
-- falling due as billed): open invoiced receivables at the month-end (finance.invoice_aging) /
-- net invoiced in the month (normal invoices minus red letters, voided ones count nothing) x days
-- in the month. A month whose net invoicing is not positive has no DSO. Only invoices naming a
-- known order count on both sides.

with

aging as (

    select * from {{ ref('invoice_aging') }}
    where is_month_end

),

invoices as (

    select * from {{ ref('invoices') }}
    where reconciliation_key is not null

),

as_of as (

    select * from {{ ref('int_finance_as_of') }}

),

receivables as (

    select as_of_date as month_end, sum(open_amount) as open_invoiced
    from aging
    group by 1

),

invoiced as (

    select
        {{ finance_month_end_of('invoices.invoice_date') }} as month_end,
        sum(invoices.net_amount)                             as invoiced_net,
        sum(case when invoices.is_red_letter then -invoices.net_amount else 0 end) as red_letter_amount
    from invoices
    cross join as_of
    where invoices.invoice_date <= as_of.as_of_date
    group by 1

),

months as (

    select month_end from receivables
    union
    select month_end from invoiced

),

final as (

    select
        months.month_end,
        cast(coalesce(invoiced.invoiced_net, 0) as {{ type_decimal() }})      as invoiced_net,
        cast(coalesce(invoiced.red_letter_amount, 0) as {{ type_decimal() }}) as red_letter_amount,
        cast(coalesce(receivables.open_invoiced, 0) as {{ type_decimal() }})  as open_invoiced,
        cast({{ round_half_up("case when invoiced.invoiced_net > 0
            then " ~ divide('coalesce(receivables.open_invoiced, 0)', 'invoiced.invoiced_net') ~ "
                 * extract(day from months.month_end)
        end", 1) }} as {{ type_decimal(18, 1) }}) as dso_days
    from months
    left join receivables on months.month_end = receivables.month_end
    left join invoiced on months.month_end = invoiced.month_end

)

select * from final
