-- Payment behaviour per customer over installments that are due: average days late (paid:
-- paid date - due date; still open: reporting date - due date), share paid late, and a credit
-- rating A-D derived from them (thresholds: finance.yml payment_rating, see docs/settings.md).

with

installments as (

    select * from {{ ref('installments') }}

),

parameters as (

    select finance_rating_a_max_days_late, finance_rating_b_max_days_late, finance_rating_c_max_days_late
    from {{ source('settings', 'parameters') }}

),

due as (

    select
        *,
        case when days_late > 0 then days_late else 0 end as days_late_positive
    from installments
    where due_date <= as_of_date

),

per_customer as (

    select
        account_id,
        max(account_name)                                          as account_name,
        max(company_key)                                           as company_key,
        max(company_name)                                          as company_name,
        count(*)                                                   as installments_due,
        sum(case when status = 'paid' then 1 else 0 end)           as installments_paid,
        sum(case when days_late > 0 then 1 else 0 end)             as installments_late,
        sum(case when days_late > 30 then 1 else 0 end)            as installments_late_30,
        avg(1.0 * days_late_positive)                              as avg_days_late,
        max(days_late)                                             as max_days_late,
        sum(open_amount)                                           as open_amount_due
    from due
    group by 1

),

final as (

    select
        account_id,
        account_name,
        company_key,
        company_name,
        installments_due,
        installments_paid,
        installments_late,
        installments_late_30,
        cast({{ round_half_up('avg_days_late', 1) }} as {{ type_decimal(18, 1) }})              as avg_days_late,
        cast({{ round_half_up(divide('installments_late', 'installments_due'), 4) }} as {{ type_decimal(18, 4) }}) as share_paid_late,
        max_days_late,
        cast(open_amount_due as {{ type_decimal() }})                           as open_amount_due,
        case
            when avg_days_late <= parameters.finance_rating_a_max_days_late
                 and {{ divide('installments_late', 'installments_due') }} <= 0.2 then 'A'
            when avg_days_late <= parameters.finance_rating_b_max_days_late then 'B'
            when avg_days_late <= parameters.finance_rating_c_max_days_late then 'C'
            else 'D'
        end as credit_rating
    from per_customer
    cross join parameters

)

select * from final
