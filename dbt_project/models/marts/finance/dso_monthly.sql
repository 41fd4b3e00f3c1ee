-- DSO (days sales outstanding) per month: receivables billed and unpaid at the month-end
-- (installments due on or before it) / amount billed in the month (installments falling due in
-- it) x days in the month. Months with nothing billed have no DSO.

with

aging as (

    select * from {{ ref('ar_aging') }}
    where is_month_end

),

installments as (

    select * from {{ ref('installments') }}

),

receivables as (

    select
        as_of_date,
        sum(case when due_date <= as_of_date then open_amount else 0 end) as billed_receivables,
        sum(open_amount)                                                  as total_open,
        sum(case when is_overdue then open_amount else 0 end)             as overdue_amount
    from aging
    group by 1

),

billed as (

    select
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, dbt.date_trunc('month', 'due_date'))) }}
             as {{ type_date() }}) as month_end,
        sum(amount) as billed_amount
    from installments
    group by 1

),

final as (

    select
        receivables.as_of_date                                    as month_end,
        cast(receivables.billed_receivables as {{ type_decimal() }}) as billed_receivables,
        cast(receivables.total_open as {{ type_decimal() }})      as total_open,
        cast(receivables.overdue_amount as {{ type_decimal() }})  as overdue_amount,
        cast(coalesce(billed.billed_amount, 0) as {{ type_decimal() }}) as billed_amount,
        cast({{ round_half_up("case when billed.billed_amount > 0
            then " ~ divide('receivables.billed_receivables', 'billed.billed_amount') ~ "
                 * extract(day from receivables.as_of_date)
        end", 1) }} as {{ type_decimal(18, 1) }}) as dso_days
    from receivables
    left join billed
        on receivables.as_of_date = billed.month_end

)

select * from final
